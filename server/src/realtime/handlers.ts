import { can, canMarkAttendance, canTransition } from '@yishi/domain';
import {
  ClientEvents,
  type ClientEventName,
  type ClientPayload,
  type ClientResults,
  type Result,
  type ViewSnapshot,
} from '@yishi/protocol';
import { AppError } from '../errors.ts';
import { principalOf } from '../http/context.ts';
import type { LocalLimiter } from '../rate-limit.ts';
import type { Services } from '../services.ts';
import { logFor } from './socket-log.ts';
import type { SessionOwner } from '../storage/sessions.ts';
import { meetingRoom, memberRoom } from './rooms.ts';
import type { YishiSocket } from './types.ts';

type Handler<E extends ClientEventName> = (socket: YishiSocket, payload: ClientPayload<E>) => Promise<ClientResults[E]>;

/**
 * Binds every client event: rate limit, parse with the protocol schema, run, ack a Result.
 * Handlers only ever see parsed payloads; bad input gets a typed error and changes nothing.
 */
export function bindHandlers(socket: YishiSocket, services: Services, limiter: LocalLimiter, refusals: LocalLimiter): void {
  const handlers: { [E in ClientEventName]: Handler<E> } = makeHandlers(services);
  for (const name of Object.keys(ClientEvents) as ClientEventName[]) {
    socket.on(name, (payload: unknown, ack: unknown) => {
      void run(name, payload, ack);
    });
  }

  async function run<E extends ClientEventName>(name: E, payload: unknown, ack: unknown): Promise<void> {
    const reply = (r: Result<ClientResults[E]>) => {
      if (typeof ack === 'function') (ack as (r: Result<ClientResults[E]>) => void)(r);
    };
    try {
      if (!(await limiter.take(socket.id))) {
        // A client that keeps sending after being told it is too fast is not a browser: it is
        // closed, and its reconnections meet the handshake limits (socket-server.ts).
        if (!(await refusals.take(socket.id))) socket.disconnect(true);
        throw new AppError('rate_limited');
      }
      const parsed = ClientEvents[name].safeParse(payload);
      if (!parsed.success) {
        const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(root)'))];
        throw new AppError('invalid_input', 'invalid payload', fields);
      }
      const data = await (handlers[name] as Handler<E>)(socket, parsed.data as ClientPayload<E>);
      reply({ ok: true, data });
    } catch (err) {
      if (err instanceof AppError) {
        reply({ ok: false, error: { code: err.code, ...(err.fields ? { fields: err.fields } : {}) } });
      } else {
        logFor(services.log, payload).error('socket handler failed', { event: name, err });
        reply({ ok: false, error: { code: 'internal' } });
      }
    }
  }
}

