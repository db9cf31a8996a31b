import pg from 'pg';
import { createFreshDatabase } from '../../../test/support/postgres.ts';
import { createLogger } from '../log.ts';
import { laterLsn, runBallotLinkage, segmentStart, type WalRecord } from './ballot-linkage.acceptance.ts';
import { openDatabase } from './database.ts';
import { createStore } from './store.ts';

runBallotLinkage('PostgreSQL', async () => {
  const db = await createFreshDatabase();
  const store = createStore(await openDatabase({ DATA_DIR: '/nonexistent', DATABASE_URL: db.url }, createLogger('error')));
  // The DBA's own connection: a superuser, as the test database's owner is here.
  const dba = new pg.Client({ connectionString: db.url });
  await dba.connect();
  return {
    store,
    relationBytes: async (table) => {
      await dba.query('CHECKPOINT');
      const r = await dba.query<{ b: Buffer }>('SELECT pg_read_binary_file(pg_relation_filepath($1)) AS b', [table]);
      return r.rows[0]!.b;
    },
    walRecords: async (from) => {
      await dba.query('CREATE EXTENSION IF NOT EXISTS pg_walinspect');
      const oldest = await dba.query<{ name: string }>(`SELECT min(name) AS name FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$'`);
      const start = laterLsn(from, segmentStart(oldest.rows[0]!.name));
      const r = await dba.query<WalRecord>(
        `SELECT xid::text AS xid, resource_manager, record_type, block_ref FROM pg_get_wal_records_info($1::pg_lsn, pg_current_wal_lsn())`,
        [start],
      );
      return r.rows;
    },
    dispose: async () => {
      await dba.end();
      await store.close();
      await db.drop();
    },
  };
});
