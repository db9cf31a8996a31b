import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isUniqueViolation } from './pg-errors.ts';
import { byteaArray, PglitePrepared, PgliteStatementError } from './pglite-prepared.ts';

let db: PGlite;
let insert: PglitePrepared;

beforeAll(async () => {
  db = await PGlite.create();
  await db.exec('CREATE TABLE t (k text PRIMARY KEY, parts bytea[] NOT NULL, n int NOT NULL)');
  insert = new PglitePrepared(db, 'test_insert', 'INSERT INTO t (k, parts, n) VALUES ($1, $2, cardinality($2)) RETURNING k, n, parts[2]', [25, 1001]);
});
afterAll(() => db.close());

const rows = async () => (await db.query<{ k: string }>('SELECT k FROM t ORDER BY k')).rows.map((r) => r.k);

it('runs with text and binary parameters and returns the rows as text', async () => {
  const out = await insert.run(['a 议事', byteaArray([Uint8Array.of(1), Uint8Array.of(0xde, 0xad), new Uint8Array(0)])]);
  expect(out).toEqual([['a 议事', '3', '\\xdead']]);
  const [row] = (await db.query<{ parts: Uint8Array[] }>(`SELECT parts FROM t WHERE k = 'a 议事'`)).rows;
  expect(row!.parts.map((p) => [...p])).toEqual([[1], [0xde, 0xad], []]);
});

it("reports the database's error with its SQLSTATE and constraint, and keeps working", async () => {
  await insert.run(['dup', byteaArray([Uint8Array.of(1)])]);
  const err = await insert.run(['dup', byteaArray([Uint8Array.of(2)])]).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PgliteStatementError);
  expect(isUniqueViolation(err, 't_pkey')).toBe(true);
  expect(await insert.run(['after', byteaArray([Uint8Array.of(3)])])).toHaveLength(1);
});

it('prepares the statement again when the database has forgotten it', async () => {
  await insert.run(['before-deallocate', byteaArray([Uint8Array.of(1)])]);
  await db.exec('DEALLOCATE ALL');
  await insert.run(['after-deallocate', byteaArray([Uint8Array.of(1)])]);
  expect(await rows()).toContain('after-deallocate');
});

it("never runs inside another caller's open transaction", async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const tx = db.transaction(async (t) => {
    await t.query(`INSERT INTO t (k, parts, n) VALUES ('rolled-back', '{}', 0)`);
    await held;
    await t.rollback();
  });
  await new Promise((r) => setTimeout(r, 20));
  // Issued while the transaction is open: it must wait for it, not join it and be rolled back with it.
  const ours = insert.run(['outside', byteaArray([Uint8Array.of(1)])]);
  await new Promise((r) => setTimeout(r, 20));
  release();
  await tx;
  await ours;
  const keys = await rows();
  expect(keys).toContain('outside');
  expect(keys).not.toContain('rolled-back');
});
