import { can, canTransition, type Target } from '@yishi/domain';
import type { MeetingId, ViewSnapshot } from '@yishi/protocol';
import type { EventContext, Feature } from '../../core/feature.ts';
import { actingMember, defineView } from '../../core/feature.ts';
import { AppError } from '../../errors.ts';
import { meetingRoom } from '../../realtime/rooms.ts';
import { meetingRoutes } from './routes.ts';

/**
 * The council and meeting an action on a meeting applies to, from the meeting's last snapshot
 * when it is under a second old (live-views.ts#recent): joining again and again costs no query.
 * The council a meeting belongs to never changes, so a snapshot is good enough to check permission.
 */
export async function meetingTarget({ services }: EventContext, meetingId: MeetingId): Promise<Target> {
  const meeting = (await services.live.recent(meetingId, 'meeting')).data;
  return { councilId: meeting.councilId, meetingId };
}

/** Meetings: their life cycle, following one live (join, leave, views), join codes and residents. */
export const meetingsFeature: Feature = {
  name: 'meetings',
  routes: meetingRoutes,
  views: [
    defineView({
      kind: 'meeting',
      action: 'meeting.view',
      // Versioned by its own row: every change bumps it.
      compute: async ({ store }, meetingId) => {
        const data = await store.meetings.get(meetingId);
        return { version: data.version, data };
      },
    }),
  ],
  events: {
    'meeting:join': {
      action: 'meeting.view',
      target: (ctx, { meetingId }) => meetingTarget(ctx, meetingId),
      handle: async ({ services, socket, principal }, { meetingId }) => {
        const { live } = services;
        const target = await meetingTarget({ services, socket, principal }, meetingId);
        const room = meetingRoom(meetingId);
        if (!socket.rooms.has(room)) {
          await socket.join(room);
          // Recorded before the ack: quorum is read from the record, not from sockets.
          await services.attendance.arrive(socket, meetingId);
          live.invalidate(meetingId, 'presence');
        }
        // Every registered unkeyed view the caller may see (keyed ones, one per item, are asked
        // for with view:get {kind, key}, and pushed when they change). One that cannot be computed now (e.g.
        // another instance too busy to answer fetchSockets in time) must not fail the join: it
        // is left out, and the broadcast that follows brings it. The meeting's own view was
        // read just above (the target), so it is there.
        const kinds = live.kinds().filter((v) => !v.keyed && can(principal, v.action, target));
        const settled = await Promise.allSettled(kinds.map((v) => live.recent(meetingId, v.kind)));
        const views: ViewSnapshot[] = [];
        settled.forEach((d, i) => {
          if (d.status === 'fulfilled') views.push(d.value);
          else services.log.child({ meetingId }).warn('view left out of a join', { kind: kinds[i]!.kind, err: d.reason });
        });
        return { views };
      },
    },

    'meeting:leave': {
      // Leaves a room of the caller's own socket: nothing to authorise.
      action: null,
      handle: async ({ services, socket }, { meetingId }) => {
        await socket.leave(meetingRoom(meetingId));
        await services.attendance.depart(socket, true, meetingId);
        services.live.invalidate(meetingId, 'presence');
        return null;
      },
    },

    'meeting:transition': {
      action: 'meeting.run',
      target: async ({ services }, { meetingId }) => ({ councilId: (await services.store.meetings.get(meetingId)).councilId, meetingId }),
      handle: async ({ services, principal }, { meetingId, to, expectedVersion }) => {
        const { store, votes, live } = services;
        const meeting = await store.meetings.get(meetingId);
        // Closing closes the open polls first, each outcome recorded; the record is then frozen.
        const closing = to === 'closed' && canTransition(meeting.state, to) && (expectedVersion === undefined || expectedVersion === meeting.version);
        if (closing) await votes.closeOpenPolls(meetingId);
        // The room leaves the item it is on: its discussion ends and its speakers go into its notes.
        if (closing && meeting.state === 'live') await services.agenda.leaveAtClose(meetingId, actingMember(principal).memberId);
        const updated = await store.meetings.transition(meetingId, to, actingMember(principal).memberId, expectedVersion);
        if (closing) await votes.closeOpenPolls(meetingId);
        // The agenda and notes stop taking edits, on every instance, and are compacted.
        if (closing) await services.docs.meetingClosed(meetingId);
        live.invalidate(meetingId, 'meeting');
        return { view: { kind: 'meeting', meetingId, version: updated.version, data: updated } };
      },
    },

    'view:get': {
      action: 'meeting.view',
      target: async (ctx, { meetingId }) => {
        // Only in a meeting this socket joined (where meeting:join authorised it).
        if (!ctx.socket.rooms.has(meetingRoom(meetingId))) throw new AppError('forbidden', 'join the meeting first');
        return meetingTarget(ctx, meetingId);
      },
      handle: async ({ services, principal, socket }, { meetingId, kind, key }) => {
        const spec = services.live.kinds().find((v) => v.kind === kind);
        if (!spec || !can(principal, spec.action, await meetingTarget({ services, principal, socket }, meetingId))) throw new AppError('forbidden');
        // A keyed view needs its key; a view of the whole meeting takes none.
        if (Boolean(spec.keyed) !== (key !== undefined)) {
          throw new AppError('invalid_input', spec.keyed ? `the ${kind} view needs a key` : `the ${kind} view takes no key`);
        }
        // Served from the last snapshot when it is fresh: asking costs no recomputation (live-views.ts).
        return { view: await services.live.recent(meetingId, kind, key) };
      },
    },
  },
};
