/**
 * Consensus benchmark (issue 12, "Benchmark"). From the repository root:
 *
 *   pnpm bench:consensus -- --clients N --changes C [--instances 2] [--seconds 30] [--workers W] [--concurrency J]
 *
 * Starts Yishi as server processes (one on the embedded default, PGlite in a fresh temp folder; or
 * two sharing a private Redis and a fresh PostgreSQL database), sets up a council, a live meeting
 * with one agenda item and a consensus check on it that residents take part in, and joins N
 * residents (POST /api/join, websocket, meeting:join) spread over the instances, held by bot worker
 * threads as in bench-votes.ts. The participants then make C position changes in total over about
 * 30 s: each change one participant's next step of a random walk on 1-4 (residents cannot block),
 * at uniformly random times; a participant's next change is sent once its previous one is
 * acknowledged. Then the same participants and schedule against a bare Socket.IO server that
 * aggregates and rebroadcasts at the same coalescing rate (test/load/anchor-consensus.ts).
 *
 * Measures (one clock: bench-shared `now`, shared by the worker threads):
 * - ack: change sent -> acknowledged (after commit); a change whose connection dropped before its ack
 *   is sent again with the same key once reconnected, as the web app does, and timed from its first send.
 * - view: change sent -> every client holds a view that includes it. No view names a change, and
 *   counts cannot identify one, so this uses the view's version: Yishi takes it from one database
 *   sequence before the computation reads anything (live-views.ts), and computations of a view
 *   are coalesced and run one at a time per instance; the anchor does the same with a counter.
 *   At the ack (after the commit) a computation that read the database before the commit may be in
 *   flight on each instance, but the next one on each starts after the commit. With H the highest
 *   version any client had received by the ack, the change is in every version from the
 *   (instances + 1)-th distinct version above H on, and a client has it from its first view at or
 *   above that version. (A view computed before the commit but received by no client before the
 *   ack would break this; with hundreds of clients it does not happen in practice.) It can count
 *   up to one coalescing interval late, never early; the same rule for Yishi and the anchor (one
 *   process: instances = 1), so the two compare fairly. Changes whose target version never came
 *   are left out and counted in the log ("view never complete").
 * - lost: participants whose last acknowledged level is not their position in the database after
 *   the run (read from PostgreSQL, or from the PGlite folder once the server has stopped).
 * - mismatched: clients whose last view's resident counts differ from the database's counts.
 * - serverRssMb: the servers' peak VmRSS (sum over instances).
 * The last stdout line is the JSON.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { agendaRoom } from '@yishi/protocol';
import { emit, type YishiClientSocket, connected } from '../support/client.ts';
import { setUpCouncil } from '../support/council.ts';
import { freePort, waitFor } from '../support/ports.ts';
import { createFreshDatabase, type TestDatabase } from '../support/postgres.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { addAgendaItems } from '../support/yjs.ts';
import type { ChangeRecord, ConsensusTarget, FromConsensusWorker, ToConsensusWorker } from './bench-consensus-bots.ts';
import { now, percentile } from './bench-shared.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const N = arg('clients', 200);
const C = arg('changes', 800);
const INSTANCES = arg('instances', 1) === 2 ? 2 : 1;
const SECONDS = arg('seconds', 30);
const WORKERS = Math.max(1, Math.min(arg('workers', 4), N));
/** Clients joining at once, over all workers (bench-votes.ts joins 200 at once; this bench joined 64). */
const CONCURRENCY = arg('concurrency', 200);
const log = (s: string) => process.stderr.write(`[bench:consensus] ${s}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function rssMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** The bot workers; each holds the clients i with i % W === its index. */
class Bots {
  readonly workers: Worker[];
  private readonly inbox = new Map<Worker, FromConsensusWorker[]>();
  private readonly waiting = new Map<Worker, () => void>();
  private failure: Error | null = null;

  constructor(count: number) {
    this.workers = Array.from({ length: count }, () => new Worker(new URL('./bench-consensus-worker.mjs', import.meta.url)));
    for (const w of this.workers) {
      this.inbox.set(w, []);
      w.on('message', (m: FromConsensusWorker) => {
        if (m.type === 'error') this.failure = new Error(`bot worker: ${m.message}`);
        else this.inbox.get(w)!.push(m);
        this.waiting.get(w)?.();
      });
      w.on('error', (err) => {
        this.failure = err;
        this.waiting.get(w)?.();
      });
    }
  }

  async ask<T extends FromConsensusWorker['type']>(
    messages: (w: number) => ToConsensusWorker,
    type: T,
  ): Promise<Extract<FromConsensusWorker, { type: T }>[]> {
    this.workers.forEach((w, n) => w.postMessage(messages(n)));
    return Promise.all(this.workers.map((w) => this.receive(w, type)));
  }

  private async receive<T extends FromConsensusWorker['type']>(w: Worker, type: T): Promise<Extract<FromConsensusWorker, { type: T }>> {
    for (;;) {
      if (this.failure) throw this.failure;
      const box = this.inbox.get(w)!;
      const at = box.findIndex((m) => m.type === type);
      if (at >= 0) return box.splice(at, 1)[0] as Extract<FromConsensusWorker, { type: T }>;
      await new Promise<void>((r) => this.waiting.set(w, r));
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

const clientsOf = (w: number) => Array.from({ length: N }, (_, i) => i).filter((i) => i % WORKERS === w);

/** C changes at uniformly random times over SECONDS, each by a random participant; per worker, in time order. */
function makeSchedule(): { at: number; client: number; extra?: boolean }[][] {
  const start = now() + 1000;
  const all = Array.from({ length: C }, () => ({ at: start + Math.random() * SECONDS * 1000, client: Math.floor(Math.random() * N) }));
  all.sort((a, b) => a.at - b.at);
  // Then a few unmeasured changes by client 0, a second apart: the rule for "view" (see the header)
  // needs new versions after each measured change's ack, and views only come after changes.
  const schedule = Array.from(
    { length: WORKERS },
    (_, w) => all.filter((e) => e.client % WORKERS === w) as { at: number; client: number; extra?: boolean }[],
  );
  for (let j = 1; j <= 4; j++) schedule[0]!.push({ at: start + SECONDS * 1000 + j * 1000, client: 0, extra: true });
  return schedule;
}

type Views = Extract<FromConsensusWorker, { type: 'collected' }>['views'];

/** See the header: per change, the version every client must reach, then when each reached it. */
function viewTimes(changes: ChangeRecord[], views: Views, instances: number): { times: number[]; never: number } {
  // Every version seen anywhere, with its first arrival at any client.
  const first = new Map<number, number>();
  for (const v of views) v.versions.forEach((version, i) => first.set(version, Math.min(first.get(version) ?? Infinity, v.ats[i]!)));
  const versions = [...first.keys()].sort((a, b) => a - b);
  const byArrival = [...first].sort((a, b) => a[1] - b[1]);
  const prefixMax: number[] = [];
  for (const [version] of byArrival) prefixMax.push(Math.max(prefixMax[prefixMax.length - 1] ?? -Infinity, version));
  /** First index in a sorted list whose value is > x (or >= x). */
  const above = (xs: ArrayLike<number>, x: number, orEqual = false) => {
    let lo = 0;
    let hi = xs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (orEqual ? xs[mid]! < x : xs[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const arrivals = byArrival.map(([, at]) => at);
  const times: number[] = [];
  let never = 0;
  for (const ch of changes) {
    if (ch.ackAt === null || ch.extra) continue;
    // H: the highest version any client held at the ack; the target: the (instances + 1)-th version above it.
    const seenBefore = above(arrivals, ch.ackAt);
    const h = seenBefore === 0 ? -Infinity : prefixMax[seenBefore - 1]!;
    const target = versions[above(versions, h) + instances];
    if (target === undefined) {
      never++;
      continue;
    }
    let last = 0;
    let missing = false;
    for (const v of views) {
      // A client's versions only grow (the bots keep the highest).
      const i = above(v.versions, target, true);
      if (i >= v.versions.length) {
        missing = true;
        break;
      }
      last = Math.max(last, v.ats[i]!);
    }
    if (missing) never++;
    else times.push(last - ch.sentAt);
  }
  return { times, never };
}

interface Run {
  changes: ChangeRecord[];
  views: Views;
}

async function drive(
  bots: Bots,
  target: ConsensusTarget,
  schedule: { at: number; client: number; extra?: boolean }[][],
  profile: (phase: 'join' | 'changes') => void = () => {},
): Promise<Run> {
  const t0 = Date.now();
  profile('join');
  await bots.ask(
    (w) => ({ type: 'connect', target, clients: clientsOf(w), concurrency: Math.max(1, Math.ceil(CONCURRENCY / WORKERS)) }),
    'connected',
  );
  profile('join');
  log(`${N} clients connected in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  profile('changes');
  // Re-based: the schedule starts a second from now.
  const offset = now() + 1000 - Math.min(...schedule.flat().map((e) => e.at));
  const ran = await bots.ask((w) => ({ type: 'run', schedule: schedule[w]!.map((e) => ({ ...e, at: e.at + offset })) }), 'ran');
  const changes = ran.flatMap((r) => r.changes);
  profile('changes');
  // Settle: a few coalescing intervals for the last views to arrive everywhere.
  await sleep(3000);
  const views = (await bots.ask(() => ({ type: 'collect' }), 'collected')).flatMap((c) => c.views);
  await bots.ask(() => ({ type: 'close' }), 'connected');
  return { changes, views };
}

