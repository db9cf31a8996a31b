import type { Principal, Target } from '@yishi/domain';
import { isConsensusLevel } from '@yishi/domain';
import type { ClientPayload, ConsensusCheckId, MeetingId, MemberId, Poll } from '@yishi/protocol';
import { CONSENSUS_BLOCK, POLL_LIMITS } from '@yishi/protocol/constants';
import { BoundedMap } from '../../bounded-map.ts';
import { AppError } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { recordedAttendance } from '../attendance/tracker.ts';
import { PositionWriter } from './position-writer.ts';
import type { Store } from '../../storage/store.ts';

type CheckTarget = Target & { meetingId: MeetingId; itemId: string; residents: boolean };

/** One group-commit writer per store (per server instance in a process: tests run several). */
const writers = new WeakMap<Store, PositionWriter>();
function writerFor(store: Store): PositionWriter {
  let w = writers.get(store);
  if (!w) writers.set(store, (w = new PositionWriter(store.consensus)));
  return w;
}

/**
 * A check's council, meeting, item and whether it includes residents never change: kept so a
 * position costs no query to authorise. The lookup itself is shared (a burst arriving before the
 * first answer makes one query, and every change resumes in the order it arrived).
 */
const targets = new BoundedMap<string, Promise<CheckTarget>>(10_000);

export function checkTarget(services: Services, checkId: ConsensusCheckId): Promise<CheckTarget> {
  const known = targets.get(checkId);
  if (known) return known;
  const lookup = services.store.consensus.get(checkId).then((c) => ({
    councilId: c.councilId as Target['councilId'],
    meetingId: c.meetingId as MeetingId,
    itemId: c.itemId,
    residents: c.residents,
  }));
  targets.set(checkId, lookup);
  // A refusal (not_found) or a passing failure is not kept.
  lookup.catch(() => targets.get(checkId) === lookup && targets.delete(checkId));
  return lookup;
}

/**
 * A participant's changes reach the writer in the order they arrived. Before that each awaits
 * things that can resume out of order (a meeting snapshot being computed resolves after a cached
 * one is returned), so two changes sent back to back (a double tap, a resend after a reconnect)
 * could commit in the wrong order: the database kept the older level while the participant had
 * been told the newer one was recorded. Each change waits here for the previous one of the same
 * participant in the same check to be handed to the writer (not committed: they may share a batch).
 */
const turns = new Map<string, Promise<void>>();

function queueTurn(key: string): { ready: Promise<void>; done: () => void } {
  const ready = turns.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = ready.then(() => mine);
  turns.set(key, tail);
  return {
    ready,
    // Never before the earlier changes' turns: a refused change still holds its place until then.
    done: () =>
      void ready.then(() => {
        release();
        if (turns.get(key) === tail) turns.delete(key);
      }),
  };
}

async function refuseClosedMeeting(services: Services, meetingId: MeetingId): Promise<void> {
  const meeting = await services.store.meetings.get(meetingId);
  if (meeting.state === 'closed') throw new AppError('meeting_closed');
}

/**
 * A block's reason or a reservation goes to the item's thread under the member's name
 * (services.opinions, issue 11), once: the statement's id is the opinion's client key, so a
 * retry posts nothing twice. It is already on the check's record; if the thread refuses it
 * (a draft meeting's threads are closed, a rate limit), it stays there unposted and the
 * position still stands. The text is never logged.
 */
async function postToThread(
  services: Services,
  statementId: string,
  post: { meetingId: MeetingId; itemId: string; memberId: MemberId; stance: 'oppose' | 'concern'; text: string },
): Promise<void> {
  try {
    await services.opinions.postAsMember({ ...post, clientKey: statementId });
    await services.store.consensus.markPosted([statementId]);
  } catch (err) {
    services.log.warn('consensus statement not posted to the thread', {
      code: (err as { code?: string }).code ?? 'internal',
      checkStatement: statementId,
    });
  }
}

const membersPresent = async (services: Services, meetingId: MeetingId) => (await recordedAttendance(services.store, meetingId)).quorum.present;

/**
 * Consensus checks (issue 12): every write is committed before it is acknowledged, then the
 * meeting's `consensus` view is invalidated (coalesced like tallies), or for a position only the
 * `consensus_live` view (the figures). Positions are never logged.
 */
