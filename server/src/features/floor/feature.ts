import { floorBalance, nextInQueue, queueOrder, spokenSeconds } from '@yishi/domain';
import type { FloorItemId, FloorView, GroupId, MeetingId, MemberId } from '@yishi/protocol';
import type { Feature, StartContext, Stop } from '../../core/feature.ts';
import { actingMember, defineView, type EventContext } from '../../core/feature.ts';
import { AppError } from '../../errors.ts';
import type { Services } from '../../services.ts';
import type { Store } from '../../storage/store.ts';
import type { FloorPerson } from './store.ts';
import { writeSpeakers } from './notes.ts';

/**
 * The agenda item the floor is on: the agenda's current item (null while none is current: the
 * meeting's floor outside any item). Every event names the item its page shows, so a page left on
 * an item the agenda has moved past is refused (`not_current_item`) instead of queueing there.
 */
function currentItem(store: Store, meetingId: MeetingId): Promise<FloorItemId> {
  return store.agenda.currentItem(meetingId);
}

const keyOf = (itemId: FloorItemId): string => itemId ?? '';

/** The meeting (not closed) and the item the payload names, which must be the current one. */
async function openFloor(services: Services, meetingId: MeetingId, itemId: FloorItemId | undefined): Promise<string> {
  const meeting = await services.store.meetings.get(meetingId);
  if (meeting.state === 'closed') throw new AppError('meeting_closed');
  const current = await services.agenda.currentItem(meetingId);
  if (itemId !== undefined && itemId !== current) throw new AppError('not_current_item');
  return keyOf(current);
}

const meetingTarget = async ({ services }: EventContext, { meetingId }: { meetingId: MeetingId }) => ({
  councilId: (await services.store.meetings.get(meetingId)).councilId,
  meetingId,
});

/** A member of the meeting's council as a speaker (name and group as they are now). */
async function memberPerson(store: Store, councilId: string, memberId: MemberId): Promise<FloorPerson> {
  const m = await store.councils.memberById(memberId);
  if (!m || m.councilId !== councilId) throw new AppError('not_a_member', 'not a member of this council', ['person.memberId']);
  return { kind: 'member', memberId, name: m.name, groupId: m.groupId as GroupId };
}

/**
 * The server's clock as the timers keep it (the database's), read through an offset from this
 * instance's clock measured at most every 30 s, so `floor:clock` costs no query per caller.
 */
class DbClock {
  private offset = 0;
  private measuredAt = -Infinity;
  private measuring: Promise<void> | undefined;
  constructor(private readonly store: Store) {}
  async now(): Promise<number> {
    if (performance.now() - this.measuredAt > 30_000) {
      this.measuring ??= (async () => {
        const sent = Date.now();
        const db = await this.store.floor.now();
        this.offset = db - (sent + Date.now()) / 2;
        this.measuredAt = performance.now();
      })().finally(() => (this.measuring = undefined));
      await this.measuring;
    }
    return Date.now() + this.offset;
  }
}
const clocks = new WeakMap<Store, DbClock>();
const clockOf = (store: Store) => clocks.get(store) ?? clocks.set(store, new DbClock(store)).get(store)!;

/**
 * The floor follows the agenda (services.agenda.onCurrentItemChange): a move pushes the floor of
 * the new item to everyone, and the item the room left gets its speakers in its notes (notes.ts).
 */
function startFloor({ services }: StartContext): Stop {
  return services.agenda.onCurrentItemChange(({ meetingId, from }) => {
    services.live.invalidate(meetingId, 'floor');
    if (from !== null)
      void writeSpeakers(services, meetingId, from).catch((err: unknown) =>
        services.log.warn('floor: writing the speakers into the notes failed', { err }),
      );
  });
}

/**
 * The floor (issue 11): the speaker queue of the current agenda item and the speech timers.
 * A timer is a deadline (started_at and limit_seconds in floor_requests, the database's clock);
 * nothing is due at zero (the facilitator ends a speech, the screens cue it), so no scheduler
 * kind and no per-second broadcast: the `floor` view changes only when the floor does.
 */
