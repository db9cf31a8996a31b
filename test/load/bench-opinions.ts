/**
 * Opinions benchmark (issue 11, "Benchmark"). From the repository root:
 *
 *   pnpm bench:opinions -- --viewers V --authors A --rate R [--instances 2] [--seconds 60] [--workers 2]
 *
 * Starts Yishi as server processes (one on the embedded default, PGlite in a fresh temp folder;
 * or two sharing a private Redis and a fresh PostgreSQL database), sets up a council and a
 * published meeting, joins V resident viewers (POST /api/join, websocket, meeting:join,
 * opinions:follow of one thread: the meeting's general thread, which is delivered exactly as an
 * item's) spread over the instances, and A resident authors who post R opinions a second in total
 * for the given time: four in five top-level, one in five a reply, and with each post a second on
 * a recent one by another author. Then the same viewers and posts against a bare Socket.IO server
 * relaying the same posts at the same coalescing rate (test/load/anchor-opinions.ts).
 *
 * The viewers live in worker threads (bench-opinions-viewers.ts, `--workers`, 2 by default), for
 * Yishi and the anchor alike; this thread holds the authors, posts and reads acks. A viewer follows
 * as the web app does: a gap is caught up with opinions:since, a reconnect joins and follows again
 * after its cursor.
 *
 * Measures (one clock, bench-shared `now`): ack = post sent -> ack; visible = post sent -> the
 * last viewer has it (by push, or by the catch-up a viewer makes on a gap); lost = acknowledged
 * posts some viewer never got (after a 10 s settle); duplicated = (viewer, change) pairs pushed
 * again to a viewer that held them; bytesPerViewerPerMin = the JSON bytes of the pushes a viewer
 * received, per minute; serverRssMb = the servers' peak VmRSS (sum over instances). The last
 * stdout line is the JSON, with the issue's names, then the bench's own event-loop lag during the
 * posting (benchLagP99Ms: the worst p99 of this thread and the viewer workers; the anchor's run
 * measured the same way) and the viewers' reconnections. stderr says where lost posts went
 * (viewers behind, reconnected, gaps).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { io as connect, type Socket } from 'socket.io-client';
import { ApiClient, connected, emit, type YishiClientSocket } from '../support/client.ts';
import { setUpCouncil } from '../support/council.ts';
import { waitFor } from '../support/ports.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { startTwoInstances, type TwoInstances } from '../support/two-instances.ts';
import type { FromViewers, ToViewers, ViewersSeen, ViewerTarget } from './bench-opinions-viewers.ts';
import { now, percentile } from './bench-shared.ts';
import { Bots } from './bot-pool.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const V = arg('viewers', 200);
const A = arg('authors', 20);
const R = arg('rate', 5);
const INSTANCES = arg('instances', 1) === 2 ? 2 : 1;
const SECONDS = arg('seconds', 60);
const WORKERS = Math.max(1, Math.min(arg('workers', 2), V));
const log = (s: string) => process.stderr.write(`[bench:opinions] ${s}\n`);

/** CPU seconds a process has used (user + system), from /proc: what a run cost, whatever else the machine was doing. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

function rssMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** What this thread measures in one run: when each acknowledged post was sent, and its ack time. */
interface Tracker {
  sent: Map<string, number>;
  acks: number[];
  failed: number;
}

const newTracker = (): Tracker => ({ sent: new Map(), acks: [], failed: 0 });

type Bench = Bots<ToViewers, FromViewers>;
const clientsOf = (w: number) => Array.from({ length: V }, (_, i) => i).filter((i) => i % WORKERS === w);

/** Connects the V viewers in the workers (each worker its share, a few at a time). */
async function connectViewers(bots: Bench, target: ViewerTarget): Promise<void> {
  const r = await bots.ask((w) => ({ type: 'connect', target, clients: clientsOf(w), concurrency: 25 }), 'connected');
  const reconnects = r.reduce((n, x) => n + x.reconnects, 0);
  if (reconnects > 0) log(`viewers reconnected ${reconnects} times while joining`);
}

