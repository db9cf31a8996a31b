import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger, type Logger } from '../../../log.ts';
import { openDatabase } from '../../../storage/database.ts';
import { createStore } from '../../../storage/store.ts';
import { YjsDocs } from './doc-hub.ts';
import { TestRelayNetwork } from './test-relay.ts';

/**
 * The store the doc hub tests run on: the embedded database in a fresh directory. Call in
 * beforeAll and `close()` in afterAll (it removes the directory too).
 */
export async function openEmbeddedStore(log: Logger = createLogger('error')) {
  const dir = mkdtempSync(path.join(tmpdir(), 'yishi-hubs-'));
  try {
    const store = createStore(await openDatabase({ DATA_DIR: dir, DATABASE_URL: undefined }, log));
    return {
      store,
      close: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Two doc hubs, as two instances would run them, on one embedded store, joined by a
 * TestRelayNetwork (`net`, to make it lose messages). `log` and `opts` go to both hubs.
 * Call in beforeAll and `close()` in afterAll.
 */
export async function startTwoHubs(log: Logger, opts: ConstructorParameters<typeof YjsDocs>[3]) {
  const { store, close: closeStore } = await openEmbeddedStore();
  const net = new TestRelayNetwork();
  const hubs = [0, 1].map(() => new YjsDocs(store.yjs, net.relay(), log, opts));
  const stops = hubs.map((h) => h.start());
  return {
    net,
    store,
    hubs,
    close: async () => {
      for (const stop of stops) await stop();
      await closeStore();
    },
  };
}
