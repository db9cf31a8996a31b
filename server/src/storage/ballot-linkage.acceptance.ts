import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BallotChoice, MeetingId, MemberId, PollDefinition, PollId } from '@yishi/protocol';
import { hashToken, newToken } from '../auth/tokens.ts';
import { BallotWriter } from '../features/polls/ballot-writer.ts';
import { SealHolder } from '../features/polls/seal-holder.ts';
import type { PendingBallot } from '../features/polls/store.ts';
import type { Store } from './store.ts';

/** One WAL record as pg_walinspect lists it. */
export interface WalRecord {
  xid: string;
  resource_manager: string;
  record_type: string;
  block_ref: string | null;
}

export interface LinkageDriver {
  store: Store;
  /** Every WAL record still readable from `from` on (after the store is done with). */
  walRecords(from: string): Promise<WalRecord[]>;
  /** The bytes of a table's main file, as the database files hold them now. */
  relationBytes(table: string): Promise<Buffer>;
  dispose(): Promise<void>;
}

const lsnToBig = (lsn: string) => {
  const [hi, lo] = lsn.split('/');
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
};
export const bigToLsn = (n: bigint) => `${(n >> 32n).toString(16).toUpperCase()}/${(n & 0xffffffffn).toString(16).toUpperCase()}`;
/** The LSN a WAL segment file starts at (16 MB segments). */
export const segmentStart = (name: string) => bigToLsn((BigInt(`0x${name.slice(8, 16)}`) << 32n) + BigInt(`0x${name.slice(16, 24)}`) * 0x1000000n);
export const laterLsn = (a: string, b: string) => (lsnToBig(a) >= lsnToBig(b) ? a : b);

const rows = <T>(r: unknown) => (r as { rows: T[] }).rows;

const K = 3;

/**
 * Voters (by the transaction id their mark was written in) told apart from all but fewer than
 * k others: their transaction holds fewer than k marks, and it, or the one just before or
 * after, writes between 1 and k-1 secret ballots. A group of k or more ballots written
 * together hides which is whose.
 */
function linkedVoters(voterXids: bigint[], ballotsByXid: Map<bigint, number>): number {
  const marks = new Map<bigint, number>();
  for (const x of voterXids) marks.set(x, (marks.get(x) ?? 0) + 1);
  let linked = 0;
  for (const [x, n] of marks) {
    const near = [x - 1n, x, x + 1n].map((y) => ballotsByXid.get(y) ?? 0);
    if (n < K && near.some((b) => b > 0 && b < K)) linked += n;
  }
  return linked;
}

/** A council of ten members and an open secret motion with live results. */
export async function setUpSecretPoll(store: Store): Promise<{ pollId: PollId; memberIds: MemberId[] }> {
  const { councilId, adminId } = await store.councils.create('幸福里社区议事会', '王主任');
  const council = await store.councils.get(councilId);
  const memberIds: MemberId[] = [adminId];
  for (let i = 1; i < 10; i++)
    memberIds.push(
      await store.councils.createMember(councilId, { name: `委员${i}`, groupId: council.groups[0]!.id, role: 'member' }, hashToken(newToken())),
    );
  const meetingId: MeetingId = await store.meetings.create(
    councilId,
    { title: '秘密表决', startsAt: '2026-12-01T19:00:00+08:00', place: '', mode: 'hybrid' } as never,
    adminId,
  );
  const pollId = randomUUID() as PollId;
  const definition = {
    id: pollId,
    title: '罢免物业经理',
    kind: 'motion',
    eligibility: 'members',
    secrecy: 'secret',
    results: 'live',
    rule: { quorum: { kind: 'none' }, threshold: { share: { kind: 'simple_majority' }, base: 'ballots_cast', abstentions: 'in_base' } },
  } as unknown as PollDefinition;
  await store.polls.create({ meetingId, definition, residentAccess: 'none' as never, closesAt: null, agendaItemId: null, createdBy: adminId });
  await store.polls.open(pollId);
  return { pollId, memberIds };
}

/**
 * Low traffic: one voter at a time, as a quiet meeting votes; each ballot waits in the holder
 * for company. `after(n)` runs once n ballots were cast and every sealed one is acknowledged.
 * Returns the answers still pending (the held ones).
 */
async function castOneByOne(
  holder: SealHolder,
  pollId: PollId,
  memberIds: MemberId[],
  receipts: string[],
  after: (n: number) => Promise<void> = async () => {},
): Promise<Promise<unknown>[]> {
  const choices = ['yes', 'no', 'abstain'] as const;
  let waiting: Promise<unknown>[] = [];
  for (const [i, id] of memberIds.entries()) {
    const receipt = newToken();
    receipts.push(hashToken(receipt));
    const ballot: PendingBallot = {
      pollId,
      voterKey: `m:${id}`,
      voterName: `委员${i}`,
      electorate: 'members',
      idempotencyKey: randomUUID(),
      choice: { kind: 'motion', choice: choices[i % 3]! } as BallotChoice,
      secret: true,
      newReceiptHash: hashToken(receipt),
      changeReceiptHash: null,
      mixAt: K,
    };
    let wasHeld = false;
    waiting.push(holder.hold(ballot, receipt, K, () => (wasHeld = true)));
    if (!wasHeld) {
      // The k-th voter: the batch seals, and only then is every one of them answered.
      const answers = await Promise.all(waiting);
      expect(answers).toHaveLength(K);
      for (const a of answers) expect(a).toMatchObject({ ok: true, status: 'recorded' });
      waiting = [];
    }
    await after(i + 1);
  }
  return waiting;
}

