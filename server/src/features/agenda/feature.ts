import { can } from '@yishi/domain';
import type { MeetingId } from '@yishi/protocol';
import type { EventContext, Feature, StartContext, Stop } from '../../core/feature.ts';
import { actingMember, defineView } from '../../core/feature.ts';
import type { YishiServer } from '../../realtime/types.ts';
import { meetingRoom, memberRoom } from '../../realtime/rooms.ts';
import { TYPING_PACE } from '../../realtime/room-delivery.ts';
import { meetingTarget } from '../meetings/feature.ts';
import type { AgendaService } from './service.ts';

/**
 * A view's computation sees the store and the Socket.IO server, not the services; the agenda
 * view needs the documents (services.agenda). Each instance's start puts its service here, under
 * its own Socket.IO server (several instances run in one process in tests).
 */
const byServer = new WeakMap<YishiServer, AgendaService>();

/** A proposal's meeting, for the core to authorise an action on the proposal. */
async function proposalTarget(ctx: EventContext, proposalId: Parameters<AgendaService['accept']>[0]) {
  return meetingTarget(ctx, await ctx.services.store.agenda.proposalMeeting(proposalId));
}

/** Tells whoever may see a meeting's proposals that they changed (no content: they ask again). */
function proposalsChanged({ socket }: EventContext, meetingId: MeetingId, proposerId: string): void {
  socket.nsp.to([meetingRoom(meetingId), memberRoom(proposerId)]).emit('agenda:proposals-changed', { meetingId });
}

function startAgenda({ services, io }: StartContext): Stop {
  const { agenda, votes, log } = services;
  byServer.set(io, agenda);
  // An attached poll created, opened or closed on this instance: the view follows, a close writes its outcome line.
  votes.onPollChanged((poll) => void agenda.pollChanged(poll).catch((err: unknown) => log.warn('agenda: following a poll failed', { err })));
  // Any edit of an agenda document, on any instance: the view is recomputed (coalesced). The
  // instance that accepted the edit makes the notes containers of new items (once, not per instance).
  const off = agenda.onDocumentChange((meetingId, here) => {
    agenda.changed(meetingId);
    if (here) void agenda.ensureNotes(meetingId).catch((err: unknown) => log.warn('agenda: making notes containers failed', { err }));
  });
  return () => {
    off();
    byServer.delete(io);
  };
}

/**
 * The room run by the agenda (issue 10), apart from the documents' service (./yjs): the current
 * item and moves, stages following polls, members' proposals, and the `agenda` view that
 * everyone in the meeting follows (residents too) without Yjs. See service.ts.
 */
export const agendaFeature: Feature = {
  name: 'agenda',
  start: startAgenda,
  views: [
    defineView({
      kind: 'agenda',
      action: 'meeting.view',
      // Editors' keystrokes are relayed between two slices, not after a whole room's write.
      deliveryPace: TYPING_PACE,
      // Twice a second at most, not four times: while editors type, every push goes to every phone
      // in the room, and the writes and the phones' parsing share the machine with the keystrokes'
      // relay (agenda benchmark, E = 20, V = 2,000, same hour: server CPU while typing 13-16 s ->
      // 10 s, edit p95 25-34 ms -> 18-22 ms, viewer p95 415-531 ms -> 600-660 ms of the 1,000 allowed).
      // A move of the current item after a quiet spell still goes out at once (live-views.ts).
      minIntervalMs: 500,
      compute: async ({ io, nextVersion }, meetingId) => {
        const agenda = byServer.get(io);
        if (!agenda) throw new Error('the agenda feature has not started on this instance');
        const version = await nextVersion();
        return { version, data: await agenda.view(meetingId) };
      },
    }),
  ],
  events: {
    'agenda:goto': {
      action: 'agenda.run',
      target: (ctx, { meetingId }) => meetingTarget(ctx, meetingId),
      handle: ({ services, principal }, { meetingId, itemId, expectedVersion }) =>
        services.agenda.goto(meetingId, itemId, expectedVersion, actingMember(principal).memberId),
    },
    'agenda:next': {
      action: 'agenda.run',
      target: (ctx, { meetingId }) => meetingTarget(ctx, meetingId),
      handle: ({ services, principal }, { meetingId, expectedVersion }) =>
        services.agenda.next(meetingId, expectedVersion, actingMember(principal).memberId),
    },
    'agenda:previous': {
      action: 'agenda.run',
      target: (ctx, { meetingId }) => meetingTarget(ctx, meetingId),
      handle: ({ services, principal }, { meetingId, expectedVersion }) =>
        services.agenda.previous(meetingId, expectedVersion, actingMember(principal).memberId),
    },
    'agenda:defer': {
      action: 'agenda.run',
      target: (ctx, { meetingId }) => meetingTarget(ctx, meetingId),
      handle: ({ services, principal }, { meetingId, itemId, expectedVersion }) =>
        services.agenda.defer(meetingId, itemId, expectedVersion, actingMember(principal).memberId),
    },
    'agenda:propose': {
      action: 'agenda.propose',
      target: (ctx, { meetingId }) => meetingTarget(ctx, meetingId),
      handle: async (ctx, body) => {
        const me = actingMember(ctx.principal).memberId;
        const proposal = await ctx.services.agenda.propose(me, body);
        proposalsChanged(ctx, body.meetingId, me);
        return { proposal };
      },
    },
    'agenda:proposals': {
      action: 'agenda.propose',
      target: (ctx, { meetingId }) => meetingTarget(ctx, meetingId),
      handle: async (ctx, { meetingId }) => {
        const editor = can(ctx.principal, 'agenda.edit', await meetingTarget(ctx, meetingId));
        return { proposals: await ctx.services.agenda.proposals(meetingId, { memberId: actingMember(ctx.principal).memberId, editor }) };
      },
    },
    'agenda:accept': {
      action: 'agenda.edit',
      target: (ctx, { proposalId }) => proposalTarget(ctx, proposalId),
      handle: async (ctx, { proposalId }) => {
        const proposal = await ctx.services.agenda.accept(proposalId, actingMember(ctx.principal).memberId);
        proposalsChanged(ctx, proposal.meetingId, proposal.proposer.memberId);
        return { proposal };
      },
    },
    'agenda:decline': {
      action: 'agenda.edit',
      target: (ctx, { proposalId }) => proposalTarget(ctx, proposalId),
      handle: async (ctx, { proposalId, reason }) => {
        const proposal = await ctx.services.agenda.decline(proposalId, actingMember(ctx.principal).memberId, reason);
        proposalsChanged(ctx, proposal.meetingId, proposal.proposer.memberId);
        return { proposal };
      },
    },
  },
};