function makeHandlers(services: Services): { [E in ClientEventName]: Handler<E> } {
  const { store, live, votes } = services;

  /** Privileged actions re-read the session, so a role taken away applies to open connections too. */
  async function freshOwner(socket: YishiSocket): Promise<SessionOwner> {
    const owner = await store.sessions.find(socket.data.sessionHash);
    if (!owner) throw new AppError('unauthenticated');
    socket.data.owner = owner;
    return owner;
  }

  return {
    'meeting:join': async (socket, { meetingId }) => {
      // Every view, the meeting's too, comes from the last snapshot when it is under a second old
      // (live-views.ts#recent): joining again and again costs no query. The council a meeting
      // belongs to never changes, so a snapshot is good enough to check permission.
      const meetingView = await live.recent(meetingId, 'meeting');
      const meeting = meetingView.data;
      if (!can(principalOf(socket.data.owner), 'meeting.view', { councilId: meeting.councilId, meetingId }))
        throw new AppError('forbidden');
      const room = meetingRoom(meetingId);
      if (!socket.rooms.has(room)) {
        await socket.join(room);
        // Recorded before the ack: quorum is read from the record, not from sockets.
        await services.attendance.arrive(socket, meetingId);
        live.invalidate(meetingId, 'presence');
      }
      // A derived view that cannot be computed now (e.g. another instance too busy to answer
      // fetchSockets in time) must not fail the join: it is left out, and the broadcast that
      // follows brings it.
      const derived = await Promise.allSettled([
        live.recent(meetingId, 'presence'),
        live.recent(meetingId, 'polls'),
        live.recent(meetingId, 'tallies'),
      ]);
      const views: ViewSnapshot[] = [meetingView];
      for (const d of derived) {
        if (d.status === 'fulfilled') views.push(d.value);
        else services.log.child({ meetingId }).warn('view left out of a join', { err: d.reason });
      }
      return { views };
    },

    'meeting:leave': async (socket, { meetingId }) => {
      await socket.leave(meetingRoom(meetingId));
      await services.attendance.depart(socket, true, meetingId);
      live.invalidate(meetingId, 'presence');
      return null;
    },

    'meeting:transition': async (socket, { meetingId, to, expectedVersion }) => {
      const owner = await freshOwner(socket);
      const meeting = await store.meetings.get(meetingId);
      if (owner.kind !== 'member' || !can(principalOf(owner), 'meeting.run', { councilId: meeting.councilId, meetingId }))
        throw new AppError('forbidden');
      // Closing closes the open polls first, each outcome recorded; the record is then frozen.
      const closing = to === 'closed' && canTransition(meeting.state, to) && (expectedVersion === undefined || expectedVersion === meeting.version);
      if (closing) await votes.closeOpenPolls(meetingId);
      const updated = await store.meetings.transition(meetingId, to, owner.memberId, expectedVersion);
      if (closing) await votes.closeOpenPolls(meetingId);
      live.invalidate(meetingId, 'meeting');
      return { view: { kind: 'meeting', meetingId, version: updated.version, data: updated } };
    },

    'attendance:mark': async (socket, { meetingId, memberId, inRoom }) => {
      const owner = await freshOwner(socket);
      const meeting = await store.meetings.get(meetingId);
      if (owner.kind !== 'member' || !canMarkAttendance(principalOf(owner), { councilId: meeting.councilId, meetingId }))
        throw new AppError('forbidden');
      if (meeting.state === 'closed') throw new AppError('meeting_closed');
      const target = await store.councils.memberById(memberId);
      if (!target || target.councilId !== meeting.councilId) throw new AppError('invalid_input', 'not a member of this council', ['memberId']);
      await store.meetings.markAttendance(meetingId, memberId, inRoom, owner.memberId);
      live.invalidate(meetingId, 'presence');
      return null;
    },

    'view:get': async (socket, { meetingId, kind }) => {
      if (!socket.rooms.has(meetingRoom(meetingId))) throw new AppError('forbidden', 'join the meeting first');
      // Served from the last snapshot when it is fresh: asking costs no recomputation (live-views.ts).
      return { view: await live.recent(meetingId, kind) };
    },

    // Votes: see votes/vote-service.ts. Roles are re-read for the facilitator's actions.
    'poll:create': async (socket, body) => ({ poll: await votes.create(await freshOwner(socket), body) }),
    'poll:open': async (socket, { pollId }) => ({ poll: await votes.open(await freshOwner(socket), pollId) }),
    'poll:close': async (socket, { pollId }) => ({ poll: await votes.close(await freshOwner(socket), pollId) }),
    // A secret ballot may wait for company before it is sealed: the voter hears so at once.
    'ballot:cast': async (socket, msg) => {
      const owner = socket.data.owner;
      const result = await votes.cast(owner, msg, (sealAt) => socket.emit('ballot:held', { pollId: msg.pollId, sealAt }));
      // The member's other tabs learn that they voted (not what), on every instance.
      if (owner.kind === 'member' && !msg.votingCode) socket.to(memberRoom(owner.memberId)).emit('ballot:voted', { pollId: msg.pollId });
      return result;
    },
    'ballot:mine': async (socket, { pollId, votingCode }) => votes.mine(socket.data.owner, pollId, votingCode),
    'inroom:set': async (socket, body) => {
      await votes.setInRoom(await freshOwner(socket), body);
      return null;
    },
    'codes:issue': async (socket, body) => ({ slips: await votes.issueCodes(await freshOwner(socket), body) }),
  };
}
