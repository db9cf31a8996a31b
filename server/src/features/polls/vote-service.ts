import { randomUUID } from 'node:crypto';
import { hasVotedThreshold, normaliseJoinCode, validateBallot, validateInRoomCounts, withOutcomes, type Principal, type Target } from '@yishi/domain';
import type {
  BallotChoice,
  CastBallot,
  CastResult,
  ClientPayload,
  CouncilId,
  Electorate,
  InRoomCountsBody,
  IssueCodesBody,
  MeetingId,
  MemberId,
  OptionId,
  Poll,
  PollDefinition,
  PollId,
  VotingCodeSlip,
} from '@yishi/protocol';
import { hashToken, newToken } from '../../auth/tokens.ts';
import { AppError } from '../../errors.ts';
import { recordedAttendance } from '../attendance/tracker.ts';
import type { LiveViews } from '../../realtime/live-views.ts';
import { IN_ROOM_ROLL_KEY, newVotingCode, type PendingBallot } from './store.ts';
import type { Store } from '../../storage/store.ts';
import { BallotWriter } from './ballot-writer.ts';
import { SealHolder } from './seal-holder.ts';
import { RollLookup } from './roll-lookup.ts';

/**
 * The other instances, for a close: each hands over the secret ballots it holds for the poll
 * (to be sealed in the close transaction) and settles them once the close is over.
 * Single-process: no peers.
 */
export interface SealPeers {
  handover(pollId: PollId): Promise<PendingBallot[]>;
  settled(pollId: PollId): void;
}
import { electorateSizes, tallyFrom } from './polls-view.ts';
import { BoundedMap } from '../../bounded-map.ts';

/** Polls whose definitions are kept in memory; far more than are ever open at once. */
const POLL_CACHE_MAX = 2_000;

/**
 * Polls and ballots. Who may do what is checked before, by the core (core/events.ts, with
 * target()); this validates ballots with packages/domain and hands them to the group-commit
 * writer. Never logs a choice.
 */
export class VoteService {
  private readonly writer: BallotWriter;
  private readonly roll: RollLookup;
  readonly holder: SealHolder;
  private peers: SealPeers | null = null;
  /**
   * Definitions are fixed once open and a meeting never changes council, so both are cached:
   * the hot path of a ballot then touches the database only in the group commit. The poll's
   * state is checked there, inside the transaction. Bounded: polls closed on another instance
   * are never deleted here, and a dropped entry is only read again.
   */
  private readonly cache = new BoundedMap<string, Poll & { councilId: CouncilId; mixAt: number }>(POLL_CACHE_MAX);

  constructor(
    private readonly store: Store,
    private readonly live: LiveViews,
  ) {
    this.writer = new BallotWriter(store.polls);
    this.holder = new SealHolder(store.polls);
    this.roll = new RollLookup(store.polls);
  }

  /** Told of every poll created, opened or closed here, by any path (the agenda follows attached polls). */
  private readonly changeListeners: ((poll: Poll) => void)[] = [];

  onPollChanged(listener: (poll: Poll) => void): void {
    this.changeListeners.push(listener);
  }

  private told(poll: Poll): Poll {
    for (const l of this.changeListeners) l(poll);
    return poll;
  }

  setPeers(peers: SealPeers): void {
    this.peers = peers;
  }

  /** Another instance closes a poll: give it what is held here (see SealPeers). */
  handover(pollId: PollId): PendingBallot[] {
    return this.holder.takeForClose(pollId);
  }

  /** Another instance's close of a poll is over: answer the voters whose ballots it took. */
  async settled(pollId: PollId): Promise<void> {
    // The cached poll says open: a ballot arriving now is refused at once, not held for company.
    this.cache.delete(pollId);
    await this.holder.settle(pollId);
    this.live.invalidate((await this.poll(pollId)).meetingId, 'tallies');
  }

