import type { Feature } from '../core/feature.ts';
import { attendanceFeature } from './attendance/feature.ts';
import { authFeature } from './auth/feature.ts';
import { councilsFeature } from './councils/feature.ts';
import { meetingsFeature } from './meetings/feature.ts';
import { pollsFeature } from './polls/feature.ts';

/**
 * Every feature of this server, registered once. A new feature is a folder under features/ and
 * one line here (docs/ARCHITECTURE.md, "Adding a feature"). The order is the order a join
 * returns the views in: the meeting's own first.
 */
export const FEATURES: readonly Feature[] = [authFeature, councilsFeature, meetingsFeature, attendanceFeature, pollsFeature];