export const consensus = {
  async open(services: Services, by: MemberId, b: ClientPayload<'consensus:open'>): Promise<ConsensusCheckId> {
    await refuseClosedMeeting(services, b.meetingId);
    // A check belongs to an item of the meeting's agenda document (issue 12): refused before anything is written.
    if (!(await services.agenda.itemExists(b.meetingId, b.itemId))) throw new AppError('unknown_item');
    const meeting = await services.store.meetings.get(b.meetingId);
    const council = await services.store.councils.get(meeting.councilId);
    const checkId = await services.store.consensus.open({ ...b, rule: council.consensusRule, createdBy: by });
    services.live.invalidate(b.meetingId, 'consensus');
    return checkId;
  },

  /**
   * One participant's position. Refused: a level off the gradient (invalid_level), a block from a
   * resident (resident_block) or without a reason (reason_required), a statement with level 1
   * (invalid_input), a resident in a check that does not include residents (not_eligible), a
   * closed check (check_closed, by the store under the check's lock).
   */
  async position(services: Services, principal: Principal, b: ClientPayload<'consensus:position'>): Promise<'recorded' | 'unchanged' | 'changed'> {
    const participant = principal.kind === 'member' ? `m:${principal.memberId}` : `r:${principal.residentId}`;
    const turn = queueTurn(`${b.checkId}/${participant}`);
    let submitted: ReturnType<PositionWriter['submit']>;
    try {
      if (!isConsensusLevel(b.level)) throw new AppError('invalid_level');
      const check = await checkTarget(services, b.checkId);
      // A closed meeting's record is frozen (the meeting view is cached: no query per position).
      if ((await services.live.recent(check.meetingId, 'meeting')).data.state === 'closed') throw new AppError('meeting_closed');
      if (principal.kind === 'resident') {
        if (!check.residents) throw new AppError('not_eligible', 'this check is for members only');
        if (b.level === CONSENSUS_BLOCK) throw new AppError('resident_block');
        if (b.reason !== undefined) throw new AppError('invalid_input', 'residents post their view as an opinion');
      }
      if (b.level === CONSENSUS_BLOCK && b.reason === undefined) throw new AppError('reason_required');
      if (b.level === 1 && b.reason !== undefined) throw new AppError('invalid_input', 'a reservation goes with levels 2-4');
      await turn.ready;
      // Committed with the other changes arriving meanwhile (group commit), then acknowledged.
      submitted = writerFor(services.store).submit({
        checkId: b.checkId,
        participant,
        memberId: principal.kind === 'member' ? principal.memberId : null,
        level: b.level,
        idempotencyKey: b.idempotencyKey,
        ...(b.reason !== undefined && principal.kind === 'member'
          ? { statement: { memberId: principal.memberId, kind: b.level === CONSENSUS_BLOCK ? 'block' : 'reservation', text: b.reason } }
          : {}),
      });
    } finally {
      turn.done();
    }
    const { status, statementId } = await submitted;
    const check = await checkTarget(services, b.checkId);
    // A position changes the figures only (the small `consensus_live` view); a statement is in the full view.
    if (status !== 'unchanged') services.live.invalidate(check.meetingId, 'consensus_live');
    if (statementId) services.live.invalidate(check.meetingId, 'consensus');
    if (statementId && b.reason !== undefined && principal.kind === 'member')
      await postToThread(services, statementId, {
        meetingId: check.meetingId,
        itemId: check.itemId,
        memberId: principal.memberId,
        stance: b.level === CONSENSUS_BLOCK ? 'oppose' : 'concern',
        text: b.reason,
      });
    return status;
  },

  async mine(services: Services, principal: Principal, checkId: ConsensusCheckId) {
    const participant = principal.kind === 'member' ? `m:${principal.memberId}` : `r:${principal.residentId}`;
    return services.store.consensus.mine(checkId, participant);
  },

  async record(services: Services, checkId: ConsensusCheckId): Promise<number> {
    const { meetingId } = await checkTarget(services, checkId);
    await refuseClosedMeeting(services, meetingId);
    const round = await services.store.consensus.record(checkId, await membersPresent(services, meetingId));
    services.live.invalidate(meetingId, 'consensus');
    return round;
  },

  async amend(services: Services, checkId: ConsensusCheckId, text: string): Promise<number> {
    const { meetingId } = await checkTarget(services, checkId);
    await refuseClosedMeeting(services, meetingId);
    const version = await services.store.consensus.amend(checkId, text);
    services.live.invalidate(meetingId, 'consensus');
    return version;
  },

  async next(services: Services, checkId: ConsensusCheckId, carryOver: boolean): Promise<number> {
    const { meetingId } = await checkTarget(services, checkId);
    await refuseClosedMeeting(services, meetingId);
    const round = await services.store.consensus.next(checkId, carryOver, await membersPresent(services, meetingId));
    services.live.invalidate(meetingId, 'consensus');
    return round;
  },

  async close(services: Services, checkId: ConsensusCheckId): Promise<boolean> {
    const { meetingId, councilId } = await checkTarget(services, checkId);
    const council = await services.store.councils.get(councilId);
    const outcome = await services.store.consensus.close(
      checkId,
      council.groups.map((g) => g.id),
      await membersPresent(services, meetingId),
    );
    services.live.invalidate(meetingId, 'consensus');
    return outcome.reached;
  },

  /** A closed check that did not reach consensus becomes a draft motion: members only, binding, secret, simple majority. */
  async toPoll(services: Services, by: MemberId, checkId: ConsensusCheckId): Promise<Poll> {
    const { meetingId } = await checkTarget(services, checkId);
    const check = await services.store.consensus.get(checkId);
    if (check.state !== 'closed') throw new AppError('check_not_closed');
    const outcome = check.outcome as { reached: boolean; text: string };
    if (outcome.reached) throw new AppError('consensus_reached');
    if (check.pollId) throw new AppError('conflict', 'a poll was made from this check already');
    const title = [...outcome.text.replace(/\s+/g, ' ').trim()].slice(0, POLL_LIMITS.titleChars).join('');
    const poll = await services.votes.create(by, {
      meetingId,
      title,
      kind: 'motion',
      options: [],
      eligibility: 'members',
      secrecy: 'secret',
      results: 'live',
      rule: { quorum: { kind: 'none' }, threshold: { share: { kind: 'simple_majority' }, base: 'ballots_cast', abstentions: 'excluded' } },
      residentAccess: 'voting_code',
      closesAt: null,
      agendaItemId: check.itemId,
    });
    await services.store.consensus.setPoll(checkId, poll.definition.id);
    services.live.invalidate(meetingId, 'consensus');
    return poll;
  },
};