  private async poll(pollId: PollId): Promise<Poll & { councilId: CouncilId; mixAt: number }> {
    const cached = this.cache.get(pollId);
    if (cached) return cached;
    const p = await this.store.polls.get(pollId);
    const meeting = await this.store.meetings.get(p.meetingId);
    // k for secret ballots: they enter the box only in groups this big (max(3, the who-voted
    // threshold of the members' electorate), as the polls view uses it).
    const mixAt = hasVotedThreshold(await this.store.councils.memberCount(meeting.councilId));
    const withCouncil = { ...p, councilId: meeting.councilId, mixAt };
    if (p.state !== 'draft') this.cache.set(pollId, withCouncil);
    return withCouncil;
  }

  /** A poll itself changed (created, opened, closed, hand counts, codes): both views go out. */
  private pollsChanged(meetingId: MeetingId): void {
    this.live.invalidate(meetingId, 'polls');
    this.live.invalidate(meetingId, 'tallies');
  }

  /**
   * A closed meeting's record is final (see meeting-state.ts in the domain): every write to it is
   * refused with meeting_closed. Checked at each entry point, before anything is written.
   */
  private async requireOpenMeeting(meetingId: MeetingId): Promise<void> {
    const meeting = await this.store.meetings.get(meetingId);
    if (meeting.state === 'closed') throw new AppError('meeting_closed');
  }

  /**
   * A ballot for a poll that is not open: say so, or that its whole meeting is closed. If the
   * cached poll still says open, another instance closed it: forgotten, so that the next ballot
   * is refused at once rather than held for company.
   */
  private async notOpen(p: Poll): Promise<AppError> {
    if (p.state === 'open') this.cache.delete(p.definition.id);
    const meeting = await this.store.meetings.get(p.meetingId);
    return new AppError(meeting.state === 'closed' ? 'meeting_closed' : 'poll_not_open');
  }

  /**
   * Closing a meeting closes its open polls the usual way, so that each outcome is decided and
   * recorded as a decision. Run before the meeting closes (so that a failure leaves it open,
   * to be retried) and once more after (for a poll opened meanwhile).
   */
  async closeOpenPolls(meetingId: MeetingId): Promise<void> {
    for (const p of await this.store.polls.listForMeeting(meetingId)) {
      if (p.state === 'open') await this.close(p.definition.id, { byHand: false });
    }
  }

  /**
   * The council and meeting an action on a poll applies to, for the core to authorise (from the
   * cache: a ballot checks its permission without a query).
   */
  async target(pollId: PollId): Promise<Target> {
    const p = await this.poll(pollId);
    return { councilId: p.councilId, meetingId: p.meetingId };
  }

  /** `b` is already parsed at the edge (core/events.ts), defaults applied. */
  async create(by: MemberId, b: ClientPayload<'poll:create'>): Promise<Poll> {
    const meeting = await this.store.meetings.get(b.meetingId);
    if (meeting.state === 'closed') throw new AppError('meeting_closed');
    const id = randomUUID() as PollId;
    const common = { id, title: b.title, eligibility: b.eligibility, secrecy: b.secrecy, results: b.results, rule: b.rule };
    const options = b.options.map((label) => ({ id: randomUUID() as OptionId, label }));
    const definition: PollDefinition =
      b.kind === 'motion'
        ? { ...common, kind: 'motion' }
        : b.kind === 'multiple'
          ? { ...common, kind: 'multiple', options, maxChoices: b.maxChoices ?? 1 }
          : { ...common, kind: b.kind, options };
    const poll = await this.store.polls.create({
      meetingId: b.meetingId,
      definition,
      residentAccess: b.residentAccess,
      closesAt: b.closesAt,
      agendaItemId: b.agendaItemId,
      createdBy: by,
    });
    this.pollsChanged(b.meetingId);
    return this.told(poll);
  }

  async open(pollId: PollId): Promise<Poll> {
    const p = await this.poll(pollId);
    await this.requireOpenMeeting(p.meetingId);
    const opened = await this.store.polls.open(pollId);
    this.pollsChanged(p.meetingId);
    return this.told(opened);
  }

