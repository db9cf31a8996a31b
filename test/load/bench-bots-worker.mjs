// Entry of a bench bot worker thread: worker threads do not inherit the `--import tsx` hooks of
// the main thread on Node 20, so register tsx here, then load the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./bench-bots.ts');
