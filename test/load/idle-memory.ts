/**
 * Idle memory of the embedded default (issue 9, "Lighter embedded default"). From the root:
 *
 *   pnpm bench:idle-memory
 *
 * Starts the server as `npm start` does (same node flags, PGlite in a fresh temp folder, no
 * Redis), waits until /healthz answers, waits 10 s more, and reads its resident memory (VmRSS).
 * Then stops it and does the same on the now existing folder (a later start). Prints one JSON
 * line last: {"idleRssMbFirstStart":…, "idleRssMbLaterStart":…, "targetMb":250}.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServerProcess } from '../support/server-process.ts';

function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  return Math.round(kb / 1024);
}

async function idleRss(dataDir: string): Promise<number> {
  const server = await startServerProcess({ DATA_DIR: dataDir });
  try {
    const res = await fetch(`${server.url}/healthz`);
    if (!res.ok) throw new Error(`/healthz answered ${res.status}`);
    // A measurement, not a test: the issue defines idle as 10 s after /healthz answers.
    await sleep(10_000);
    return rssMb(server.proc.pid!);
  } finally {
    await server.stop();
  }
}

const dir = mkdtempSync(path.join(tmpdir(), 'yishi-idle-'));
try {
  const first = await idleRss(dir);
  process.stderr.write(`first start: ${first} MB\n`);
  const later = await idleRss(dir);
  process.stderr.write(`later start: ${later} MB\n`);
  process.stdout.write(`${JSON.stringify({ idleRssMbFirstStart: first, idleRssMbLaterStart: later, targetMb: 250 })}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
