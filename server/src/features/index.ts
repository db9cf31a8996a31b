import type { Feature } from '../core/feature.ts';
import type { Fanout } from '../fanout/types.ts';
import type { Config } from '../config.ts';
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
import { opinionsFeature } from './opinions/feature.ts';
import { OpinionService } from './opinions/service.ts';
import { pollsFeature } from './polls/feature.ts';
import { agendaFeature } from './agenda/feature.ts';
import { AgendaService } from './agenda/service.ts';
import { hubDocs } from './agenda/hub-docs.ts';

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
  opinionsFeature,
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
  config: Pick<Config, 'OPINION_POSTS_PER_MINUTE' | 'OPINION_SECONDS_PER_MINUTE'>,
): Pick<Services, 'votes' | 'attendance' | 'docs' | 'agenda' | 'opinions'> {
  // Its sweeps and relay start with the yjs feature's start hook (agenda/yjs/feature.ts).
  const docs = new YjsDocs(store.yjs, fanout, log, { headCheckMs: fanout.relaysToOtherInstances ? 5_000 : 0 });
  return {
    votes: new VoteService(store, live),
    attendance: new AttendanceTracker(store, log),
    docs,
    agenda: new AgendaService(store, live, hubDocs(docs), log),
    opinions: new OpinionService(store, live, (name, limit) => fanout.limiter(name, limit), {
      posts: config.OPINION_POSTS_PER_MINUTE,
      seconds: config.OPINION_SECONDS_PER_MINUTE,
    }),
  };
}
