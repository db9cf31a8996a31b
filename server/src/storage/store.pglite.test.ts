import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger } from '../log.ts';
import { openDatabase } from './database.ts';
import { runStoreAcceptance } from './store.acceptance.ts';
import { createStore } from './store.ts';

runStoreAcceptance('PGlite', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'yishi-store-'));
  const store = createStore(await openDatabase({ DATA_DIR: dir, DATABASE_URL: undefined }, createLogger('error')));
  return {
    store,
    dispose: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