/** After the posting: waits (10 s at most) until every viewer has every acknowledged post, then measures. */
async function settle(bots: Bench, t: Tracker, mainLag: number) {
  const ids = [...t.sent.keys()];
  const replies = await bots.ask(() => ({ type: 'await', ids, deadline: now() + 10_000 }), 'seen');
  const seen = new Map<string, { n: number; last: number }>();
  for (const r of replies)
    for (const [id, n, last] of r.seen) {
      const s = seen.get(id) ?? { n: 0, last: 0 };
      s.n += n;
      s.last = Math.max(s.last, last);
      seen.set(id, s);
    }
  const visible: number[] = [];
  let lost = 0;
  for (const [id, at] of t.sent) {
    const s = seen.get(id);
    if (!s || s.n < V) lost++;
    else visible.push(s.last - at);
  }
  if (lost > 0) {
    // Late or never? Wait a minute more (not measured): a post still missing then was lost for good.
    const later = await bots.ask(() => ({ type: 'await', ids, deadline: now() + 60_000 }), 'seen');
    const n = new Map<string, number>();
    for (const r of later) for (const [id, k] of r.seen) n.set(id, (n.get(id) ?? 0) + k);
    log(`lost after 10 s: ${lost}; still missing after 70 s: ${ids.filter((id) => (n.get(id) ?? 0) < V).length}`);
  }
  const sum = (f: (r: ViewersSeen) => number) => replies.reduce((n, r) => n + f(r), 0);
  const disconnects: Record<string, number> = {};
  for (const r of replies) for (const [why, n] of Object.entries(r.disconnects)) disconnects[why] = (disconnects[why] ?? 0) + n;
  const lag = Math.max(mainLag, ...replies.map((r) => r.loopDelayP99Ms));
  const views: Record<string, number> = {};
  for (const r of replies) for (const [kind, n] of Object.entries(r.views)) views[kind] = (views[kind] ?? 0) + n;
  log(
    `per viewer while posting: ${(sum((r) => r.pushes) / V).toFixed(0)} entries pushes, views ${JSON.stringify(Object.fromEntries(Object.entries(views).map(([k, n]) => [k, Math.round(n / V)])))}`,
  );
  log(
    `bench lag p99: main ${mainLag.toFixed(0)} ms, workers ${replies.map((r) => `${r.loopDelayP99Ms.toFixed(0)} (max ${r.loopDelayMaxMs.toFixed(0)})`).join(', ')} ms; ` +
      `posts not acknowledged ${t.failed}; viewers behind ${sum((r) => r.behind)} (reconnected ${sum((r) => r.behindReconnected)}); ` +
      `reconnects ${sum((r) => r.reconnects)}, disconnects ${JSON.stringify(disconnects)}; gaps ${sum((r) => r.gaps)} (while catching up ${sum((r) => r.gapsWhileCatching)})`,
  );
  return {
    posts: t.sent.size,
    ackP99Ms: Math.round(percentile(t.acks, 0.99)),
    visibleP99Ms: Math.round(percentile(visible, 0.99)),
    lost,
    duplicated: sum((r) => r.duplicated),
    bytesPerViewerPerMin: Math.round(sum((r) => r.bytes) / V / (SECONDS / 60)),
    benchLagP99Ms: Math.round(lag),
    reconnects: sum((r) => r.reconnects),
  };
}

/**
 * Posts at R a second in total for SECONDS, round robin over the authors; returns this thread's
 * event-loop lag p99 meanwhile (its acks are read here).
 */
