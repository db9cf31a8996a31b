import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import type { SharedLimiter } from './rate-limit.ts';
import type { AttendanceTracker } from './features/attendance/tracker.ts';
import type { LiveViews } from './realtime/live-views.ts';
import type { SessionSockets } from './realtime/session-sockets.ts';
import type { Store } from './storage/store.ts';
import type { VoteService } from './features/polls/vote-service.ts';
import type { YjsDocs } from './features/agenda/yjs/doc-hub.ts';
import type { AgendaService } from './features/agenda/service.ts';
import type { OpinionService } from './features/opinions/service.ts';

/** What request handlers need, built once in app.ts and passed down (no globals). */
export interface Services {
  config: Config;
  log: Logger;
  store: Store;
  live: LiveViews;
  sockets: SessionSockets;
  /** Shared by all instances: sign-ins and joins per client address; password guesses per login. */
  limits: { perAddress: SharedLimiter; perLogin: SharedLimiter };
  votes: VoteService;
  /** Members' arrivals and departures, written to the attendance record. */
  attendance: AttendanceTracker;
  /** The agenda and notes documents (Yjs): read them, change them as the server, hear of changes (DocHub). */
  docs: YjsDocs;
  /** The room run by the agenda: current item, moves, proposals, the agenda view (features/agenda/service.ts). */
  agenda: AgendaService;
  /** Threaded opinions; other features post under a member's name with postAsMember. */
  opinions: OpinionService;
  version: string;
}
