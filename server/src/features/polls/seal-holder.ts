import type { PollId } from '@yishi/protocol';
import { AppError } from '../../errors.ts';
import { IN_ROOM_ROLL_KEY, TooFewToSeal, type PendingBallot, type PollStore } from './store.ts';

/** What a held voter finally hears: counted (with their receipt), or a typed refusal. */
export type SealOutcome =
  | { ok: true; status: 'recorded' | 'unchanged'; receipt: string | null }
  | { ok: false; code: 'already_voted' | 'counted_in_room' | 'poll_not_open' }
  | { ok: false; error: unknown };

interface Held {
  ballot: PendingBallot;
  /** The plain receipt: every resend with the same key gets this one (it is in memory only). */
  receipt: string | null;
  waiters: ((o: SealOutcome) => void)[];
  /** Given to a close (here or on another instance): not sealed again until that close settles. */
  closing: boolean;
  /** In the batch of the seal under way: not counted as waiting, not taken by another seal. */
  sealing: boolean;
}

/**
 * Holds validated secret ballots in memory until this instance has k of a poll from k distinct
 * voters, then seals them in one transaction (PollStore#sealBallots) and only then answers
 * them: an ack always means committed (DESIGN.md 5), and every committed secret ballot shares
 * its transaction with k-1 others. The ballots left at close are sealed in the close
 * transaction itself. A held ballot was never acknowledged: if this instance dies, its voter's
 * client resends (same idempotency key) to another instance.
 */
export class SealHolder {
  private readonly held = new Map<PollId, Map<string, Held>>();
  /** One seal at a time per poll: two overlapping seals could each fall below k. */
  private readonly sealing = new Map<PollId, Promise<void>>();
  /**
   * Polls with a seal queued behind the one under way and not started yet: it will take every
   * ballot held by the time it starts, so a ballot arriving meanwhile queues nothing more. In a
   * burst, each seal takes everything that arrived during the previous one (batches grow with
   * the load), and holding a ballot costs O(1), not a walk over every ballot held.
   */
  private readonly queued = new Set<PollId>();

  constructor(private readonly polls: PollStore) {}

  /** Distinct voters held for a poll and not yet given to a close. */
  waiting(pollId: PollId): number {
    let n = 0;
    for (const h of this.held.get(pollId)?.values() ?? []) if (!h.closing && !h.sealing) n++;
    return n;
  }

  /**
   * Whether a ballot from this voter, held now, goes into a seal at once rather than waiting for
   * company: a seal is queued (it takes every ballot held when it starts), the voter is held
   * already (hold() joins or refuses at once), or it makes k. The vote service asks the roll
   * before holding only when not: a seal's own insert of the marks tells who was on the roll.
   */
  sealsAtOnce(pollId: PollId, voterKey: string, k: number): boolean {
    if (this.queued.has(pollId) || this.held.get(pollId)?.has(voterKey)) return true;
    return this.waiting(pollId) + 1 >= k;
  }

  /**
   * Holds one ballot; resolves when it is sealed (or refused). `onHeld` runs when it has to
   * wait for company. A resend with the same key joins the held ballot; another key from the
   * same voter is refused, as a second ballot always is.
   */
  hold(ballot: PendingBallot, receipt: string | null, k: number, onHeld: () => void): Promise<SealOutcome> {
    let poll = this.held.get(ballot.pollId);
    if (!poll) this.held.set(ballot.pollId, (poll = new Map()));
    const existing = poll.get(ballot.voterKey);
    if (existing && existing.ballot.idempotencyKey !== ballot.idempotencyKey) return Promise.resolve({ ok: false, code: 'already_voted' });
    const result = new Promise<SealOutcome>((resolve) => {
      if (existing) existing.waiters.push(resolve);
      else poll.set(ballot.voterKey, { ballot, receipt, waiters: [resolve], closing: false, sealing: false });
    });
    // A seal queued and not started yet takes this ballot too.
    if (this.queued.has(ballot.pollId)) return result;
    if (this.waiting(ballot.pollId) >= k) this.seal(ballot.pollId, k);
    else onHeld();
    return result;
  }

  private seal(pollId: PollId, k: number): void {
    const before = this.sealing.get(pollId) ?? Promise.resolve();
    this.queued.add(pollId);
    const next: Promise<void> = before
      .then(() => {
        this.queued.delete(pollId);
        return this.sealOnce(pollId, k);
      })
      .catch(() => undefined)
      // The chain of a poll is forgotten once it has run out (one promise per poll ever sealed otherwise).
      .finally(() => {
        if (this.sealing.get(pollId) === next) this.sealing.delete(pollId);
      });
    this.sealing.set(pollId, next);
  }