export const floorFeature: Feature = {
  name: 'floor',
  start: startFloor,
  views: [
    defineView({
      kind: 'floor',
      action: 'meeting.view',
      // The balance has a row for each of the council's groups.
      showsCouncil: true,
      compute: async ({ store, nextVersion }, meetingId) => {
        const version = await nextVersion();
        const meeting = await store.meetings.get(meetingId);
        const itemId = await currentItem(store, meetingId);
        const [council, floor] = await Promise.all([store.councils.get(meeting.councilId), store.floor.read(meetingId, keyOf(itemId))]);
        const waiting = queueOrder(floor.rows.filter((r) => r.state === 'waiting'));
        const spoken = floor.rows.filter((r) => r.state === 'spoken' && r.startedAt !== null && r.endedAt !== null);
        const onItem = floor.rows.filter((r) => r.state === 'spoken' || r.state === 'speaking');
        const data: FloorView = {
          itemId,
          closed: floor.closed,
          residentsMaySpeak: floor.rules.residentsMaySpeak,
          limits: floor.rules.limits,
          displayMode: floor.rules.displayMode,
          serverTime: floor.now,
          current: floor.current
            ? {
                id: floor.current.id,
                kind: floor.current.kind,
                speaker: floor.current.speaker,
                startedAt: floor.current.startedAt!,
                durationSeconds: floor.current.limitSeconds!,
              }
            : null,
          queue: waiting.map((w) => ({ id: w.id, kind: w.kind, speaker: w.speaker, requestedAt: w.requestedAt })),
          balance: floorBalance(
            council.groups.map((g) => g.id),
            onItem.map((r) => r.group),
            waiting.map((r) => r.group),
          ),
          record: spoken.map((r) => ({
            id: r.id,
            kind: r.kind,
            speaker: r.speaker,
            startedAt: r.startedAt!,
            limitSeconds: r.limitSeconds!,
            seconds: spokenSeconds(r.startedAt!, r.endedAt!),
          })),
        };
        return { version, data };
      },
    }),
  ],
  events: {
    'floor:raise': {
      action: 'floor.ask',
      target: meetingTarget,
      handle: async ({ services, principal }, { meetingId, itemId, kind }) => {
        const itemKey = await openFloor(services, meetingId, itemId);
        let person: FloorPerson;
        if (principal.kind === 'resident') {
          if (!(await services.store.floor.rules(meetingId)).residentsMaySpeak)
            throw new AppError('forbidden', 'residents may not ask to speak in this meeting');
          person = { kind: 'resident', residentId: principal.residentId, name: principal.displayName };
        } else {
          person = await memberPerson(services.store, principal.councilId, principal.memberId);
        }
        const requestId = await services.store.floor.raise(meetingId, itemKey, kind, person, null);
        services.live.invalidate(meetingId, 'floor');
        return { requestId };
      },
    },
    'floor:lower': {
      action: 'floor.ask',
      target: meetingTarget,
      handle: async ({ services, principal }, { meetingId, requestId }) => {
        await openFloor(services, meetingId, undefined);
        const owner = principal.kind === 'resident' ? { residentId: principal.residentId } : { memberId: principal.memberId };
        await services.store.floor.lower(meetingId, requestId, owner);
        services.live.invalidate(meetingId, 'floor');
        return null;
      },
    },
    'floor:add': {
      action: 'floor.run',
      target: meetingTarget,
      handle: async ({ services, principal }, { meetingId, itemId, kind, person }) => {
        const itemKey = await openFloor(services, meetingId, itemId);
        const facilitator = actingMember(principal);
        const who: FloorPerson =
          person.kind === 'guest' ? { kind: 'guest', name: person.name } : await memberPerson(services.store, facilitator.councilId, person.memberId);
        const requestId = await services.store.floor.raise(meetingId, itemKey, kind, who, facilitator.memberId);
        services.live.invalidate(meetingId, 'floor');
        return { requestId };
      },
    },
    'floor:call': {
      action: 'floor.run',
      target: meetingTarget,
      handle: async ({ services, principal }, { meetingId, itemId, requestId }) => {
        const itemKey = await openFloor(services, meetingId, itemId);
        const called = await services.store.floor.call(meetingId, itemKey, requestId, nextInQueue, actingMember(principal).memberId);
        services.live.invalidate(meetingId, 'floor');
        return { requestId: called };
      },
    },
    'floor:reorder': {
      action: 'floor.run',
      target: meetingTarget,
      handle: async ({ services, principal }, { meetingId, itemId, order }) => {
        const itemKey = await openFloor(services, meetingId, itemId);
        await services.store.floor.reorder(meetingId, itemKey, order, actingMember(principal).memberId);
        services.live.invalidate(meetingId, 'floor');
        return null;
      },
    },
    'floor:remove': {
      action: 'floor.run',
      target: meetingTarget,
      handle: async ({ services, principal }, { meetingId, requestId }) => {
        await openFloor(services, meetingId, undefined);
        await services.store.floor.remove(meetingId, requestId, actingMember(principal).memberId);
        services.live.invalidate(meetingId, 'floor');
        return null;
      },
    },
    'floor:close': {
      action: 'floor.run',
      target: meetingTarget,
      handle: async ({ services, principal }, { meetingId, itemId, closed }) => {
        const itemKey = await openFloor(services, meetingId, itemId);
        await services.store.floor.setClosed(meetingId, itemKey, closed, actingMember(principal).memberId);
        services.live.invalidate(meetingId, 'floor');
        return null;
      },
    },
    'floor:end': {
      action: 'floor.run',
      target: meetingTarget,
      handle: async ({ services, principal }, { meetingId }) => {
        const current = await openFloor(services, meetingId, undefined);
        const ended = await services.store.floor.end(meetingId, actingMember(principal).memberId);
        services.live.invalidate(meetingId, 'floor');
        // A speech that ran on past a move of the agenda ends on an item the room has left: its notes follow.
        if (ended !== current && ended !== '')
          void writeSpeakers(services, meetingId, ended).catch((err: unknown) =>
            services.log.warn('floor: writing the speakers into the notes failed', { err }),
          );
        return null;
      },
    },
    'floor:settings': {
      action: 'floor.run',
      target: meetingTarget,
      handle: async ({ services, principal }, { meetingId, limits, residentsMaySpeak }) => {
        await openFloor(services, meetingId, undefined);
        await services.store.floor.setRules(meetingId, { limits, residentsMaySpeak }, actingMember(principal).memberId);
        services.live.invalidate(meetingId, 'floor');
        return null;
      },
    },
    'floor:display': {
      action: 'floor.run',
      target: meetingTarget,
      handle: async ({ services, principal }, { meetingId, mode }) => {
        await openFloor(services, meetingId, undefined);
        await services.store.floor.setDisplayMode(meetingId, mode, actingMember(principal).memberId);
        services.live.invalidate(meetingId, 'floor');
        return null;
      },
    },
    'floor:clock': {
      action: 'meeting.view',
      target: meetingTarget,
      handle: async ({ services }) => ({ serverTime: await clockOf(services.store).now() }),
    },
  },
};
