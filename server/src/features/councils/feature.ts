import type { Feature } from '../../core/feature.ts';
import { councilRoutes } from './routes.ts';

/** Council set-up: name, quorum, stakeholder groups, members and their sign-in links (HTTP only). */
export const councilsFeature: Feature = { name: 'councils', routes: councilRoutes };