  private async sealOnce(pollId: PollId, k: number): Promise<void> {
    const poll = this.held.get(pollId);
    const batch = [...(poll?.values() ?? [])].filter((h) => !h.closing && !h.sealing);
    if (!poll || batch.length < k) return;
    for (const h of batch) h.sealing = true;
    try {
      await this.sealBatch(pollId, poll, batch, k);
    } finally {
      // Those still held (too few to seal, or answered by nobody) wait for company again.
      for (const h of batch) h.sealing = false;
    }
  }

  private async sealBatch(pollId: PollId, poll: Map<string, Held>, batch: Held[], k: number): Promise<void> {
    let won: Set<string>;
    try {
      won = await this.polls.sealBallots(
        pollId,
        batch.map((h) => h.ballot),
        k,
      );
    } catch (err) {
      if (err instanceof TooFewToSeal) {
        // Nothing was written. Those already on the roll (a resend sealed elsewhere) leave the
        // hold with their answer; the others keep waiting for company.
        for (const h of batch) if (!err.won.has(h.ballot.voterKey)) await this.answerFromRoll(poll, h);
        return;
      }
      if (err instanceof AppError && err.code === 'poll_not_open') {
        // Closed elsewhere: this batch is no longer sealing, so the settle answers it too.
        for (const h of batch) h.sealing = false;
        await this.settle(pollId);
        return;
      }
      // A failed transaction wrote nothing: those voters hear the error (their clients resend
      // with the same key), as with any failed write.
      for (const h of batch) {
        poll.delete(h.ballot.voterKey);
        for (const w of h.waiters) w({ ok: false, error: err });
      }
      return;
    }
    for (const h of batch) {
      if (won.has(h.ballot.voterKey)) this.finish(poll, h, { ok: true, status: 'recorded', receipt: h.receipt });
      else await this.answerFromRoll(poll, h);
    }
    this.forgetIfEmpty(pollId, poll);
  }

  /**
   * Drops a poll's map once it holds nobody, if it is still the poll's map: after an await, a
   * settle or seal that emptied it may find a new map there, made by hold() for a ballot that
   * arrived meanwhile; deleting that one would leave its voter unanswered for ever (seen in CI).
   */
  private forgetIfEmpty(pollId: PollId, poll: Map<string, Held>): void {
    if (poll.size === 0 && this.held.get(pollId) === poll) this.held.delete(pollId);
  }

  /**
   * A held voter already on the roll: their own earlier cast (same key), a member counted by
   * hand in the room, or a second ballot (the answers the vote service gives when it asks the
   * roll before holding).
   */
  private async answerFromRoll(poll: Map<string, Held>, h: Held): Promise<void> {
    const idem = await this.polls.rollKey(h.ballot.pollId, h.ballot.voterKey);
    if (idem === null) return;
    this.finish(
      poll,
      h,
      idem === h.ballot.idempotencyKey
        ? { ok: true, status: 'unchanged', receipt: null }
        : { ok: false, code: idem === IN_ROOM_ROLL_KEY ? 'counted_in_room' : 'already_voted' },
    );
  }

  private finish(poll: Map<string, Held>, h: Held, o: SealOutcome): void {
    poll.delete(h.ballot.voterKey);
    for (const w of h.waiters) w(o);
  }

  /**
   * Polls this instance holds ballots for that were closed without it (another instance's
   * close whose handover or `seal:settled` did not arrive, e.g. Redis away): settle them, so no
   * voter waits forever. Run by the same 1 s sweep as timed closes.
   */
  async settleClosed(): Promise<void> {
    for (const pollId of [...this.held.keys()]) {
      if ((await this.polls.state(pollId)) !== 'open') await this.settle(pollId);
    }
  }

  /** For a close (on this instance or another): every ballot still held, marked as given. */
  takeForClose(pollId: PollId): PendingBallot[] {
    const out: PendingBallot[] = [];
    for (const h of this.held.get(pollId)?.values() ?? []) {
      h.closing = true;
      out.push(h.ballot);
    }
    return out;
  }

  /**
   * After a close was tried: if the poll is closed, each ballot given to it was counted if its
   * voter's mark is on the roll with its key (the close wrote them together); if still open
   * (the close failed), the ballots are held again. Safe to call more than once.
   */
  async settle(pollId: PollId): Promise<void> {
    const poll = this.held.get(pollId);
    if (!poll) return;
    const state = await this.polls.state(pollId);
    for (const h of [...poll.values()]) {
      if (state === 'open') {
        h.closing = false;
        continue;
      }
      // In a seal under way: that seal answers it (with its receipt), or settles again if refused.
      if (h.sealing) continue;
      const idem = await this.polls.rollKey(pollId, h.ballot.voterKey);
      if (idem === h.ballot.idempotencyKey) this.finish(poll, h, { ok: true, status: 'recorded', receipt: null });
      else if (idem !== null) this.finish(poll, h, { ok: false, code: 'already_voted' });
      else this.finish(poll, h, { ok: false, code: 'poll_not_open' });
    }
    this.forgetIfEmpty(pollId, poll);
  }
}
