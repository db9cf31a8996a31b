import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirLockedError } from './data-dir-lock.ts';

describe('data folder lock', () => {
  it('refuses a second holder with a clear message, and frees the folder on release', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'yishi-lock-'));
    const release = acquireDataDirLock(dir);
    expect(() => acquireDataDirLock(dir)).toThrow(DataDirLockedError);
    expect(() => acquireDataDirLock(dir)).toThrow(/in use by another Yishi process/);
    release();
    acquireDataDirLock(dir)();
  });

  it('takes over a lock left by a process that no longer exists', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'yishi-lock-'));
    writeFileSync(path.join(dir, 'yishi.lock'), '999999999');
    const release = acquireDataDirLock(dir);
    release();
  });
});