/** Voters linked through WAL records: a transaction with fewer than k marks that writes ballots (or is next to one that does). */
async function walLinked(
  d: LinkageDriver,
  startLsn: string,
  relfilenodes: { voters: Set<string>; ballots: Set<string> },
  mustSeeCasts: boolean,
): Promise<number> {
  const records = await d.walRecords(startLsn);
  const relOf = (r: WalRecord) => [...(r.block_ref ?? '').matchAll(/rel \d+\/\d+\/(\d+)/g)].map((m) => m[1]!);
  const voterMarks: bigint[] = [];
  const ballotWrites = new Map<bigint, number>();
  let sawMarks = 0;
  for (const r of records) {
    if (r.xid === '0' || r.resource_manager !== 'Heap') continue;
    const x = BigInt(r.xid);
    const rels = relOf(r);
    if (/INSERT/.test(r.record_type) && rels.some((f) => relfilenodes.voters.has(f))) {
      voterMarks.push(x);
      sawMarks++;
    }
    if (/INSERT|UPDATE/.test(r.record_type) && rels.some((f) => relfilenodes.ballots.has(f))) ballotWrites.set(x, (ballotWrites.get(x) ?? 0) + 1);
  }
  // While the poll is open the test must see the casts at all, or it proves nothing (after
  // close the segments that held them are gone: that is the point).
  if (mustSeeCasts) expect(sawMarks).toBeGreaterThan(0);
  return linkedVoters(voterMarks, ballotWrites);
}

/**
 * The adversary of issue 8: someone with the database files (the laptop's DATA_DIR, or a DBA)
 * tries to link each voter to a choice, by xmin, by dead rows, and by the write-ahead log,
 * while the poll is open and after it closed. A voter counts as linked when the group of
 * voters they cannot be told apart from is smaller than k = max(3, the who-voted threshold)
 * = 3 here (ten members).
 */
