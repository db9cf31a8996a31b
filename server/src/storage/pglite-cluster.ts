import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Settings for the embedded PostgreSQL. A council's whole record is a few megabytes, so 8 MB of
 * shared buffers hold it. PostgreSQL writes all of them when it starts, so each megabyte here is
 * a megabyte resident from the first second: PGlite's default of 128 MB cost about 130 MB for
 * nothing (measured idle: 309 MB with the default, 181 MB with 16 MB, 8 MB less again with 8 MB).
 */
export const PGLITE_CONF = ['shared_buffers = 8MB'];

const SERVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Creates the PGlite cluster in `dir` when there is none, in a child process that exits when
 * done: initdb is the one step that needs hundreds of megabytes, and memory a WebAssembly
 * instance has grown to is never given back (the first migrations run there too). The cluster is built beside `dir` and renamed into
 * place, so a start interrupted halfway leaves no half-made cluster behind.
 */
export function createPgliteClusterIfMissing(dir: string, migrationsFolder: string): void {
  if (existsSync(path.join(dir, 'PG_VERSION'))) return;
  // A folder with files but no cluster is not ours to touch.
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new Error(`${dir} holds files but no embedded database; move them away or choose another DATA_DIR`);
  }
  const building = `${dir}.creating`;
  rmSync(building, { recursive: true, force: true });
  // The first migrations run here too: creating every table from nothing also grows the memory.
  const script =
    "import { PGlite } from '@electric-sql/pglite';" +
    "import { drizzle } from 'drizzle-orm/pglite';" +
    "import { migrate } from 'drizzle-orm/pglite/migrator';" +
    'const [dir, conf, migrationsFolder] = process.argv.slice(1);' +
    'const client = await PGlite.create(dir, { postgresqlconf: JSON.parse(conf) });' +
    'await migrate(drizzle(client), { migrationsFolder });' +
    'await client.close();';
  // Resolved from the server package, where PGlite and drizzle are dependencies.
  const args = ['--input-type=module', '-e', script, building, JSON.stringify(PGLITE_CONF), migrationsFolder];
  const r = spawnSync(process.execPath, args, {
    cwd: SERVER_DIR,
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    rmSync(building, { recursive: true, force: true });
    throw new Error(`could not create the embedded database in ${dir}: ${(r.stderr || r.error?.message || '').trim()}`);
  }
  // An empty folder (made by hand, or by an older version) is replaced.
  if (existsSync(dir)) rmdirSync(dir);
  renameSync(building, dir);
}
