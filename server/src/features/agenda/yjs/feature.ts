import type { Feature } from '../../../core/feature.ts';
import { attachYjsEndpoint } from './endpoint.ts';

/**
 * The Yjs service of the agenda and notes documents (issue 10): the y-websocket endpoint on
 * /yjs/ (endpoint.ts) and the document hub behind it (`services.docs`, doc-hub.ts), whose sweeps
 * and relay start here.
 */
export const yjsFeature: Feature = {
  name: 'yjs',
  start: ({ services, http }) => {
    const stopHub = services.docs.start();
    const stopEndpoint = attachYjsEndpoint(http, services);
    return async () => {
      stopEndpoint();
      await stopHub();
    };
  },
};