function lastAcked(changes: ChangeRecord[]): Map<number, number> {
  const last = new Map<number, { at: number; level: number }>();
  for (const c of changes) if (c.ackAt !== null && (last.get(c.client)?.at ?? -1) < c.sentAt) last.set(c.client, { at: c.sentAt, level: c.level });
  return new Map([...last].map(([client, v]) => [client, v.level]));
}

async function main() {
  log(`clients ${N}, changes ${C}, instances ${INSTANCES}, over ${SECONDS} s, ${WORKERS} bot workers`);
  const servers: ServerProcess[] = [];
  let redis: TestRedis | undefined;
  let db: TestDatabase | undefined;
  let dataDir: string | undefined;
  const bots = new Bots(WORKERS);
  const schedule = makeSchedule();
  let peakRss = 0;
  let sampler: NodeJS.Timeout | undefined;
  try {
    const env: Record<string, string> = { AUTH_RATE_PER_MINUTE: '1000000', SOCKETS_PER_ADDRESS: '1000000', LOG_LEVEL: 'warn' };
    // For profiling the server, as in bench-votes.ts: BENCH_SERVER_NODE_OPTIONS="--import $PWD/test/load/cpu-profile.mjs",
    // with CPU_PROFILE_ON_SIGNAL=1 and BENCH_PROFILE_PHASE=join, changes or join,changes (a profile each).
    if (process.env.BENCH_SERVER_NODE_OPTIONS) env.NODE_OPTIONS = process.env.BENCH_SERVER_NODE_OPTIONS;
    if (INSTANCES === 1) {
      dataDir = mkdtempSync(path.join(tmpdir(), 'yishi-bench-consensus-'));
      Object.assign(env, { DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '' });
    } else {
      [redis, db] = await Promise.all([startRedis(), createFreshDatabase()]);
      Object.assign(env, { DATABASE_URL: db.url, REDIS_URL: redis.url });
    }
    for (let i = 0; i < INSTANCES; i++) servers.push(await startServerProcess(env));
    log(`started ${servers.map((s) => `${s.url} pid ${s.proc.pid}`).join(', ')}`);
    sampler = setInterval(() => {
      peakRss = Math.max(
        peakRss,
        servers.reduce((n, s) => n + rssMb(s.proc.pid), 0),
      );
    }, 200);

    const setupUrl = await waitFor(
      () => servers[0]!.setupUrl ?? /setup link[^\n]*\n\s*(\S+)\n/.exec(servers[0]!.output())?.[1],
      5000,
      'the setup link',
    );
    const c = await setUpCouncil(servers[0]!.url, setupUrl);
    const meeting = await c.facilitator.ok('POST', '/api/meetings', { title: '协商压力测试', startsAt: '2026-12-01T19:00:00+08:00', mode: 'hybrid' });
    const meetingId: string = meeting.id;
    const fac = c.facilitator.socket() as YishiClientSocket;
    await connected(fac);
    await emit(fac, 'meeting:join', { meetingId });
    const live = await emit(fac, 'meeting:transition', { meetingId, to: 'live' });
    if (!live.ok) throw new Error(`meeting:transition: ${JSON.stringify(live)}`);
    await addAgendaItems(servers[0]!.url, agendaRoom(meetingId), c.facilitator.cookie, ['item-1']);
    const opened = await emit(fac, 'consensus:open', { meetingId, itemId: 'item-1', proposal: '在小区东门增设非机动车停放区。', residents: true });
    if (!opened.ok) throw new Error(`consensus:open: ${JSON.stringify(opened)}`);
    const checkId = opened.data.checkId;
    fac.close();

    // SIGUSR2 starts and stops test/load/cpu-profile.mjs around the phase asked for.
    const profile = (phase: 'join' | 'changes') =>
      (process.env.BENCH_PROFILE_PHASE ?? '').split(',').includes(phase) && servers.forEach((s) => s.proc.kill('SIGUSR2'));
    const yishi = await drive(
      bots,
      { mode: 'yishi', servers: servers.map((s) => s.url), joinCode: meeting.joinCode, meetingId, checkId },
      schedule,
      profile,
    );
    clearInterval(sampler);

    // The database's state after the run: each resident's position, by the display name the bots joined with.
    let rows: { name: string; level: number }[];
    const query = `SELECT r.display_name AS name, p.level FROM consensus_positions p JOIN residents r ON p.participant = 'r:' || r.id::text WHERE p.check_id = $1`;
    if (db) {
      rows = (await db.sql(query, [checkId])) as { name: string; level: number }[];
      await Promise.all(servers.map((s) => s.stop()));
    } else {
      await Promise.all(servers.map((s) => s.stop()));
      // PGlite is the server's dependency, not the root's: resolved from there.
      const entry = createRequire(path.join(ROOT, 'server', 'package.json')).resolve('@electric-sql/pglite');
      const { PGlite } = (await import(pathToFileURL(entry).href)) as {
        PGlite: {
          create(dir: string): Promise<{ query<T>(q: string, params: unknown[]): Promise<{ rows: T[] }>; close(): Promise<void> }>;
        };
      };
      const pg = await PGlite.create(path.join(dataDir!, 'pglite'));
      rows = (await pg.query<{ name: string; level: number }>(query, [checkId])).rows;
      await pg.close();
    }
    const inDb = new Map(rows.map((r) => [Number(r.name.replace('居民', '')) - 1, r.level]));
    const dbCounts = [0, 0, 0, 0, 0];
    for (const level of inDb.values()) dbCounts[level - 1]!++;
    let lost = 0;
    for (const [client, level] of lastAcked(yishi.changes)) if (inDb.get(client) !== level) lost++;
    // BENCH_DUMP=<file>: every change and the database's levels, to look into `lost` after a run.
    if (process.env.BENCH_DUMP)
      writeFileSync(
        process.env.BENCH_DUMP,
        JSON.stringify({ changes: yishi.changes, inDb: [...inDb], last: yishi.views.map((v) => [v.client, v.last]) }),
      );
    const mismatched = yishi.views.filter((v) => JSON.stringify(v.last) !== JSON.stringify(dbCounts)).length;
    const acks = yishi.changes.filter((ch) => ch.ackAt !== null && !ch.extra).map((ch) => ch.ackAt! - ch.sentAt);
    const refused = yishi.changes.filter((ch) => ch.ackAt === null);
    const yView = viewTimes(yishi.changes, yishi.views, INSTANCES);
    log(
      `yishi: ${acks.length}/${yishi.changes.filter((ch) => !ch.extra).length} acknowledged (${refused.length} not: ${[...new Set(refused.map((r) => r.error))].join(', ')}); ` +
        `${yishi.changes.reduce((n, ch) => n + (ch.resent ?? 0), 0)} resent after a dropped connection; view never complete for ${yView.never}; db counts ${JSON.stringify(dbCounts)}; peak RSS ${peakRss.toFixed(0)} MB`,
    );

    // ---------- the anchor, same participants and schedule ----------
    const port = await freePort();
    const proc = spawn(process.execPath, ['--import', 'tsx', 'test/load/anchor-consensus.ts'], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitFor(
        () => {
          if (proc.exitCode !== null) throw new Error(`anchor exited early:\n${out}`);
          return out.includes('anchor listening');
        },
        30_000,
        'the anchor server',
      );
      const anchor = await drive(bots, { mode: 'anchor', url: `http://127.0.0.1:${port}` }, schedule);
      // The anchor is one process whatever Yishi ran on: one computation in flight at a time.
      const aView = viewTimes(anchor.changes, anchor.views, 1);
      log(`anchor: view never complete for ${aView.never}`);
      console.log(
        JSON.stringify({
          clients: N,
          changes: C,
          ackP50Ms: Math.round(percentile(acks, 0.5)),
          ackP99Ms: Math.round(percentile(acks, 0.99)),
          viewP99Ms: Math.round(percentile(yView.times, 0.99)),
          lost,
          mismatched,
          serverRssMb: Math.round(peakRss),
          anchorViewP99Ms: Math.round(percentile(aView.times, 0.99)),
        }),
      );
    } finally {
      proc.kill('SIGTERM');
    }
  } finally {
    if (sampler) clearInterval(sampler);
    await bots.stop();
    await Promise.all(servers.map((s) => s.stop().catch(() => null)));
    await Promise.all([redis?.stop?.(), db?.drop?.()]);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
