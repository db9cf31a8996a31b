import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BallotChoice, MeetingId, MemberId, PollDefinition, PollId } from '@yishi/protocol';
import { hashToken, newToken } from '../auth/tokens.ts';
import { BallotWriter } from '../votes/ballot-writer.ts';
import type { PendingBallot } from './polls.ts';
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

/**
 * The adversary of issue 8: someone with the database files (the laptop's DATA_DIR, or a DBA)
 * tries to link each voter to a choice, by xmin, by dead rows, and by the write-ahead log.
 * A voter counts as linked when the group of voters they cannot be told apart from is smaller
 * than k = max(3, the who-voted threshold) = 3 here (ten members).
 */
export function runBallotLinkage(driverName: string, open: () => Promise<LinkageDriver>): void {
  describe(`secret ballots cannot be linked to voters on ${driverName}`, () => {
    let d: LinkageDriver;
    let store: Store;
    let pollId: PollId;
    let startLsn: string;
    const receipts: string[] = [];
    const relfilenodes = { voters: new Set<string>(), ballots: new Set<string>() };

    async function noteRelfilenodes() {
      const r = rows<{ v: string | null; b: string | null; p: string | null }>(
        await store.db.execute(sql`SELECT pg_relation_filenode('voter_roll')::text AS v, pg_relation_filenode('ballot_box')::text AS b,
          pg_relation_filenode(to_regclass('ballot_pending'))::text AS p`),
      )[0]!;
      relfilenodes.voters.add(r.v!);
      relfilenodes.ballots.add(r.b!);
      if (r.p) relfilenodes.ballots.add(r.p);
    }

    /** The brief's query, on every table a secret choice may sit in, with xmin neighbours too. */
    async function linkedByXmin(): Promise<number> {
      const tables = ['ballot_box', 'ballot_pending', 'final_ballots'];
      const voters = rows<{ x: string }>(await store.db.execute(sql`SELECT xmin::text AS x FROM voter_roll WHERE poll_id = ${pollId}`)).map((r) => BigInt(r.x));
      const ballots = new Map<bigint, number>();
      for (const t of tables) {
        const exists = rows<{ r: string | null }>(await store.db.execute(sql`SELECT to_regclass(${t})::text AS r`))[0]!.r;
        if (!exists) continue;
        for (const r of rows<{ x: string }>(await store.db.execute(sql`SELECT xmin::text AS x FROM ${sql.identifier(t)} WHERE poll_id = ${pollId}`)))
          ballots.set(BigInt(r.x), (ballots.get(BigInt(r.x)) ?? 0) + 1);
      }
      return linkedVoters(voters, ballots);
    }

    beforeAll(async () => {
      d = await open();
      store = d.store;
      startLsn = rows<{ l: string }>(await store.db.execute(sql`SELECT pg_current_wal_lsn()::text AS l`))[0]!.l;
      const { councilId, adminId } = await store.councils.create('幸福里社区议事会', '王主任');
      const council = await store.councils.get(councilId);
      const memberIds: MemberId[] = [adminId];
      for (let i = 1; i < 10; i++)
        memberIds.push(await store.councils.createMember(councilId, { name: `委员${i}`, groupId: council.groups[0]!.id, role: 'member' }, hashToken(newToken())));
      const meetingId: MeetingId = await store.meetings.create(councilId, { title: '秘密表决', startsAt: '2026-12-01T19:00:00+08:00', place: '', mode: 'hybrid' } as never, adminId);
      pollId = randomUUID() as PollId;
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
      await noteRelfilenodes();
      // Low traffic: one voter at a time, each ballot its own group commit.
      const writer = new BallotWriter(store.polls);
      const choices = ['yes', 'no', 'abstain'] as const;
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
        expect(await writer.submit(ballot)).toMatchObject({ ok: true, status: 'recorded' });
      }
    }, 120_000);
    afterAll(async () => {
      await d?.dispose();
    });

    it('while the poll is open, xmin links at most the k-1 ballots still waiting to be mixed', async () => {
      // The brief's query, as is: every voter with their exact choice on today's code.
      const exact = rows<{ name: string; choice: unknown }>(
        await store.db.execute(sql`SELECT m.name, b.choice FROM voter_roll v JOIN ballot_box b ON b.xmin = v.xmin AND b.poll_id = v.poll_id
          JOIN members m ON v.voter_key = 'm:' || m.id`),
      );
      expect(exact).toEqual([]);
      expect(await linkedByXmin()).toBeLessThan(K);
      // Three groups of 3 were mixed into the box; the tenth waits.
      const box = rows<{ n: number }>(await store.db.execute(sql`SELECT count(*)::int AS n FROM ballot_box WHERE poll_id = ${pollId}`))[0]!.n;
      expect(box).toBe(9);
      // The live tally counts every ballot, mixed or not.
      const counted = (await store.polls.groupedBallots(pollId)).reduce((n, g) => n + g.n, 0);
      expect(counted).toBe(10);
    });

    it('keeps the receipt working: a ballot changes with its receipt, mixed or still pending', async () => {
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
      // The first ballot (yes) was mixed long ago; the last (also yes: 9 % 3 = 0) is still pending.
      expect(await change(receipts[0]!)).toMatchObject({ ok: true, status: 'changed' });
      expect(await change(receipts[9]!)).toMatchObject({ ok: true, status: 'changed' });
      expect(await change('0'.repeat(64))).toMatchObject({ ok: false, code: 'change_not_allowed' });
      const after = (await store.polls.groupedBallots(pollId)).find((g) => (g.choice as { choice: string }).choice === 'no')?.n ?? 0;
      expect(after).toBe(before + 2);
    });

    it('after close nothing links: no xmin, no dead rows in the table files, no WAL record', async () => {
      await noteRelfilenodes();
      await store.polls.close(pollId, async () => ({ result: {}, title: '罢免物业经理', outcome: [] }));
      expect(await store.polls.finalBallots(pollId)).toHaveLength(10);
      await noteRelfilenodes();
      expect(await linkedByXmin()).toBe(0);

      // Dead rows: every ballot carried its receipt hash; none may be left in a ballot table's file.
      for (const t of ['ballot_box', 'ballot_pending']) {
        const exists = rows<{ r: string | null }>(await store.db.execute(sql`SELECT to_regclass(${t})::text AS r`))[0]!.r;
        if (!exists) continue;
        const bytes = await d.relationBytes(t);
        expect(receipts.filter((h) => bytes.includes(h)), `${t} still holds dead ballots`).toEqual([]);
      }

      // The WAL: a transaction that inserts fewer than k voters' marks and writes a ballot table
      // (itself or the transaction next to it) puts those voters next to their choices.
      const records = await d.walRecords(startLsn);
      const relOf = (r: WalRecord) => [...(r.block_ref ?? '').matchAll(/rel \d+\/\d+\/(\d+)/g)].map((m) => m[1]!);
      const voterMarks: bigint[] = [];
      const ballotWrites = new Map<bigint, number>();
      for (const r of records) {
        if (r.xid === '0' || r.resource_manager !== 'Heap') continue;
        const x = BigInt(r.xid);
        const rels = relOf(r);
        if (/INSERT/.test(r.record_type) && rels.some((f) => relfilenodes.voters.has(f))) voterMarks.push(x);
        if (/INSERT|UPDATE/.test(r.record_type) && rels.some((f) => relfilenodes.ballots.has(f))) ballotWrites.set(x, (ballotWrites.get(x) ?? 0) + 1);
      }
      const linked = linkedVoters(voterMarks, ballotWrites);
      expect(linked, 'voters linked to a ballot through the WAL').toBe(0);
    }, 120_000);
  });
}
