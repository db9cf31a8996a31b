import type { Feature } from '../../../core/feature.ts';

/**
 * The Yjs service of the agenda and notes documents (issue 10): the document hub
 * (`services.docs`, doc-hub.ts) and its sweeps and relay.
 */
export const yjsFeature: Feature = {
  name: 'yjs',
  start: ({ services }) => services.docs.start(),
};
