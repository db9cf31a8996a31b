import { createFreshDatabase } from '../../../test/support/postgres.ts';
import { createLogger } from '../log.ts';
import { openDatabase } from './database.ts';
import { runStoreAcceptance } from './store.acceptance.ts';
import { createStore } from './store.ts';

runStoreAcceptance('PostgreSQL', async () => {
  const pg = await createFreshDatabase();
  const store = createStore(await openDatabase({ DATA_DIR: '/nonexistent', DATABASE_URL: pg.url }, createLogger('error')));
  return {
    store,
    dispose: async () => {
      await store.close();
      await pg.drop();
    },
  };
});
