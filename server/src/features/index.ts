import type { Feature } from '../core/feature.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Limit, SharedLimiter } from '../rate-limit.ts';
import type { LiveViews } from '../realtime/live-views.ts';
import type { Services } from '../services.ts';
import type { Store } from '../storage/store.ts';
import { attendanceFeature } from './attendance/feature.ts';
import { AttendanceTracker } from './attendance/tracker.ts';
import { VoteService } from './polls/vote-service.ts';
import { authFeature } from './auth/feature.ts';
import { councilsFeature } from './councils/feature.ts';
import { meetingsFeature } from './meetings/feature.ts';
import { opinionsFeature } from './opinions/feature.ts';
import { OpinionService } from './opinions/service.ts';
import { pollsFeature } from './polls/feature.ts';

/**
 * Every feature of this server, registered once. A new feature is a folder under features/ and
 * one line here (docs/ARCHITECTURE.md, "Adding a feature"). The order is the order a join
 * returns the views in: the meeting's own first.
 */
export const FEATURES: readonly Feature[] = [authFeature, councilsFeature, meetingsFeature, attendanceFeature, pollsFeature, opinionsFeature];

/**
 * The features' services that others use too (a meeting's close closes its polls; joining
 * records an arrival), built once per instance by app.ts, which names no feature.
 */
export function featureServices(
  store: Store,
  live: LiveViews,
  log: Logger,
  limiter: (name: string, limit: Limit) => SharedLimiter,
  config: Pick<Config, 'OPINION_POSTS_PER_MINUTE' | 'OPINION_SECONDS_PER_MINUTE'>,
): Pick<Services, 'votes' | 'attendance' | 'opinions'> {
  return {
    votes: new VoteService(store, live),
    attendance: new AttendanceTracker(store, log),
    opinions: new OpinionService(store, live, limiter, { posts: config.OPINION_POSTS_PER_MINUTE, seconds: config.OPINION_SECONDS_PER_MINUTE }),
  };
}
