import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirLockedError } from './data-dir-lock.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const newDir = () => mkdtempSync(path.join(tmpdir(), 'yishi-lock-'));
/** A live holder elsewhere: keeps the lock file's time fresh until the interval is cleared. */
const keepBeating = (file: string) =>
  setInterval(() => {
    try {
      utimesSync(file, new Date(), new Date());
    } catch {
      // taken over (wrongly): the assertion after it says so
    }
  }, 20);

describe('data folder lock', () => {
  it('refuses a second holder with a clear message, and frees the folder on release', async () => {
    const dir = newDir();
    const release = await acquireDataDirLock(dir);
    await expect(acquireDataDirLock(dir)).rejects.toThrow(DataDirLockedError);
    await expect(acquireDataDirLock(dir)).rejects.toThrow(/in use by another Yishi process/);
    release();
    (await acquireDataDirLock(dir))();
  });

  it('takes over a lock left by a process that no longer exists', async () => {
    const dir = newDir();
    writeFileSync(path.join(dir, 'yishi.lock'), '999999999');
    const release = await acquireDataDirLock(dir);
    release();
  });

  // In the container node is PID 1: after kill -9 or an OOM kill the restarted process is PID 1
  // again, and finds its own pid in the lock it never took.
  it('takes over a lock naming this very process (a restarted PID 1 in a container)', async () => {
    const dir = newDir();
    writeFileSync(path.join(dir, 'yishi.lock'), String(process.pid));
    const release = await acquireDataDirLock(dir);
    release();
  });

  it('takes over a lock whose pid now belongs to another, unrelated process (pid reused)', async () => {
    const dir = newDir();
    // The parent (vitest's runner) is alive, but it is not the process that wrote this lock:
    // the start time recorded does not match.
    writeFileSync(path.join(dir, 'yishi.lock'), JSON.stringify({ pid: process.ppid, host: hostname(), started: 'not-its-start-time' }));
    const release = await acquireDataDirLock(dir);
    release();
  });

  it('still refuses while another live process holds the folder', async () => {
    const dir = newDir();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `import('${path.join(here, 'data-dir-lock.ts')}').then(async (m) => { await m.acquireDataDirLock(${JSON.stringify(dir)}); console.log('locked'); setInterval(() => {}, 1000); })`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => d.toString().includes('locked') && resolve()));
      await expect(acquireDataDirLock(dir)).rejects.toThrow(new RegExp(`pid ${child.pid}`));
    } finally {
      child.kill('SIGKILL');
    }
    await new Promise((r) => child.once('exit', r));
    // Once it is gone (kill -9: no clean-up), the folder is free again.
    (await acquireDataDirLock(dir))();
  });

  // Two containers with one hostname (or network_mode: host) are both PID 1 in their own pid
  // namespaces: the pid in the lock says nothing here, so only a stopped heartbeat frees it.
  it('a lock from another pid namespace on this host, still beating, is refused', async () => {
    const dir = newDir();
    const file = path.join(dir, 'yishi.lock');
    writeFileSync(file, JSON.stringify({ pid: process.pid, host: hostname(), ns: 'pid:[1]', started: 'x' }));
    const beat = keepBeating(file);
    await expect(acquireDataDirLock(dir, { heartbeatMs: 50, staleAfterMs: 300 })).rejects.toThrow(DataDirLockedError);
    clearInterval(beat);
    (await acquireDataDirLock(dir, { heartbeatMs: 50, staleAfterMs: 300 }))();
  });

  it('a lock from another host (another container on a shared volume) is taken over only once its heartbeat stops', async () => {
    const dir = newDir();
    const file = path.join(dir, 'yishi.lock');
    writeFileSync(file, JSON.stringify({ pid: 1, host: 'another-container', started: 'x' }));
    // Fresh and kept fresh: a live holder elsewhere.
    const beat = keepBeating(file);
    await expect(acquireDataDirLock(dir, { heartbeatMs: 50, staleAfterMs: 300 })).rejects.toThrow(DataDirLockedError);
    clearInterval(beat);
    // Its heartbeat stopped (the other container was killed): taken over after staleAfterMs.
    const release = await acquireDataDirLock(dir, { heartbeatMs: 50, staleAfterMs: 300 });
    expect(JSON.parse(readFileSync(file, 'utf8')).pid).toBe(process.pid);
    release();
  });
});