async function drive(
  bots: Bench,
  t: Tracker,
  pids: (number | undefined)[],
  /** Whether the pids are Yishi servers (they take SIGUSR2 to start and stop a profile). */
  servers: boolean,
  post: (i: number, id: string, parent: string | null) => Promise<string>,
  second: (i: number, id: string) => Promise<unknown>,
): Promise<number> {
  await bots.ask(() => ({ type: 'start' }), 'started');
  // BENCH_PROFILE_POSTING=1 with the servers preloading cpu-profile.mjs and CPU_PROFILE_ON_SIGNAL=1: profile the posting only.
  const profile = () => servers && process.env.BENCH_PROFILE_POSTING === '1' && pids.forEach((pid) => pid && process.kill(pid, 'SIGUSR2'));
  profile();
  const cpu0 = pids.reduce<number>((n, pid) => n + cpuSeconds(pid), 0);
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const recent: string[] = [];
  const interval = 1000 / R;
  const start = now();
  const total = Math.round(R * SECONDS);
  const inflight: Promise<unknown>[] = [];
  for (let k = 0; k < total; k++) {
    const due = start + k * interval;
    const wait = due - now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const author = k % A;
    const id = randomUUID();
    const parent = k % 5 === 4 && recent.length > 0 ? recent[recent.length - 1]! : null;
    const sentAt = now();
    inflight.push(
      post(author, id, parent).then(
        (realId) => {
          t.sent.set(realId, sentAt);
          t.acks.push(now() - sentAt);
          recent.push(realId);
          if (recent.length > 50) recent.shift();
        },
        (err: Error) => {
          t.failed++;
          log(`post not acknowledged: ${err.message}`);
        },
      ),
    );
    if (recent.length > 0) inflight.push(second((author + 1) % A, recent[Math.floor(Math.random() * recent.length)]!).catch(() => undefined));
  }
  await Promise.all(inflight);
  lag.disable();
  profile();
  log(
    `server CPU while posting: ${(pids.reduce<number>((n, pid) => n + cpuSeconds(pid), 0) - cpu0).toFixed(1)} s in ${((now() - start) / 1000).toFixed(1)} s; load ${readFileSync('/proc/loadavg', 'utf8').trim()}`,
  );
  return lag.percentile(99) / 1e6;
}

async function runYishi() {
  const env = {
    AUTH_RATE_PER_MINUTE: '1000000',
    SOCKETS_PER_ADDRESS: '1000000',
    OPINION_POSTS_PER_MINUTE: '100000',
    OPINION_SECONDS_PER_MINUTE: '100000',
    LOG_LEVEL: 'warn',
    // For profiling the servers, e.g. BENCH_SERVER_NODE_OPTIONS="--import $PWD/test/load/cpu-profile.mjs".
    ...(process.env.BENCH_SERVER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SERVER_NODE_OPTIONS } : {}),
  };
  let two: TwoInstances | null = null;
  let servers: ServerProcess[];
  if (INSTANCES === 2) {
    two = await startTwoInstances(env);
    servers = [two.a, two.b];
  } else {
    servers = [await startServerProcess({ ...env, DATA_DIR: mkdtempSync(path.join(tmpdir(), 'yishi-bench-opinions-')) })];
  }
  const sockets: YishiClientSocket[] = [];
  const bots: Bench = new Bots(WORKERS, { entry: new URL('./bench-opinions-worker.mjs', import.meta.url) });
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(
      peak,
      servers.reduce((n, s) => n + rssMb(s.proc.pid), 0),
    );
  }, 200);
  try {
    const setup = await setUpCouncil(servers[0]!.url, servers[0]!.setupUrl!);
    const m = await setup.facilitator.ok('POST', '/api/meetings', { title: '压测', startsAt: '2026-12-01T19:00:00+08:00', mode: 'online' });
    const fac = setup.facilitator.socket();
    sockets.push(fac);
    await connected(fac);
    await emit(fac, 'meeting:join', { meetingId: m.id });
    await emit(fac, 'meeting:transition', { meetingId: m.id, to: 'scheduled' });
    const join = async (i: number, name: string) => {
      const base = servers[i % servers.length]!.url;
      const api = new ApiClient(base);
      await api.ok('POST', '/api/join', { code: m.joinCode, displayName: name });
      const s = api.socket({ base, origin: base });
      sockets.push(s);
      // A handshake timing out on a busy server is retried by the client: wait for the connection.
      if (!s.connected) await new Promise<void>((r) => s.once('connect', () => r()));
      const r = await emit(s, 'meeting:join', { meetingId: m.id });
      if (!r.ok) throw new Error(JSON.stringify(r));
      return s;
    };
    log(`joining ${V} viewers (${WORKERS} workers) and ${A} authors on ${servers.length} instance(s)`);
    await connectViewers(bots, { mode: 'yishi', servers: servers.map((s) => s.url), joinCode: m.joinCode, meetingId: m.id });
    const authors: YishiClientSocket[] = [];
    for (let i = 0; i < A; i += 25)
      authors.push(...(await Promise.all(Array.from({ length: Math.min(25, A - i) }, (_, k) => join(i + k, `作者${i + k}`)))));
    log(`posting ${R}/s for ${SECONDS} s`);
    const t = newTracker();
    const mainLag = await drive(
      bots,
      t,
      servers.map((s) => s.proc.pid),
      true,
      async (i, id, parent) => {
        const r = await emit(authors[i]!, 'opinion:post', {
          meetingId: m.id,
          itemId: null,
          ...(parent ? { parentId: parent } : { stance: 'concern' }),
          text: `意见 ${id}`,
          clientKey: id,
        });
        if (!r.ok) throw new Error(JSON.stringify(r));
        return r.data.opinion.id;
      },
      (i, id) => emit(authors[i]!, 'opinion:second', { meetingId: m.id, opinionId: id, seconded: true }),
    );
    return { m: await settle(bots, t, mainLag), rss: Math.round(peak) };
  } finally {
    clearInterval(sampler);
    for (const s of sockets) s.close();
    await bots.stop();
    if (two) await two.stop();
    else await servers[0]!.stop();
  }
}

