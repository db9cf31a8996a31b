// Entry of a bench:opinions viewer worker thread (see bench-bots-worker.mjs): register tsx, then load the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./bench-opinions-viewers.ts');
