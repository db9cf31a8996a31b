import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { createLogger } from '../log.ts';
import { laterLsn, runBallotLinkage, segmentStart, type WalRecord } from './ballot-linkage.acceptance.ts';
import { openDatabase } from './database.ts';
import { createStore } from './store.ts';

runBallotLinkage('PGlite', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'yishi-linkage-'));
  const pgdata = path.join(dir, 'pglite');
  const store = createStore(await openDatabase({ DATA_DIR: dir, DATABASE_URL: undefined }, createLogger('error')));
  let closed = false;
  return {
    store,
    relationBytes: async (table) => {
      // What the files hold once PGlite writes its buffers out (an adversary can wait for that).
      await store.db.execute(sql`CHECKPOINT`);
      const r = (await store.db.execute(sql`SELECT pg_relation_filepath(${table}) AS p`)) as unknown as { rows: { p: string }[] };
      return readFileSync(path.join(pgdata, r.rows[0]!.p));
    },
    walRecords: async (from) => {
      // Read DATA_DIR as the person with the laptop would: a second PGlite with pg_walinspect.
      await store.close();
      closed = true;
      const { PGlite } = await import('@electric-sql/pglite');
      const { pg_walinspect } = await import('@electric-sql/pglite/contrib/pg_walinspect');
      const oldest = readdirSync(path.join(pgdata, 'pg_wal'))
        .filter((f) => /^[0-9A-F]{24}$/.test(f))
        .sort()[0]!;
      const db = await PGlite.create(pgdata, { extensions: { pg_walinspect } });
      try {
        await db.exec('CREATE EXTENSION IF NOT EXISTS pg_walinspect');
        const start = laterLsn(from, segmentStart(oldest));
        const r = await db.query<WalRecord>(
          `SELECT xid::text AS xid, resource_manager, record_type, block_ref FROM pg_get_wal_records_info($1::pg_lsn, pg_current_wal_lsn())`,
          [start],
        );
        return r.rows;
      } finally {
        await db.close();
      }
    },
    dispose: async () => {
      if (!closed) await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
