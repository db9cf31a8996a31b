import { z } from 'zod';
import type { Result } from './errors.ts';
import { MeetingId, MemberId } from './ids.ts';
import { MeetingState } from './meeting.ts';
import { ViewKind, type ViewSnapshot } from './views.ts';

/**
 * Socket.IO events, client to server. Every payload is parsed with its schema at the edge;
 * every event takes an ack callback that receives a Result.
 */
export const ClientEvents = {
  'meeting:join': z.object({ meetingId: MeetingId }),
  'meeting:leave': z.object({ meetingId: MeetingId }),
  'meeting:transition': z.object({
    meetingId: MeetingId,
    to: MeetingState,
    /** The version the facilitator saw, so two facilitators cannot undo each other by accident. */
    expectedVersion: z.number().int().optional(),
  }),
  'attendance:mark': z.object({ meetingId: MeetingId, memberId: MemberId, inRoom: z.boolean() }),
  'view:get': z.object({ meetingId: MeetingId, kind: ViewKind }),
} as const;

export type ClientEventName = keyof typeof ClientEvents;
export type ClientPayload<E extends ClientEventName> = z.infer<(typeof ClientEvents)[E]>;

/** What each event's ack carries on success. */
export interface ClientResults {
  'meeting:join': { views: ViewSnapshot[] };
  'meeting:leave': null;
  'meeting:transition': { view: ViewSnapshot<'meeting'> };
  'attendance:mark': null;
  'view:get': { view: ViewSnapshot };
}

export type ClientToServerEvents = {
  [E in ClientEventName]: (payload: unknown, ack: (result: Result<ClientResults[E]>) => void) => void;
};

export interface ServerToClientEvents {
  view: (snapshot: ViewSnapshot) => void;
}
