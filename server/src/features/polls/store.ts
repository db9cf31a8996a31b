import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { and, asc, count, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type {
  BallotChoice,
  Electorate,
  InRoomCounts,
  MeetingId,
  MemberId,
  Poll,
  PollDefinition,
  PollId,
  PollState,
  ResidentAccess,
} from '@yishi/protocol';
import { AppError } from '../../errors.ts';
import type { Db } from '../../storage/database.ts';
import { POLL_CLOSE, setDeadline } from '../../storage/deadlines.ts';
import {
  ballotBox,
  decisions,
  finalBallots,
  inRoomCounts,
  members,
  namedBallots,
  polls,
  residents,
  voterRoll,
  votingCodes,
} from '../../storage/schema.ts';

type PollRow = typeof polls.$inferSelect;

function toPoll(r: PollRow): Poll {
  return {
    meetingId: r.meetingId as MeetingId,
    definition: r.definition as PollDefinition,
    state: r.state as PollState,
    residentAccess: r.residentAccess as ResidentAccess,
    closesAt: r.closesAt ? r.closesAt.toISOString() : null,
    agendaItemId: r.agendaItemId,
    createdAt: r.createdAt.toISOString(),
  };
}

/** One ballot waiting for the group commit. */
export interface PendingBallot {
  pollId: PollId;
  /** m:<memberId>, c:<voting code id> or r:<residentId>. */
  voterKey: string;
  voterName: string;
  electorate: Electorate;
  idempotencyKey: string;
  choice: BallotChoice;
  secret: boolean;
  /** Secret polls: the hash of the receipt handed to the voter with this ballot. */
  newReceiptHash: string | null;
  /** Secret polls: change the ballot holding this receipt instead of casting a new one. */
  changeReceiptHash: string | null;
  /**
   * Secret polls: k, the smallest group of ballots that may enter the ballot box together
   * (max(3, the poll's who-voted threshold)). See `mix`.
   */
  mixAt: number;
}

export type BallotOutcome =
  | { ok: true; status: 'recorded' | 'unchanged' | 'changed'; receiptIssued: boolean }
  | { ok: false; code: 'poll_not_open' | 'already_voted' | 'change_not_allowed' | 'counted_in_room' };

/**
 * The idempotency key of a member's voter-roll row written by a hand count in the room: the
 * roll's (poll, voter) key then refuses that member's online ballot, and the hand count refuses a
 * member already on the roll, whichever commits first (a member counts once, issue 7).
 */
export const IN_ROOM_ROLL_KEY = 'in-room';

/** Rows of a raw query, whichever driver ran it (both return `{ rows }`). */
/** A stored hand count as the domain counts it. */
function toInRoom(r: typeof inRoomCounts.$inferSelect): InRoomCounts {
  return {
    electorate: r.electorate as Electorate,
    ballots: r.ballots,
    counts: r.counts as InRoomCounts['counts'],
    voters: r.voters as MemberId[],
    enteredBy: r.enteredBy as MemberId,
  };
}

function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

/** Fisher-Yates with a CSPRNG: the order of secret ballots must reveal nothing. */
function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** A sealed batch lost members to marks already on the roll; nothing was written. */
export class TooFewToSeal extends Error {
  constructor(readonly won: Set<string>) {
    super('too few new voters to seal');
  }
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/**
 * The voters' marks (ON CONFLICT DO NOTHING: a voter already on the roll adds nothing) and
 * then the ballots of the marks actually inserted, each set in its own CSPRNG shuffle, so
 * neither row order, WAL record order nor `ctid` pairs a mark with a ballot. Returns the
 * voter keys whose ballots were written.
 */
async function insertMarksAndBallots(tx: Tx, pollId: PollId, batch: PendingBallot[]): Promise<Set<string>> {
  const byVoter = new Map<string, PendingBallot>();
  for (const b of batch) if (!byVoter.has(b.voterKey)) byVoter.set(b.voterKey, b);
  const marks = shuffle([...byVoter.values()]).map((b) => ({
    poll_id: pollId,
    voter_key: b.voterKey,
    electorate: b.electorate,
    idempotency_key: b.idempotencyKey,
  }));
  if (marks.length === 0) return new Set();
  const won = new Set(
    rowsOf<{ voter_key: string }>(
      await tx.execute(sql`
        INSERT INTO voter_roll (poll_id, voter_key, electorate, idempotency_key)
        SELECT poll_id, voter_key, electorate, idempotency_key
        FROM jsonb_to_recordset(${JSON.stringify(marks)}::jsonb)
          AS r(poll_id uuid, voter_key text, electorate text, idempotency_key text)
        ON CONFLICT DO NOTHING
        RETURNING voter_key`),
    ).map((r) => r.voter_key),
  );
  const ballots = shuffle([...byVoter.values()].filter((b) => won.has(b.voterKey))).map((b) => ({
    id: randomUUID(),
    poll_id: pollId,
    electorate: b.electorate,
    choice: b.choice,
    receipt_hash: b.newReceiptHash,
  }));
  if (ballots.length)
    await tx.execute(sql`
      INSERT INTO ballot_box (id, poll_id, electorate, choice, receipt_hash)
      SELECT id, poll_id, electorate, choice, receipt_hash
      FROM jsonb_to_recordset(${JSON.stringify(ballots)}::jsonb)
        AS b(id uuid, poll_id uuid, electorate text, choice jsonb, receipt_hash text)`);
  return won;
}

export class PollStore {
  constructor(private readonly db: Db) {}

  async create(input: {
    meetingId: MeetingId;
    definition: PollDefinition;
    residentAccess: ResidentAccess;
    closesAt: string | null;
    agendaItemId: string | null;
    createdBy: MemberId;
  }): Promise<Poll> {
    const [row] = await this.db
      .insert(polls)
      .values({
        id: input.definition.id,
        meetingId: input.meetingId,
        definition: input.definition,
        state: 'draft',
        residentAccess: input.residentAccess,
        closesAt: input.closesAt ? new Date(input.closesAt) : null,
        agendaItemId: input.agendaItemId,
        createdBy: input.createdBy,
      })
      .returning();
    return toPoll(row!);
  }

  async get(pollId: PollId): Promise<Poll> {
    const [row] = await this.db.select().from(polls).where(eq(polls.id, pollId));
    if (!row) throw new AppError('not_found', 'poll');
    return toPoll(row);
  }

  async listForMeeting(meetingId: MeetingId): Promise<Poll[]> {
    const rows = await this.db.select().from(polls).where(eq(polls.meetingId, meetingId)).orderBy(asc(polls.createdAt));
    return rows.map(toPoll);
  }

  /** Open polls with a closing time, on any meeting (their deadlines, see open()). */
  async openWithClosingTime(): Promise<{ pollId: PollId; closesAt: Date }[]> {
    const rows = await this.db
      .select({ id: polls.id, closesAt: polls.closesAt })
      .from(polls)
      .where(and(eq(polls.state, 'open'), isNotNull(polls.closesAt)));
    return rows.map((r) => ({ pollId: r.id as PollId, closesAt: r.closesAt! }));
  }

  /** Opens a draft; its closing time, if any, becomes a deadline in the same transaction (scheduler/). */
  async open(pollId: PollId): Promise<Poll> {
    return this.db.transaction(async (tx) => {
      const done = await tx
        .update(polls)
        .set({ state: 'open' })
        .where(and(eq(polls.id, pollId), eq(polls.state, 'draft')))
        .returning();
      if (done.length === 0) throw new AppError('invalid_transition', 'only a draft poll opens');
      if (done[0]!.closesAt) await setDeadline(tx, POLL_CLOSE, pollId, done[0]!.closesAt);
      return toPoll(done[0]!);
    });
  }

  /**
   * Closes a poll: no ballot lands after this commits (casting holds a share lock on the poll
   * row). Every ballot, mixed or still pending, is copied to the final record in a random order
   * and both live tables are emptied. `decide` computes the result from the final ballots inside
   * the same transaction. Then the files are cleaned (`forgetBallotTraces`).
   */
  async close(
    pollId: PollId,
    decide: (
      ballots: { electorate: Electorate; choice: BallotChoice }[],
      inRoom: InRoomCounts[],
    ) => Promise<{ result: unknown; title: string; outcome: unknown; attendance?: { present: number; members: number; required: number } }>,
    held: PendingBallot[] = [],
  ): Promise<{ poll: Poll; sealed: Set<string> }> {
    let sealed = new Set<string>();
    await this.db.transaction(async (tx) => {
      const [row] = await tx.select().from(polls).where(eq(polls.id, pollId)).for('update');
      if (!row) throw new AppError('not_found', 'poll');
      if (row.state !== 'open') throw new AppError('poll_not_open');
      // Ballots still held for company (every instance's) are sealed here, with the whole poll:
      // into the box first, so they leave it with all the others in one shuffle.
      if (held.length) sealed = await insertMarksAndBallots(tx, pollId, held);
      const mixed = await tx
        .select({ electorate: ballotBox.electorate, choice: ballotBox.choice })
        .from(ballotBox)
        .where(eq(ballotBox.pollId, pollId));
      const named = await tx
        .select({ electorate: namedBallots.electorate, choice: namedBallots.choice, voterName: namedBallots.voterName })
        .from(namedBallots)
        .where(eq(namedBallots.pollId, pollId));
      const all = shuffle<{ electorate: string; choice: unknown; voterName: string | null }>([
        ...mixed.map((b) => ({ ...b, voterName: null })),
        ...named,
      ]);
      for (let i = 0; i < all.length; i += 500) {
        await tx
          .insert(finalBallots)
          .values(
            all.slice(i, i + 500).map((b, k) => ({ pollId, position: i + k, electorate: b.electorate, choice: b.choice, voterName: b.voterName })),
          );
      }
      await tx.delete(ballotBox).where(eq(ballotBox.pollId, pollId));
      const rooms = await this.inRoomWith(tx, pollId);
      const decided = await decide(
        all.map((b) => ({ electorate: b.electorate as Electorate, choice: b.choice as BallotChoice })),
        rooms,
      );
      await tx.update(polls).set({ state: 'closed', result: decided.result }).where(eq(polls.id, pollId));
      await tx.insert(decisions).values({
        id: randomUUID(),
        meetingId: row.meetingId,
        pollId,
        title: decided.title,
        outcome: decided.outcome,
        attendance: decided.attendance ?? null,
      });
    });
    await this.forgetBallotTraces();
    return { poll: await this.get(pollId), sealed };
  }

  /**
   * After a close: the deleted ballots' dead rows would stay in the table files (with the
   * `xmin` of their voter's transaction) until a vacuum reuses the space, and the WAL of the
   * poll would keep every cast. `VACUUM FULL` rewrites the two ballot tables into new files
   * (`voter_roll` is left alone: its rows say who voted and in which order, never what, and
   * rewriting it would lock every open poll's casts); a checkpoint, a switch to a new WAL
   * segment and a second checkpoint let the segments that held the poll go (PGlite runs with
   * `wal_recycle = off`, database.ts, so they are deleted, not renamed for reuse).
   * Best effort: the poll is already closed, and on PostgreSQL an ordinary role may not
   * checkpoint (the DBA's settings then decide what WAL is kept; see ARCHITECTURE.md).
   */
  private async forgetBallotTraces(): Promise<void> {
    const steps = ['VACUUM FULL ballot_box', 'CHECKPOINT', 'SELECT pg_switch_wal()', 'CHECKPOINT'];
    for (const step of steps) await this.db.execute(sql.raw(step)).catch(() => undefined);
  }

  /**
   * Writes a sealed batch of secret ballots: the voters' marks and their ballots in ONE
   * transaction (atomic: a crash keeps both or neither), each set inserted in its own
   * independently shuffled order, ballots straight into the box under fresh ids. Every ballot
   * then shares its `xmin`, its WAL commit and its stretch of the table with at least `minWon`-1
   * others. A voter whose mark is already on the roll (a resend sealed elsewhere) adds no
   * ballot; if that leaves fewer than `minWon` new marks the whole transaction is rolled back
   * (before any ballot is written) and `TooFewToSeal` says who did get in, so the holder waits
   * for more company. Returns the voter keys whose ballots were written.
   */
  async sealBallots(pollId: PollId, batch: PendingBallot[], minWon: number): Promise<Set<string>> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.select({ state: polls.state }).from(polls).where(eq(polls.id, pollId)).for('share');
      if (row?.state !== 'open') throw new AppError('poll_not_open');
      const won = await insertMarksAndBallots(tx, pollId, batch);
      if (won.size < minWon) throw new TooFewToSeal(won);
      return won;
    });
  }

  async result(pollId: PollId): Promise<unknown> {
    const [row] = await this.db.select({ result: polls.result }).from(polls).where(eq(polls.id, pollId));
    return row?.result ?? null;
  }

  /**
   * The group commit: many ballots, one transaction. Each gets its own outcome; the batch as a
   * whole either commits or fails, and only then is anyone told their ballot is stored.
   */
  async commitBallots(batch: PendingBallot[]): Promise<BallotOutcome[]> {
    // A new secret ballot is never written on its own: it waits for company (sealBallots).
    if (batch.some((b) => b.secret && !b.changeReceiptHash)) throw new Error('a new secret ballot goes through sealBallots');
    return this.db.transaction(async (tx) => {
      const out: (BallotOutcome | undefined)[] = new Array(batch.length);
      const pollIds = [...new Set(batch.map((b) => b.pollId))];
      // A share lock: ballots for one poll commit side by side, and close waits for them.
      const states = await tx.select({ id: polls.id, state: polls.state }).from(polls).where(inArray(polls.id, pollIds)).for('share');
      const open = new Set(states.filter((s) => s.state === 'open').map((s) => s.id));

      const fresh: number[] = [];
      const seen = new Set<string>();
      const later: number[] = [];
      for (let i = 0; i < batch.length; i++) {
        const b = batch[i]!;
        if (!open.has(b.pollId)) out[i] = { ok: false, code: 'poll_not_open' };
        else if (b.changeReceiptHash) later.push(i);
        else {
          const key = `${b.pollId}/${b.voterKey}`;
          if (seen.has(key)) later.push(i);
          else {
            seen.add(key);
            fresh.push(i);
          }
        }
      }

      if (fresh.length > 0) {
        // One JSON parameter for the whole batch: far cheaper to bind and plan than 4 per row.
        const rollRows = fresh.map((i) => ({
          poll_id: batch[i]!.pollId,
          voter_key: batch[i]!.voterKey,
          electorate: batch[i]!.electorate,
          idempotency_key: batch[i]!.idempotencyKey,
        }));
        const inserted = rowsOf<{ poll_id: string; voter_key: string }>(
          await tx.execute(sql`
            INSERT INTO voter_roll (poll_id, voter_key, electorate, idempotency_key)
            SELECT poll_id, voter_key, electorate, idempotency_key
            FROM jsonb_to_recordset(${JSON.stringify(rollRows)}::jsonb)
              AS r(poll_id uuid, voter_key text, electorate text, idempotency_key text)
            ON CONFLICT DO NOTHING
            RETURNING poll_id, voter_key`),
        ).map((r) => ({ pollId: r.poll_id, voterKey: r.voter_key }));
        const won = new Set(inserted.map((r) => `${r.pollId}/${r.voterKey}`));
        const namedRows: (typeof namedBallots.$inferInsert)[] = [];
        for (const i of fresh) {
          const b = batch[i]!;
          if (!won.has(`${b.pollId}/${b.voterKey}`)) {
            later.push(i);
            continue;
          }
          namedRows.push({ pollId: b.pollId, voterKey: b.voterKey, voterName: b.voterName, electorate: b.electorate, choice: b.choice });
          out[i] = { ok: true, status: 'recorded', receiptIssued: false };
        }
        if (namedRows.length) await tx.insert(namedBallots).values(namedRows);
      }

      for (const i of later) {
        const b = batch[i]!;
        if (b.changeReceiptHash) {
          // A sealed ballot, in a transaction without any voter in it.
          const changed = await tx
            .update(ballotBox)
            .set({ choice: b.choice })
            .where(and(eq(ballotBox.pollId, b.pollId), eq(ballotBox.receiptHash, b.changeReceiptHash)))
            .returning({ id: ballotBox.id });
          out[i] = changed.length ? { ok: true, status: 'changed', receiptIssued: false } : { ok: false, code: 'change_not_allowed' };
          continue;
        }
        const [roll] = await tx
          .select({ idem: voterRoll.idempotencyKey })
          .from(voterRoll)
          .where(and(eq(voterRoll.pollId, b.pollId), eq(voterRoll.voterKey, b.voterKey)));
        if (roll?.idem === IN_ROOM_ROLL_KEY) out[i] = { ok: false, code: 'counted_in_room' };
        else if (roll?.idem === b.idempotencyKey) out[i] = { ok: true, status: 'unchanged', receiptIssued: false };
        else if (!b.secret) {
          // Roll-call ballots may change until close: the record is named anyway.
          await tx
            .update(namedBallots)
            .set({ choice: b.choice })
            .where(and(eq(namedBallots.pollId, b.pollId), eq(namedBallots.voterKey, b.voterKey)));
          out[i] = { ok: true, status: 'changed', receiptIssued: false };
        } else out[i] = { ok: false, code: 'already_voted' };
      }
      return out.map((o) => o ?? { ok: false as const, code: 'poll_not_open' as const });
    });
  }

  /** On the roll, and whether by a hand count in the room. */
  async rollEntry(pollId: PollId, voterKey: string): Promise<{ voted: boolean; inRoom: boolean }> {
    const [row] = await this.db
      .select({ idem: voterRoll.idempotencyKey })
      .from(voterRoll)
      .where(and(eq(voterRoll.pollId, pollId), eq(voterRoll.voterKey, voterKey)));
    return { voted: !!row, inRoom: row?.idem === IN_ROOM_ROLL_KEY };
  }

  async hasVoted(pollId: PollId, voterKey: string): Promise<boolean> {
    const [row] = await this.db
      .select({ k: voterRoll.voterKey })
      .from(voterRoll)
      .where(and(eq(voterRoll.pollId, pollId), eq(voterRoll.voterKey, voterKey)));
    return !!row;
  }

  /**
   * The live ballots, grouped: identical choices come back once with their number. Secret
   * ballots count once sealed (held ones are not written yet), so the tally moves k at a time.
   */
  async groupedBallots(pollId: PollId): Promise<{ electorate: Electorate; choice: BallotChoice; n: number }[]> {
    // One statement for both boxes (a poll's ballots are in one of them): the tallies view runs
    // this four times a second while a room votes, and each statement is a turn of the embedded database.
    const rows = rowsOf<{ electorate: string; choice: unknown; n: number }>(
      await this.db.execute(sql`
        SELECT electorate, choice, count(*)::int AS n FROM ballot_box WHERE poll_id = ${pollId} GROUP BY electorate, choice
        UNION ALL
        SELECT electorate, choice, count(*)::int AS n FROM named_ballots WHERE poll_id = ${pollId} GROUP BY electorate, choice`),
    );
    return rows.map((r) => ({ electorate: r.electorate as Electorate, choice: r.choice as BallotChoice, n: Number(r.n) }));
  }

  /**
   * groupedBallots for every open poll of a meeting, in one statement: the tallies view reads
   * this while a room votes, and on the embedded database each statement waits its turn behind
   * the seals queued before it (one per poll, after the list of polls, was one wait each).
   */
  async groupedBallotsOfOpenPolls(meetingId: MeetingId): Promise<Map<PollId, { electorate: Electorate; choice: BallotChoice; n: number }[]>> {
    const rows = rowsOf<{ poll_id: string; electorate: string; choice: unknown; n: number }>(
      await this.db.execute(sql`
        WITH open AS (SELECT id FROM polls WHERE meeting_id = ${meetingId} AND state = 'open')
        SELECT poll_id, electorate, choice, count(*)::int AS n FROM ballot_box WHERE poll_id IN (SELECT id FROM open) GROUP BY poll_id, electorate, choice
        UNION ALL
        SELECT poll_id, electorate, choice, count(*)::int AS n FROM named_ballots WHERE poll_id IN (SELECT id FROM open) GROUP BY poll_id, electorate, choice`),
    );
    const out = new Map<PollId, { electorate: Electorate; choice: BallotChoice; n: number }[]>();
    for (const r of rows) {
      const list = out.get(r.poll_id as PollId) ?? [];
      list.push({ electorate: r.electorate as Electorate, choice: r.choice as BallotChoice, n: Number(r.n) });
      out.set(r.poll_id as PollId, list);
    }
    return out;
  }

  /**
   * Roll-call: who chose what, by name; members counted by hand in the room are listed too,
   * marked so, with their choice in the room's counts only.
   */
  async namedBallots(pollId: PollId): Promise<{ name: string; electorate: Electorate; choice: BallotChoice | null; inRoom: boolean }[]> {
    const rows = await this.db
      .select({ name: namedBallots.voterName, electorate: namedBallots.electorate, choice: namedBallots.choice })
      .from(namedBallots)
      .where(eq(namedBallots.pollId, pollId));
    const room = await this.inRoomMemberNames(pollId);
    return [
      ...rows.map((r) => ({ name: r.name, electorate: r.electorate as Electorate, choice: r.choice as BallotChoice, inRoom: false })),
      ...room.map((name) => ({ name, electorate: 'members' as Electorate, choice: null, inRoom: true })),
    ].sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'));
  }

  /** The members a hand count in the room names, by name. */
  async inRoomMemberNames(pollId: PollId): Promise<string[]> {
    const rows = await this.db
      .select({ name: members.name })
      .from(voterRoll)
      .innerJoin(members, sql`${voterRoll.voterKey} = 'm:' || ${members.id}::text`)
      .where(and(eq(voterRoll.pollId, pollId), eq(voterRoll.idempotencyKey, IN_ROOM_ROLL_KEY)));
    return rows.map((r) => r.name);
  }

  /** The idempotency key of a voter's mark, if they are on the roll. */
  async rollKey(pollId: PollId, voterKey: string): Promise<string | null> {
    const [row] = await this.db
      .select({ idem: voterRoll.idempotencyKey })
      .from(voterRoll)
      .where(and(eq(voterRoll.pollId, pollId), eq(voterRoll.voterKey, voterKey)));
    return row ? row.idem : null;
  }

  /**
   * The idempotency keys of many voters' marks at once (one query; the voters not on the roll
   * are absent from the map). For RollLookup, which gathers a burst of ballots' checks.
   */
  async rollKeys(pollId: PollId, voterKeys: readonly string[]): Promise<Map<string, string>> {
    if (voterKeys.length === 0) return new Map();
    const rows = rowsOf<{ voter_key: string; idem: string }>(
      await this.db.execute(sql`
        SELECT voter_key, idempotency_key AS idem FROM voter_roll
        WHERE poll_id = ${pollId} AND voter_key IN (SELECT jsonb_array_elements_text(${JSON.stringify(voterKeys)}::jsonb))`),
    );
    return new Map(rows.map((r) => [r.voter_key, r.idem]));
  }

  /** The poll's state, read fresh (no cache). */
  async state(pollId: PollId): Promise<PollState | null> {
    const [row] = await this.db.select({ state: polls.state }).from(polls).where(eq(polls.id, pollId));
    return row ? (row.state as PollState) : null;
  }

  /** How many have voted, per electorate: counted in SQL, the roll itself never leaves the database. */
  async voterCounts(pollId: PollId): Promise<Record<Electorate, number>> {
    const rows = await this.db
      .select({ electorate: voterRoll.electorate, n: count() })
      .from(voterRoll)
      .where(eq(voterRoll.pollId, pollId))
      .groupBy(voterRoll.electorate);
    const counts: Record<Electorate, number> = { members: 0, residents: 0 };
    for (const r of rows) counts[r.electorate as Electorate] = Number(r.n);
    return counts;
  }

  /** The members who have voted, by name (residents are never named). */
  async memberVoterNames(pollId: PollId): Promise<string[]> {
    const rows = await this.db
      .select({ name: members.name })
      .from(voterRoll)
      .innerJoin(members, sql`${voterRoll.voterKey} = 'm:' || ${members.id}::text`)
      .where(eq(voterRoll.pollId, pollId));
    return rows.map((r) => r.name).sort((a, b) => a.localeCompare(b, 'zh-CN'));
  }

  /**
   * Stores hand counts. For members, the named voters go on the voter roll under
   * IN_ROOM_ROLL_KEY (replacing the previous count's), in the same transaction as the counts.
   * The exclusive lock on the poll row waits for ballot batches in flight (they hold a share
   * lock) and holds off the next ones, so `check` sees every member who voted online, and a
   * member named here is refused online afterwards (commitBallots). `check` throws to refuse.
   */
  async setInRoom(c: InRoomCounts & { pollId: PollId }, check?: (votedOnline: Set<string>) => void): Promise<void> {
    await this.db.transaction(async (tx) => {
      const [row] = await tx.select({ state: polls.state }).from(polls).where(eq(polls.id, c.pollId)).for('update');
      if (row?.state !== 'open') throw new AppError('poll_not_open');
      if (c.electorate === 'members') {
        const roll = await tx
          .select({ key: voterRoll.voterKey })
          .from(voterRoll)
          .where(and(eq(voterRoll.pollId, c.pollId), eq(voterRoll.electorate, 'members'), sql`${voterRoll.idempotencyKey} <> ${IN_ROOM_ROLL_KEY}`));
        check?.(new Set(roll.map((r) => r.key.replace(/^m:/, ''))));
        await tx.delete(voterRoll).where(and(eq(voterRoll.pollId, c.pollId), eq(voterRoll.idempotencyKey, IN_ROOM_ROLL_KEY)));
        if (c.voters.length > 0) {
          const inserted = await tx
            .insert(voterRoll)
            .values(c.voters.map((id) => ({ pollId: c.pollId, voterKey: `m:${id}`, electorate: 'members', idempotencyKey: IN_ROOM_ROLL_KEY })))
            .onConflictDoNothing()
            .returning({ key: voterRoll.voterKey });
          // Only a ballot that committed between the check and here could take a name: refuse it all.
          if (inserted.length !== c.voters.length) throw new AppError('voted_online');
        }
      } else check?.(new Set());
      await tx
        .insert(inRoomCounts)
        .values({ pollId: c.pollId, electorate: c.electorate, ballots: c.ballots, counts: c.counts, voters: c.voters, enteredBy: c.enteredBy })
        .onConflictDoUpdate({
          target: [inRoomCounts.pollId, inRoomCounts.electorate],
          set: { ballots: c.ballots, counts: c.counts, voters: c.voters, enteredBy: c.enteredBy, enteredAt: new Date() },
        });
    });
  }

  async inRoom(pollId: PollId): Promise<InRoomCounts[]> {
    return this.inRoomWith(this.db, pollId);
  }

  /** The hand counts of every open poll of a meeting, in one statement (see groupedBallotsOfOpenPolls). */
  async inRoomOfOpenPolls(meetingId: MeetingId): Promise<Map<PollId, InRoomCounts[]>> {
    const rows = await this.db
      .select({ pollId: inRoomCounts.pollId, c: inRoomCounts })
      .from(inRoomCounts)
      .innerJoin(polls, eq(polls.id, inRoomCounts.pollId))
      .where(and(eq(polls.meetingId, meetingId), eq(polls.state, 'open')));
    const out = new Map<PollId, InRoomCounts[]>();
    for (const { pollId, c } of rows) {
      const list = out.get(pollId as PollId) ?? [];
      list.push(toInRoom(c));
      out.set(pollId as PollId, list);
    }
    return out;
  }

  private async inRoomWith(db: Pick<Db, 'select'>, pollId: PollId): Promise<InRoomCounts[]> {
    const rows = await db.select().from(inRoomCounts).where(eq(inRoomCounts.pollId, pollId));
    return rows.map(toInRoom);
  }

  /** Issues one-time voting codes; the plain codes are returned once and stored only hashed. */
  async issueCodes(meetingId: MeetingId, rows: { codeHash: string; label: string | null }[], by: MemberId): Promise<void> {
    for (let i = 0; i < rows.length; i += 500) {
      await this.db
        .insert(votingCodes)
        .values(rows.slice(i, i + 500).map((r) => ({ id: randomUUID(), meetingId, codeHash: r.codeHash, label: r.label, issuedBy: by })));
    }
  }

  async codeByHash(codeHash: string): Promise<{ id: string; meetingId: MeetingId } | undefined> {
    const [row] = await this.db
      .select({ id: votingCodes.id, meetingId: votingCodes.meetingId })
      .from(votingCodes)
      .where(eq(votingCodes.codeHash, codeHash));
    return row ? { id: row.id, meetingId: row.meetingId as MeetingId } : undefined;
  }

  /** The size of the residents' electorate: codes issued, or residents admitted to the meeting. */
  async residentElectorate(meetingId: MeetingId, access: ResidentAccess): Promise<number> {
    if (access === 'voting_code') {
      const [r] = await this.db.select({ n: count() }).from(votingCodes).where(eq(votingCodes.meetingId, meetingId));
      return Number(r?.n ?? 0);
    }
    const [r] = await this.db.select({ n: count() }).from(residents).where(eq(residents.meetingId, meetingId));
    return Number(r?.n ?? 0);
  }

  async finalBallots(pollId: PollId) {
    return this.db.select().from(finalBallots).where(eq(finalBallots.pollId, pollId)).orderBy(asc(finalBallots.position));
  }

  async decisions(meetingId: MeetingId) {
    return this.db.select().from(decisions).where(eq(decisions.meetingId, meetingId)).orderBy(asc(decisions.recordedAt));
  }
}

export function newVotingCode(): string {
  // 8 characters from the join-code alphabet: easy to read out, 31^8 ≈ 8.5e11 possibilities.
  const alphabet = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
  const bytes = randomBytes(16);
  let code = '';
  for (const b of bytes) {
    if (b >= 248) continue;
    code += alphabet[b % 31];
    if (code.length === 8) break;
  }
  return code.length === 8 ? code : newVotingCode();
}
