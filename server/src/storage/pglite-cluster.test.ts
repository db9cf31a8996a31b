import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPgliteClusterIfMissing } from './pglite-cluster.ts';

const MIGRATIONS = path.join(path.dirname(new URL(import.meta.url).pathname), 'migrations');

describe('creating the embedded cluster in a child process', () => {
  it('builds a migrated cluster beside the folder and moves it into place', () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'yishi-cluster-'));
    const dir = path.join(parent, 'pglite');
    mkdirSync(dir); // an empty folder, as an older start would leave
    createPgliteClusterIfMissing(dir, MIGRATIONS);
    expect(existsSync(path.join(dir, 'PG_VERSION'))).toBe(true);
    expect(readdirSync(parent)).toEqual(['pglite']);
    // A second call finds the cluster and leaves it alone.
    createPgliteClusterIfMissing(dir, MIGRATIONS);
    expect(readdirSync(parent)).toEqual(['pglite']);
  }, 60_000);

  it('refuses a folder that holds files but no cluster, and leaves it as it was', () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'yishi-cluster-'));
    const dir = path.join(parent, 'pglite');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'notes.txt'), 'not a database');
    expect(() => createPgliteClusterIfMissing(dir, MIGRATIONS)).toThrow();
    expect(readdirSync(dir)).toEqual(['notes.txt']);
    expect(readdirSync(parent)).toEqual(['pglite']);
  }, 60_000);
});