  /** Closes by hand, or by time or with its meeting (`byHand` false: no check that the meeting is open): decides the outcome and records the decision. */
  async close(pollId: PollId, { byHand }: { byHand: boolean }): Promise<Poll> {
    const p = await this.poll(pollId);
    if (byHand) await this.requireOpenMeeting(p.meetingId);
    // From the attendance record, never from the sockets of the moment (DESIGN.md 11).
    const recorded = await recordedAttendance(this.store, p.meetingId);
    const attendance = {
      membersPresent: recorded.quorum.present,
      totalMembers: recorded.quorum.members,
      councilQuorum: recorded.quorum.required,
    };
    const sizes = await electorateSizes(this.store, p);
    // The ballots still waiting for company, here and on every other instance, are sealed in
    // the close transaction: their anonymity set is the whole poll.
    const held = this.holder.takeForClose(pollId);
    if (this.peers) held.push(...(await this.peers.handover(pollId).catch(() => [])));
    const settle = async () => {
      await this.holder.settle(pollId).catch(() => undefined);
      this.peers?.settled(pollId);
    };
    const closing = this.store.polls.close(
      pollId,
      async (ballots, rooms) => {
        // Counted from the very rows copied to the final record, inside the closing transaction.
        const tally = tallyFrom(
          p,
          sizes,
          ballots.map((b) => ({ ...b, n: 1 })),
          rooms,
          { state: 'closed', version: 0 },
        );
        const decided = withOutcomes(p.definition, tally, attendance);
        return {
          result: decided,
          title: p.definition.title,
          outcome: decided.electorates.map((e) => ({ electorate: e.electorate, outcome: e.outcome })),
          attendance: { present: recorded.quorum.present, members: recorded.quorum.members, required: recorded.quorum.required },
        };
      },
      held,
    );
    const { poll: closed } = await closing.finally(settle);
    this.cache.delete(pollId);
    this.pollsChanged(p.meetingId);
    return this.told(closed);
  }

  /** `onHeld`: the ballot waits for company (a secret poll); the caller tells the voter. */
  async cast(principal: Principal, msg: CastBallot, onHeld: (sealAt: number) => void = () => {}): Promise<CastResult> {
    const p = await this.poll(msg.pollId);
    if (p.state !== 'open') throw await this.notOpen(p);
    const def = p.definition;

    const check = validateBallot(def, msg.choice);
    if (!check.ok) throw new AppError(check.error.code);

    let electorate: Electorate;
    let voterKey: string;
    let voterName: string;
    if (principal.kind === 'member' && !msg.votingCode) {
      electorate = 'members';
      voterKey = `m:${principal.memberId}`;
      voterName = principal.name;
    } else {
      if (def.eligibility !== 'everyone') throw new AppError('not_eligible');
      electorate = 'residents';
      if (p.residentAccess === 'voting_code') {
        if (!msg.votingCode) throw new AppError('credential_required');
        const code = await this.store.polls.codeByHash(hashToken(normaliseJoinCode(msg.votingCode)));
        if (!code || code.meetingId !== p.meetingId) throw new AppError('bad_credential');
        voterKey = `c:${code.id}`;
      } else {
        if (principal.kind !== 'resident') throw new AppError('not_eligible');
        voterKey = `r:${principal.residentId}`;
      }
      voterName = principal.kind === 'resident' ? principal.displayName : principal.name;
    }

    const secret = def.secrecy === 'secret';
    if (msg.receipt && !secret) throw new AppError('invalid_input', 'receipts are for secret ballots', ['receipt']);
    const receipt = secret && !msg.receipt ? newToken() : null;
    const ballot: PendingBallot = {
      pollId: msg.pollId,
      voterKey,
      voterName,
      electorate,
      idempotencyKey: msg.idempotencyKey,
      choice: check.choice as BallotChoice,
      secret,
      newReceiptHash: receipt ? hashToken(receipt) : null,
      changeReceiptHash: msg.receipt ? hashToken(msg.receipt) : null,
      mixAt: p.mixAt,
    };
    if (secret && !msg.receipt) {
      // A voter already on the roll: this key's earlier cast, or a second ballot. Asked only of
      // a ballot that would wait for company, so that its voter hears at once. In a burst the
      // ballot goes straight into a seal, whose insert of the marks says who was on the roll
      // already (answered the same way then, seal-holder.ts): one query per batch less in front
      // of the seals on the embedded database. Gathered with the other ballots of the moment
      // into one query (roll-lookup.ts).
      const idem = this.holder.sealsAtOnce(msg.pollId, voterKey, p.mixAt) ? null : await this.roll.rollKey(msg.pollId, voterKey);
      if (idem !== null) {
        if (idem === msg.idempotencyKey) return { status: 'unchanged', receipt: null };
        // The cached poll may be one another instance closed: a closed poll says so first.
        if ((await this.store.polls.state(msg.pollId)) !== 'open') throw await this.notOpen(p);
        throw new AppError(idem === IN_ROOM_ROLL_KEY ? 'counted_in_room' : 'already_voted');
      }
      const sealed = await this.holder.hold(ballot, receipt, p.mixAt, () => onHeld(p.mixAt));
      if (!sealed.ok) {
        if (!('code' in sealed)) throw sealed.error;
        throw sealed.code === 'poll_not_open' ? await this.notOpen(p) : new AppError(sealed.code);
      }
      // A batch of k moved the tally (and the roll) at once; these invalidations coalesce.
      this.live.invalidate(p.meetingId, 'tallies');
      if (electorate === 'members') this.live.invalidate(p.meetingId, 'polls');
      return { status: sealed.status, receipt: sealed.receipt };
    }
    const outcome = await this.writer.submit(ballot);
    if (!outcome.ok) throw outcome.code === 'poll_not_open' ? await this.notOpen(p) : new AppError(outcome.code);
    // Every ballot moves the tally. The (ten times larger) polls view changes only when the ballot
    // changes what it lists: who has voted (members) or who chose what (roll-call).
    this.live.invalidate(p.meetingId, 'tallies');
    if (electorate === 'members' || !secret) this.live.invalidate(p.meetingId, 'polls');
    return { status: outcome.status, receipt: outcome.receiptIssued ? receipt : null };
  }

