/**
 * Idle memory of the embedded default (issue 9, "Lighter embedded default"). From the root:
 *
 *   pnpm bench:idle-memory [-- --runs 3]
 *
 * Each run starts the server as `npm start` does (same node flags, PGlite in a fresh temp folder,
 * no Redis), waits until /healthz answers, waits 10 s more, and reads its resident memory
 * (VmRSS). Then it stops it and does the same on the now existing folder (a later start, which
 * opens the cluster the first one made). One line per run on stderr; the last line on stdout is
 * one JSON object: both figures of every run, the worst of each, and the target.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServerProcess } from '../support/server-process.ts';

const TARGET_MB = 250;

function parseRuns(argv: string[]): number {
  const args = argv.filter((a) => a !== '--'); // pnpm passes a literal `--` through
  let runs = 3;
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i]!.split('=') as [string, string | undefined];
    if (flag !== '--runs') throw new Error(`unknown option ${args[i]} (usage: --runs N)`);
    runs = Number(inline ?? args[++i]);
    if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs needs a positive whole number');
  }
  return runs;
}

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

const runs = parseRuns(process.argv.slice(2));
const first: number[] = [];
const later: number[] = [];
for (let run = 1; run <= runs; run++) {
  const dir = mkdtempSync(path.join(tmpdir(), 'yishi-idle-'));
  try {
    first.push(await idleRss(dir));
    later.push(await idleRss(dir));
    process.stderr.write(`run ${run}/${runs}: first start ${first.at(-1)} MB, later start ${later.at(-1)} MB\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
process.stdout.write(
  `${JSON.stringify({
    idleRssMbFirstStart: first,
    idleRssMbLaterStart: later,
    maxFirstStartMb: Math.max(...first),
    maxLaterStartMb: Math.max(...later),
    targetMb: TARGET_MB,
  })}\n`,
);