export function runBallotLinkage(driverName: string, open: () => Promise<LinkageDriver>): void {
  describe(`secret ballots cannot be linked to voters on ${driverName}`, () => {
    let d: LinkageDriver;
    let store: Store;
    let pollId: PollId;
    let startLsn: string;
    let holder: SealHolder;
    let stillHeld: Promise<unknown>[] = [];
    const receipts: string[] = [];
    const relfilenodes = { voters: new Set<string>(), ballots: new Set<string>() };
    /** After k, k+1, 2k and 3k ballots: voters linked by xmin, and the ballots counted. */
    const snapshots: { n: number; linked: number; counted: number }[] = [];

    async function noteRelfilenodes() {
      const r = rows<{ v: string | null; b: string | null }>(
        await store.db.execute(sql`SELECT pg_relation_filenode('voter_roll')::text AS v, pg_relation_filenode('ballot_box')::text AS b`),
      )[0]!;
      relfilenodes.voters.add(r.v!);
      relfilenodes.ballots.add(r.b!);
    }

    /** The brief's query, on every table a secret choice may sit in, with xmin neighbours too. */
    async function linkedByXmin(): Promise<number> {
      const voters = rows<{ x: string }>(await store.db.execute(sql`SELECT xmin::text AS x FROM voter_roll WHERE poll_id = ${pollId}`)).map((r) =>
        BigInt(r.x),
      );
      const ballots = new Map<bigint, number>();
      for (const t of ['ballot_box', 'final_ballots'])
        for (const r of rows<{ x: string }>(await store.db.execute(sql`SELECT xmin::text AS x FROM ${sql.identifier(t)} WHERE poll_id = ${pollId}`)))
          ballots.set(BigInt(r.x), (ballots.get(BigInt(r.x)) ?? 0) + 1);
      return linkedVoters(voters, ballots);
    }

    beforeAll(async () => {
      d = await open();
      store = d.store;
      startLsn = rows<{ l: string }>(await store.db.execute(sql`SELECT pg_current_wal_lsn()::text AS l`))[0]!.l;
      const made = await setUpSecretPoll(store);
      pollId = made.pollId;
      await noteRelfilenodes();
      holder = new SealHolder(store.polls);
      stillHeld = await castOneByOne(holder, pollId, made.memberIds, receipts, async (n) => {
        if (![K, K + 1, 2 * K, 3 * K].includes(n)) return;
        const counted = (await store.polls.groupedBallots(pollId)).reduce((s, g) => s + g.n, 0);
        snapshots.push({ n, linked: await linkedByXmin(), counted });
      });
    }, 120_000);
    afterAll(async () => {
      await d?.dispose();
    });

    it('while the poll is open (after k, k+1, 2k, 3k ballots) xmin links no voter, and the tally moves by sealed batches only', async () => {
      expect(snapshots).toEqual([
        { n: K, linked: 0, counted: K },
        { n: K + 1, linked: 0, counted: K },
        { n: 2 * K, linked: 0, counted: 2 * K },
        { n: 3 * K, linked: 0, counted: 3 * K },
      ]);
      // The brief's query: sealed batches share an xmin with their voters, k at a time, never fewer.
      const exact = rows<{ x: string; n: number }>(
        await store.db
          .execute(sql`SELECT v.xmin::text AS x, count(*)::int AS n FROM voter_roll v JOIN ballot_box b ON b.xmin = v.xmin AND b.poll_id = v.poll_id
          WHERE v.poll_id = ${pollId} GROUP BY v.xmin`),
      );
      for (const g of exact) expect(g.n).toBeGreaterThanOrEqual(K * K);
      // Three groups of 3 were sealed; the tenth waits in memory, written nowhere.
      expect(rows<{ n: number }>(await store.db.execute(sql`SELECT count(*)::int AS n FROM ballot_box WHERE poll_id = ${pollId}`))[0]!.n).toBe(9);
      expect((await store.polls.voterCounts(pollId)).members).toBe(9);
      expect(stillHeld).toHaveLength(1);
    });

    it('keeps the receipt working for a sealed ballot; a held one has no receipt to use yet', async () => {
      const writer = new BallotWriter(store.polls);
      const change = (receiptHash: string) =>
        writer.submit({
          pollId,
          voterKey: 'm:unused',
          voterName: '',
          electorate: 'members',
          idempotencyKey: randomUUID(),
          choice: { kind: 'motion', choice: 'no' } as BallotChoice,
          secret: true,
          newReceiptHash: null,
          changeReceiptHash: receiptHash,
          mixAt: K,
        });
      const before = (await store.polls.groupedBallots(pollId)).find((g) => (g.choice as { choice: string }).choice === 'no')?.n ?? 0;
      expect(await change(receipts[0]!)).toMatchObject({ ok: true, status: 'changed' });
      expect(await change(receipts[9]!)).toMatchObject({ ok: false, code: 'change_not_allowed' });
      expect(await change('0'.repeat(64))).toMatchObject({ ok: false, code: 'change_not_allowed' });
      const after = (await store.polls.groupedBallots(pollId)).find((g) => (g.choice as { choice: string }).choice === 'no')?.n ?? 0;
      expect(after).toBe(before + 1);
    });

    it('after close nothing links: the held ballot is sealed with the whole poll; no xmin, no dead rows, no WAL record', async () => {
      await noteRelfilenodes();
      const { sealed } = await store.polls.close(
        pollId,
        async () => ({ result: {}, title: '罢免物业经理', outcome: [] }),
        holder.takeForClose(pollId),
      );
      expect(sealed.size).toBe(1);
      await holder.settle(pollId);
      expect(await stillHeld[0]).toMatchObject({ ok: true, status: 'recorded' });
      expect(await store.polls.finalBallots(pollId)).toHaveLength(10);
      await noteRelfilenodes();
      expect(await linkedByXmin()).toBe(0);
      // Dead rows: every ballot carried its receipt hash; none may be left in the box's file.
      const bytes = await d.relationBytes('ballot_box');
      expect(
        receipts.filter((h) => bytes.includes(h)),
        'ballot_box still holds dead ballots',
      ).toEqual([]);
      expect(await walLinked(d, startLsn, relfilenodes, false), 'voters linked to a ballot through the WAL').toBe(0);
    }, 120_000);
  });

  describe(`the WAL of an open secret poll links no voter on ${driverName}`, () => {
    it('copied while the poll is open, after 7 ballots (two sealed batches, one held)', async () => {
      const d = await open();
      try {
        const { pollId, memberIds } = await setUpSecretPoll(d.store);
        const startLsn = rows<{ l: string }>(await d.store.db.execute(sql`SELECT pg_current_wal_lsn()::text AS l`))[0]!.l;
        const r = rows<{ v: string; b: string }>(
          await d.store.db.execute(sql`SELECT pg_relation_filenode('voter_roll')::text AS v, pg_relation_filenode('ballot_box')::text AS b`),
        )[0]!;
        const holder = new SealHolder(d.store.polls);
        await castOneByOne(holder, pollId, memberIds.slice(0, 7), []);
        expect((await d.store.polls.voterCounts(pollId)).members).toBe(6);
        expect(await walLinked(d, startLsn, { voters: new Set([r.v]), ballots: new Set([r.b]) }, true)).toBe(0);
      } finally {
        await d.dispose();
      }
    }, 120_000);
  });
}