  async mine(principal: Principal, pollId: PollId, votingCode?: string): Promise<{ voted: boolean; inRoom: boolean }> {
    const p = await this.poll(pollId);
    if (votingCode) {
      const code = await this.store.polls.codeByHash(hashToken(normaliseJoinCode(votingCode)));
      if (!code || code.meetingId !== p.meetingId) throw new AppError('bad_credential');
      return { voted: await this.store.polls.hasVoted(pollId, `c:${code.id}`), inRoom: false };
    }
    const key = principal.kind === 'member' ? `m:${principal.memberId}` : `r:${principal.residentId}`;
    return this.store.polls.rollEntry(pollId, key);
  }

  async setInRoom(by: MemberId, body: InRoomCountsBody): Promise<void> {
    const p = await this.poll(body.pollId);
    await this.requireOpenMeeting(p.meetingId);
    const counts = { electorate: body.electorate, ballots: body.ballots, counts: body.counts, voters: body.voters, enteredBy: by };
    // Members are a known list: the count names who raised a hand, and nobody counts twice,
    // checked against the voter roll inside the transaction that stores the count.
    const members =
      body.electorate === 'members' ? new Set<string>((await this.store.councils.get(p.councilId)).members.map((m) => m.id)) : new Set<string>();
    await this.store.polls.setInRoom({ ...counts, pollId: body.pollId }, (votedOnline) => {
      const check = validateInRoomCounts(p.definition, counts, { members, votedOnline });
      if (!check.ok) throw new AppError(check.code);
    });
    this.pollsChanged(p.meetingId);
  }

  async issueCodes(by: MemberId, body: IssueCodesBody): Promise<VotingCodeSlip[]> {
    await this.requireOpenMeeting(body.meetingId);
    if (body.labels && body.labels.length !== body.count) throw new AppError('invalid_input', 'one label per code', ['labels']);
    const slips = Array.from({ length: body.count }, (_, i) => ({ code: newVotingCode(), label: body.labels?.[i] ?? null }));
    await this.store.polls.issueCodes(
      body.meetingId,
      slips.map((s) => ({ codeHash: hashToken(s.code), label: s.label })),
      by,
    );
    this.pollsChanged(body.meetingId);
    return slips;
  }

  /**
   * Answers the held ballots of polls no longer open, in case the `seal:settled` message was lost
   * (Redis away). Closing by time is a deadline (poll-deadlines.ts), not this sweep.
   */
  async settleClosed(): Promise<void> {
    await this.holder.settleClosed();
  }
}
