import type { Feature } from '../../core/feature.ts';
import { authRoutes } from './routes.ts';

/** First-run setup, sign-in (link, password), sign-out, one's own password (HTTP only). */
export const authFeature: Feature = { name: 'auth', routes: authRoutes };