async function runAnchor() {
  const proc: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'test/load/anchor-opinions.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0' },
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += String(d)));
  const sockets: Socket[] = [];
  const bots: Bench = new Bots(WORKERS, { entry: new URL('./bench-opinions-worker.mjs', import.meta.url) });
  try {
    await waitFor(() => out.includes('anchor listening'), 20_000, 'the anchor');
    const url = `http://127.0.0.1:${/anchor listening (\d+)/.exec(out)![1]}`;
    const open = async () => {
      const s = connect(url, { transports: ['websocket'] });
      sockets.push(s);
      await new Promise<void>((r) => s.once('connect', () => r()));
      return s;
    };
    await connectViewers(bots, { mode: 'anchor', url });
    const authors = await Promise.all(Array.from({ length: A }, () => open()));
    const t = newTracker();
    const mainLag = await drive(
      bots,
      t,
      [proc.pid],
      false,
      async (i, id) => {
        await authors[i]!.timeout(30_000).emitWithAck('post', { id, text: `意见 ${id}` });
        return id;
      },
      (i, id) => authors[i]!.timeout(30_000).emitWithAck('second', { id }),
    );
    return await settle(bots, t, mainLag);
  } finally {
    for (const s of sockets) s.close();
    await bots.stop();
    proc.kill('SIGTERM');
  }
}

const yishi = await runYishi();
log(`yishi: ${JSON.stringify(yishi)}`);
const anchor = await runAnchor();
log(`anchor: ${JSON.stringify(anchor)}`);
process.stdout.write(
  `${JSON.stringify({
    viewers: V,
    authors: A,
    posts: yishi.m.posts,
    ackP99Ms: yishi.m.ackP99Ms,
    visibleP99Ms: yishi.m.visibleP99Ms,
    lost: yishi.m.lost,
    duplicated: yishi.m.duplicated,
    bytesPerViewerPerMin: yishi.m.bytesPerViewerPerMin,
    serverRssMb: yishi.rss,
    anchorVisibleP99Ms: anchor.visibleP99Ms,
    benchLagP99Ms: yishi.m.benchLagP99Ms,
    anchorBenchLagP99Ms: anchor.benchLagP99Ms,
    reconnects: yishi.m.reconnects,
  })}\n`,
);
process.exit(0);
