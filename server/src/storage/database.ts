import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { acquireDataDirLock } from './data-dir-lock.ts';
import { createPgliteClusterIfMissing, PGLITE_CONF } from './pglite-cluster.ts';
import * as schema from './schema.ts';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  close(): Promise<void>;
}

const MIGRATION_LOCK_KEY = 7_245_001;
const MIGRATIONS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/**
 * Opens the one database: PostgreSQL when DATABASE_URL is set, else PGlite in DATA_DIR
 * (locked to this process). Runs pending migrations before returning.
 */
export async function openDatabase(config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR'>, log: Logger): Promise<Database> {
  if (config.DATABASE_URL) {
    const pg = await import('pg');
    const { drizzle } = await import('drizzle-orm/node-postgres');
    const { migrate } = await import('drizzle-orm/node-postgres/migrator');
    const pool = new pg.default.Pool({ connectionString: config.DATABASE_URL, max: 10 });
    // A dropped connection must not crash the process; the pool replaces it.
    pool.on('error', (err) => log.warn('postgres pool error', { err: err.message }));
    const db = drizzle(pool, { schema });
    // Instances starting together would race on the migrations: serialise them on an advisory lock.
    const lockClient = await pool.connect();
    try {
      await lockClient.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      await migrate(drizzle(lockClient), { migrationsFolder: MIGRATIONS });
    } finally {
      await lockClient.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
      lockClient.release();
    }
    return { db: db as unknown as Db, kind: 'postgres', close: () => pool.end() };
  }

  const dir = path.resolve(config.DATA_DIR, 'pglite');
  mkdirSync(path.dirname(dir), { recursive: true });
  const release = await acquireDataDirLock(path.resolve(config.DATA_DIR));
  try {
    const { PGlite } = await import('@electric-sql/pglite');
    const { drizzle } = await import('drizzle-orm/pglite');
    const { migrate } = await import('drizzle-orm/pglite/migrator');
    // A fresh folder gets its cluster from a child process: initdb grows PGlite's memory to
    // about 650 MB, and a WebAssembly memory never shrinks (measured: 884 MB idle after a first
    // start, 400 MB after a later one).
    createPgliteClusterIfMissing(dir, MIGRATIONS);
    const client = await PGlite.create(dir, { postgresqlconf: PGLITE_CONF });
    // PGlite's checkpoints run in this very backend, so this session setting governs them: WAL
    // segments no longer needed are deleted, not renamed for reuse with their old contents
    // (secret ballots' casts; see PollStore#forgetBallotTraces).
    await client.exec('SET wal_recycle = off');
    const db = drizzle(client, { schema });
    await migrate(db, { migrationsFolder: MIGRATIONS });
    return {
      db: db as unknown as Db,
      kind: 'pglite',
      close: async () => {
        await client.close();
        release();
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}
