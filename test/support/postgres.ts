import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** PostgreSQL of this machine and CI (trust auth on 127.0.0.1:5432); override with TEST_PG_ADMIN_URL. */
const ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  /** One statement on a connection of its own (what a test checks in the rows, not how the server reads them). */
  sql(q: string, params?: unknown[]): Promise<any[]>;
  drop(): Promise<void>;
}

/** A brand-new database for one test run, dropped afterwards. */
export async function createFreshDatabase(): Promise<TestDatabase> {
  const name = `yishi_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    sql: async (q, params = []) => {
      const c = new pg.Client({ connectionString: url.toString() });
      await c.connect();
      try {
        return (await c.query(q, params)).rows;
      } finally {
        await c.end();
      }
    },
    drop: async () => {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
