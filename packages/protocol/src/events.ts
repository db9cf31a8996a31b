import { z } from 'zod';
import { agendaEvents, agendaResults, agendaServerEvents } from './agenda.ts';
import { attendanceEvents, attendanceResults } from './attendance.ts';
import type { Result } from './errors.ts';
import { MeetingId } from './ids.ts';
import { meetingEvents, meetingResults } from './meetings.ts';
import { opinionEvents, opinionResults, opinionServerEvents } from './opinions.ts';
import { pollEvents, pollResults, pollServerEvents } from './polls.ts';
import { ViewKey } from './view-snapshot.ts';
import { ViewKind, ViewSnapshot } from './views.ts';

/**
 * The core's own events: following a meeting's room and reading its live views, whichever
 * features provide them. A join returns every unkeyed view the caller may see; keyed ones come
 * with view:get {kind, key} or when they change.
 */
const coreEvents = {
  'meeting:join': z.object({ meetingId: MeetingId }),
  'meeting:leave': z.object({ meetingId: MeetingId }),
  // `key` names one keyed view (an agenda item's); absent for a view of the whole meeting.
  'view:get': z.object({ meetingId: MeetingId, kind: ViewKind, key: ViewKey.optional() }),
} as const;

const coreResults = {
  'meeting:join': z.object({ views: z.array(ViewSnapshot) }),
  'meeting:leave': z.null(),
  'view:get': z.object({ view: ViewSnapshot }),
} as const satisfies Record<keyof typeof coreEvents, z.ZodTypeAny>;

/**
 * Socket.IO events, client to server, assembled from the features (a new feature spreads its
 * `<feature>Events` here and its `<feature>Results` below). Every payload is parsed with its
 * schema at the edge; every event takes an ack callback that receives a Result.
 */
export const ClientEvents = {
  ...coreEvents,
  ...meetingEvents,
  ...attendanceEvents,
  ...pollEvents,
  ...agendaEvents,
  ...opinionEvents,
} as const;

export type ClientEventName = keyof typeof ClientEvents;
export type ClientPayload<E extends ClientEventName> = z.infer<(typeof ClientEvents)[E]>;

/** What each event's ack carries on success (`data` of an ok Result); tests check acks against these. */
export const ClientResults = {
  ...coreResults,
  ...meetingResults,
  ...attendanceResults,
  ...pollResults,
  ...agendaResults,
  ...opinionResults,
} as const satisfies Record<ClientEventName, z.ZodTypeAny>;
export type ClientResults = { [E in ClientEventName]: z.infer<(typeof ClientResults)[E]> };

export type ClientToServerEvents = {
  [E in ClientEventName]: (payload: unknown, ack: (result: Result<ClientResults[E]>) => void) => void;
};

/** Socket.IO events, server to client: the live views and the features' own pushes. */
export const ServerEvents = {
  view: ViewSnapshot,
  ...pollServerEvents,
  ...agendaServerEvents,
  ...opinionServerEvents,
} as const;
export type ServerEventName = keyof typeof ServerEvents;

export type ServerToClientEvents = {
  [E in ServerEventName]: (payload: z.infer<(typeof ServerEvents)[E]>) => void;
};
