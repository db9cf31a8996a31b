import type { Feature } from '../core/feature.ts';
import type { Fanout } from '../fanout/types.ts';
import type { Logger } from '../log.ts';
import type { LiveViews } from '../realtime/live-views.ts';
import type { Services } from '../services.ts';
import type { Store } from '../storage/store.ts';
import { attendanceFeature } from './attendance/feature.ts';
import { AttendanceTracker } from './attendance/tracker.ts';
import { YjsDocs } from './agenda/yjs/doc-hub.ts';
import { yjsFeature } from './agenda/yjs/feature.ts';
import { VoteService } from './polls/vote-service.ts';
import { authFeature } from './auth/feature.ts';
import { councilsFeature } from './councils/feature.ts';
import { meetingsFeature } from './meetings/feature.ts';
import { pollsFeature } from './polls/feature.ts';
import { agendaFeature } from './agenda/feature.ts';
import { AgendaService } from './agenda/service.ts';
import { noDocuments } from './agenda/docs.ts';

/**
 * Every feature of this server, registered once. A new feature is a folder under features/ and
 * one line here (docs/ARCHITECTURE.md, "Adding a feature"). The order is the order a join
 * returns the views in: the meeting's own first.
 */
export const FEATURES: readonly Feature[] = [
  authFeature,
  councilsFeature,
  meetingsFeature,
  attendanceFeature,
  pollsFeature,
  yjsFeature,
  agendaFeature,
];

/**
 * The features' services that others use too (a meeting's close closes its polls; joining
 * records an arrival), built once per instance by app.ts, which names no feature.
 */
export function featureServices(
  store: Store,
  live: LiveViews,
  log: Logger,
  fanout: Fanout,
): Pick<Services, 'votes' | 'attendance' | 'docs' | 'agenda'> {
  return {
    votes: new VoteService(store, live),
    attendance: new AttendanceTracker(store, log),
    // Its sweeps and relay start with the yjs feature's start hook (agenda/yjs/feature.ts).
    docs: new YjsDocs(store.yjs, fanout, log, { headCheckMs: fanout.relaysToOtherInstances ? 5_000 : 0 }),
    agenda: new AgendaService(store, live, noDocuments, log),
  };
}
