/**
 * Vote benchmark (issue 3, "Benchmark"). From the repository root:
 *
 *   pnpm bench:votes -- --clients N --ballots V [--instances 2] [--duration-ms 1500]
 *
 * Starts Yishi as separate server processes (one on the embedded default, PGlite in a fresh
 * temp folder; or two sharing a private Redis and a fresh PostgreSQL database), sets up a
 * council, a live meeting and one open advisory single-choice poll for residents
 * ('open_unverified': one ballot per resident session), connects N resident bots through the
 * real protocol (POST /api/join, websocket with the cookie and an Origin, meeting:join), and
 * casts V ballots at a steady rate over about 1.5 s. Then the same N clients and V votes against
 * a bare Socket.IO server that only counts and rebroadcasts at the same coalescing rate
 * (test/load/anchor-server.ts): the floor for this machine.
 *
 * Measures (all times on this process's monotonic clock):
 *  - ack latency: ballot:cast sent -> ack ok, p50 and p99;
 *  - tally latency: A_i = number of ok acks received up to and including ballot i's ack; ballot i
 *    is seen by a client at the first time that client received a polls or tallies view whose turnout
 *    (sum over electorates) is >= A_i; its tally latency is the max over clients of that time
 *    minus the send time (a client that never sees it counts as the timeout); p99 over ballots;
 *  - lost / duplicated: against the closed poll (its final tally; with PostgreSQL also the rows
 *    of final_ballots);
 *  - the server's peak resident memory (VmRSS, sampled every 200 ms; max over instances).
 *
 * Progress goes to stderr; the last line on stdout is one JSON object with the results.
 */
import { randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import type { PollsView, TalliesView, ViewSnapshot } from '@yishi/protocol';
import { ApiClient, applyViews, connected, emit, trackViews, viewOf, type YishiClientSocket } from '../support/client.ts';
import { setUpCouncil } from '../support/council.ts';
import { freePort, waitFor } from '../support/ports.ts';
import { createFreshDatabase, type TestDatabase } from '../support/postgres.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// ---------- options ----------

interface Options {
  clients: number;
  ballots: number;
  instances: 1 | 2;
  durationMs: number;
  concurrency: number;
  timeoutMs: number;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { clients: 1000, ballots: 1000, instances: 1, durationMs: 1500, concurrency: 200, timeoutMs: 30_000 };
  const args = argv.filter((a) => a !== '--'); // pnpm passes a literal `--` through
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => {
      const v = inline ?? args[++i];
      const n = Number(v);
      if (v === undefined || !Number.isFinite(n) || n < 0) throw new Error(`${flag} needs a number`);
      return Math.floor(n);
    };
    switch (flag) {
      case '--clients':
        o.clients = value();
        break;
      case '--ballots':
        o.ballots = value();
        break;
      case '--instances': {
        const n = value();
        if (n !== 1 && n !== 2) throw new Error('--instances is 1 or 2');
        o.instances = n;
        break;
      }
      case '--duration-ms':
        o.durationMs = value();
        break;
      case '--concurrency':
        o.concurrency = Math.max(1, value());
        break;
      case '--timeout-ms':
        o.timeoutMs = value();
        break;
      default:
        throw new Error(`unknown option ${a}`);
    }
  }
  if (o.clients < 1) throw new Error('--clients must be at least 1');
  if (o.ballots > o.clients) throw new Error('--ballots must not exceed --clients (one ballot per resident)');
  return o;
}

// ---------- small helpers ----------

const t0 = performance.now();
function log(msg: string): void {
  process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${msg}\n`);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Nearest-rank percentile of an unsorted list; NaN when empty. */
function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

const round1 = (x: number) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : -1);

/** Runs `fn(i)` for i in [0, n) with at most `limit` in flight. */
async function pool(n: number, limit: number, fn: (i: number) => Promise<void>, onProgress?: (done: number) => void): Promise<void> {
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= n) return;
      await fn(i);
      done++;
      if (onProgress && done % 500 === 0) onProgress(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

function rssMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0; // the process is gone
  }
}

function openFilesLimit(): number | null {
  try {
    const m = /Max open files\s+(\d+|unlimited)/.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? (m[1] === 'unlimited' ? Infinity : Number(m[1])) : null;
  } catch {
    return null;
  }
}

/**
 * Waits for a bot's first connection. Unlike connected() in test/support/client.ts, a
 * connect_error (a handshake timing out on a busy server) is not the end: the client retries by
 * itself, and only a refusal (unauthenticated, bad_origin) or the deadline fails.
 */
function connectedWithin(s: Socket, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (s.connected) return resolve();
    const timer = setTimeout(() => {
      s.off('connect', ok);
      s.off('connect_error', failed);
      reject(new Error(`no connection within ${ms} ms`));
    }, ms);
    const ok = () => {
      clearTimeout(timer);
      s.off('connect_error', failed);
      resolve();
    };
    const failed = (err: Error) => {
      connectRetries++;
      if (err.message === 'unauthenticated' || err.message === 'bad_origin') {
        clearTimeout(timer);
        s.off('connect', ok);
        s.off('connect_error', failed);
        reject(err);
      }
    };
    s.once('connect', ok);
    s.on('connect_error', failed);
  });
}
let connectRetries = 0;

// ---------- what each bot records ----------

/**
 * One client's view of the tally: only the receipts that raised the turnout it has seen, so
 * "the first time it saw turnout >= A" is the first entry with turnout >= A.
 */
class Seen {
  times: number[] = [];
  turnouts: number[] = [];
  max = 0;
  record(turnout: number, at: number): void {
    if (turnout > this.max) {
      this.max = turnout;
      this.times.push(at);
      this.turnouts.push(turnout);
    }
  }
  reset(): void {
    this.times = [];
    this.turnouts = [];
    this.max = 0;
  }
}

interface Ballots {
  sentAt: Float64Array;
  ackAt: Float64Array;
  /** 1-based position among ok acks, in the order they arrived; 0 = not acked ok. */
  okSeq: Int32Array;
  okCount: number;
  acked: number;
  errors: Map<string, number>;
}

function newBallots(v: number): Ballots {
  return { sentAt: new Float64Array(v).fill(NaN), ackAt: new Float64Array(v).fill(NaN), okSeq: new Int32Array(v), okCount: 0, acked: 0, errors: new Map() };
}

/**
 * Sends V ballots at a steady rate over durationMs: ballot i from client i mod N.
 * `send(i, done)` emits and calls done(ok, code) from the ack.
 */
async function castSteadily(
  v: number,
  durationMs: number,
  b: Ballots,
  send: (i: number, done: (ok: boolean, code?: string) => void) => void,
): Promise<number> {
  const start = performance.now();
  const interval = v > 1 ? durationMs / (v - 1) : 0;
  let next = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      const due = Math.min(v, Math.floor((performance.now() - start) / (interval || 1)) + 1);
      while (next < due) {
        const i = next++;
        b.sentAt[i] = performance.now();
        send(i, (ok, code) => {
          if (!Number.isNaN(b.ackAt[i]!)) return; // one ack per ballot
          b.ackAt[i] = performance.now();
          b.acked++;
          if (ok) b.okSeq[i] = ++b.okCount;
          else b.errors.set(code ?? 'unknown', (b.errors.get(code ?? 'unknown') ?? 0) + 1);
        });
      }
      if (next < v) setTimeout(pump, 1);
      else resolve();
    };
    pump();
  });
  return performance.now() - start;
}

interface Measured {
  ackP50: number;
  ackP99: number;
  tallyP50: number;
  tallyP99: number;
  unseenBallots: number;
  unseenClients: number;
}

/** Ack and tally latencies, as defined at the top of this file. */
function measure(b: Ballots, clients: Seen[], timeoutMs: number): Measured {
  const acks: number[] = [];
  for (let i = 0; i < b.sentAt.length; i++) if (b.okSeq[i]! > 0) acks.push(b.ackAt[i]! - b.sentAt[i]!);

  const k = b.okCount;
  // seenBy[A] = the latest, over clients, of the first time each saw turnout >= A.
  const seenBy = new Float64Array(k + 1).fill(-Infinity);
  // missing[A] = how many clients never saw turnout >= A (difference array, then prefix sums).
  const missing = new Int32Array(k + 2);
  let unseenClients = 0;
  for (const c of clients) {
    let prev = 0;
    for (let j = 0; j < c.times.length && prev < k; j++) {
      const upTo = Math.min(c.turnouts[j]!, k);
      const at = c.times[j]!;
      for (let a = prev + 1; a <= upTo; a++) if (at > seenBy[a]!) seenBy[a] = at;
      prev = Math.max(prev, upTo);
    }
    if (prev < k) {
      missing[prev + 1]!++;
      unseenClients++;
    }
  }
  for (let a = 1; a <= k; a++) missing[a]! += missing[a - 1]!;

  const tally: number[] = [];
  let unseenBallots = 0;
  for (let i = 0; i < b.sentAt.length; i++) {
    const a = b.okSeq[i]!;
    if (a === 0) continue;
    if (missing[a]! > 0) {
      unseenBallots++;
      tally.push(timeoutMs);
    } else tally.push(Math.max(0, seenBy[a]! - b.sentAt[i]!));
  }
  return {
    ackP50: percentile(acks, 0.5),
    ackP99: percentile(acks, 0.99),
    tallyP50: percentile(tally, 0.5),
    tallyP99: percentile(tally, 0.99),
    unseenBallots,
    unseenClients,
  };
}

/** Waits for every ack (or the timeout), then for every client to see the final count. */
/**
 * `mayHold`: secret ballots are acked only once sealed with k-1 others (docs/ARCHITECTURE.md),
 * so up to k-1 per instance wait for the close; they are not counted as missing here.
 */
async function settle(b: Ballots, v: number, clients: Seen[], timeoutMs: number, what: string, mayHold = 0): Promise<void> {
  const ackDeadline = performance.now() + timeoutMs;
  while (b.acked < v - mayHold && performance.now() < ackDeadline) await sleep(20);
  if (b.acked < v - mayHold) log(`${what}: ${v - b.acked} ballots never acked within ${timeoutMs} ms`);
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const behind = clients.reduce((n, c) => n + (c.max >= b.okCount ? 0 : 1), 0);
    if (behind === 0) return;
    if (performance.now() > deadline) {
      log(`${what}: ${behind} clients never saw turnout ${b.okCount} within ${timeoutMs} ms`);
      return;
    }
    await sleep(20);
  }
}

function turnoutOf(view: PollsView, pollId: string): number | null {
  const p = view.polls.find((x) => x.poll.definition.id === pollId);
  return p ? p.tally.electorates.reduce((n, e) => n + e.turnout, 0) : null;
}

/** The same from the compact tallies view, which is what ballots set moving. */
function liveTurnoutOf(view: TalliesView, pollId: string): number | null {
  const t = view.tallies.find((x) => x.pollId === pollId);
  return t ? t.electorates.reduce((n, e) => n + e.online + e.inRoom, 0) : null;
}

// ---------- the Yishi run ----------

interface Cleanup {
  servers: ServerProcess[];
  redis?: TestRedis;
  db?: TestDatabase;
  dataDir?: string;
  anchor?: ChildProcess;
  sockets: Socket[];
}

async function runYishi(o: Options, cleanup: Cleanup) {
  // Thousands of simulated phones come from this one address: lift the per-address socket cap.
  const env: Record<string, string> = { AUTH_RATE_PER_MINUTE: '1000000', SOCKETS_PER_ADDRESS: '1000000', LOG_LEVEL: 'warn' };
  // For profiling the server, e.g. BENCH_SERVER_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof'.
  if (process.env.BENCH_SERVER_NODE_OPTIONS) env.NODE_OPTIONS = process.env.BENCH_SERVER_NODE_OPTIONS;
  if (o.instances === 1) {
    cleanup.dataDir = mkdtempSync(path.join(tmpdir(), 'yishi-bench-'));
    // Empty means unset (config.ts), whatever this shell exports.
    Object.assign(env, { DATA_DIR: cleanup.dataDir, DATABASE_URL: '', REDIS_URL: '' });
  } else {
    const [redis, db] = await Promise.all([startRedis(), createFreshDatabase()]);
    cleanup.redis = redis;
    cleanup.db = db;
    Object.assign(env, { DATABASE_URL: db.url, REDIS_URL: redis.url });
  }
  // One at a time: the first runs the migrations.
  for (let i = 0; i < o.instances; i++) cleanup.servers.push(await startServerProcess(env));
  const servers = cleanup.servers;
  log(`started ${servers.length} instance(s): ${servers.map((s) => `${s.url} pid ${s.proc.pid}`).join(', ')} (${o.instances === 1 ? 'PGlite' : 'PostgreSQL + Redis'})`);

  let peakRss = 0;
  const sampler = setInterval(() => {
    for (const s of servers) peakRss = Math.max(peakRss, rssMb(s.proc.pid));
  }, 200);

  // The setup link is printed right after "listening"; give the pipe a moment if needed.
  const setupUrl = await waitFor(
    () => servers[0]!.setupUrl ?? /setup link[^\n]*\n\s*(\S+)\n/.exec(servers[0]!.output())?.[1],
    5000,
    'the setup link',
  );
  const c = await setUpCouncil(servers[0]!.url, setupUrl);
  const meeting = await c.facilitator.ok('POST', '/api/meetings', { title: '投票压力测试', startsAt: '2026-12-01T19:00:00+08:00', mode: 'hybrid' });
  const meetingId: string = meeting.id;

  const fac = c.facilitator.socket() as YishiClientSocket;
  cleanup.sockets.push(fac as unknown as Socket);
  const facViews = trackViews(fac);
  await connected(fac);
  const fj = await emit(fac, 'meeting:join', { meetingId });
  if (!fj.ok) throw new Error(`facilitator meeting:join: ${JSON.stringify(fj)}`);
  applyViews(facViews, fj.data.views);
  const live = await emit(fac, 'meeting:transition', { meetingId, to: 'live' });
  if (!live.ok) throw new Error(`meeting:transition: ${JSON.stringify(live)}`);
  const created = await emit(fac, 'poll:create', {
    meetingId,
    title: '小区健身器材放在哪里',
    kind: 'single',
    options: ['东门', '西门', '中心花园', '北侧空地'],
    eligibility: 'everyone',
    secrecy: 'secret',
    results: 'live',
    rule: { quorum: { kind: 'none' }, threshold: null },
    residentAccess: 'open_unverified',
  });
  if (!created.ok) throw new Error(`poll:create: ${JSON.stringify(created)}`);
  const poll = created.data.poll;
  const pollId: string = poll.definition.id;
  const optionIds = poll.definition.kind === 'single' ? poll.definition.options.map((x) => x.id) : [];
  const opened = await emit(fac, 'poll:open', { pollId });
  if (!opened.ok) throw new Error(`poll:open: ${JSON.stringify(opened)}`);
  log(`council, live meeting ${meetingId} and open poll ${pollId} ready`);

  // --- N resident bots, through the real protocol ---
  const seen = Array.from({ length: o.clients }, () => new Seen());
  const bots: Socket[] = new Array(o.clients);
  let reconnects = 0;
  let joinRetries = 0;
  const joinStart = performance.now();
  await pool(
    o.clients,
    o.concurrency,
    async (i) => {
      const base = servers[i % servers.length]!.url;
      const api = new ApiClient(base);
      // A pooled keep-alive connection may be closed by the server just as a request goes out
      // ("fetch failed"); a browser retries that, and so do the bots. HTTP errors are not retried.
      for (let attempt = 1; ; attempt++) {
        try {
          await api.ok('POST', '/api/join', { code: meeting.joinCode, displayName: `居民${i + 1}` });
          break;
        } catch (err) {
          if (!(err instanceof TypeError) || attempt >= 5) throw err;
          joinRetries++;
          if (joinRetries <= 3) log(`  join retry: ${String((err as Error & { cause?: unknown }).cause ?? err)}`);
          await sleep(200 * attempt);
        }
      }
      const s = io(base, {
        transports: ['websocket'],
        forceNew: true,
        extraHeaders: { cookie: api.cookie, origin: base },
        reconnectionDelay: 100,
        reconnectionDelayMax: 500,
        timeout: 60_000,
      });
      bots[i] = s;
      cleanup.sockets.push(s);
      s.on('view', (v: ViewSnapshot) => {
        // A client sees a tally in either view (the web app shows the newer, see withLiveTallies).
        const t = v.kind === 'tallies' ? liveTurnoutOf(v.data, pollId) : v.kind === 'polls' ? turnoutOf(v.data, pollId) : null;
        if (t !== null) seen[i]!.record(t, performance.now());
      });
      await connectedWithin(s, 180_000);
      const r = await emit(s as YishiClientSocket, 'meeting:join', { meetingId });
      if (!r.ok) throw new Error(`bot ${i} meeting:join: ${JSON.stringify(r)}`);
      // After a reconnect the protocol says: join again (the views come with it).
      s.io.on('reconnect', () => {
        reconnects++;
        void emit(s as YishiClientSocket, 'meeting:join', { meetingId });
      });
    },
    (done) => log(`  ${done}/${o.clients} residents joined (${((performance.now() - joinStart) / 1000).toFixed(0)} s; connect retries ${connectRetries}, join retries ${joinRetries})`),
  );
  const joinMs = performance.now() - joinStart;
  log(`${o.clients} residents joined in ${(joinMs / 1000).toFixed(1)} s (${Math.round(o.clients / (joinMs / 1000))}/s)`);

  // Let the join storm settle: every instance's presence view counts everyone.
  await waitFor(() => viewOf(facViews, meetingId, 'presence')?.data.residents === o.clients, 60_000, 'presence to count every resident').catch(
    (err: Error) => log(`warning: ${err.message} (presence shows ${viewOf(facViews, meetingId, 'presence')?.data.residents})`),
  );
  await sleep(1000);
  for (const s of seen) s.reset();

  // --- V ballots ---
  const b = newBallots(o.ballots);
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const rssBefore = peakRss;
  log(`casting ${o.ballots} ballots over ~${o.durationMs} ms`);
  // Diagnostics: with test/load/cpu-profile.mjs preloaded, profile only the voting.
  const profile = () => process.env.BENCH_PROFILE_VOTES === '1' && servers.forEach((s) => s.proc.kill('SIGUSR2'));
  profile();
  const castMs = await castSteadily(o.ballots, o.durationMs, b, (i, done) => {
    const s = bots[i % o.clients]!;
    const choice = { kind: 'single', optionId: optionIds[Math.floor(Math.random() * optionIds.length)]! };
    s.emit('ballot:cast', { pollId, choice, idempotencyKey: randomUUID() }, (r: { ok: boolean; error?: { code: string } }) =>
      done(r.ok, r.ok ? undefined : r.error?.code),
    );
  });
  // k = 3 here (hasVotedThreshold of the small council): fewer than 3 per instance may be held.
  await settle(b, o.ballots, seen, o.timeoutMs, 'yishi', 2 * o.instances);
  if (b.acked < o.ballots) log(`yishi: ${o.ballots - b.acked} ballots held for company until close`);
  profile();
  lag.disable();
  const m = measure(b, seen, o.timeoutMs);
  log(
    `yishi: sent in ${castMs.toFixed(0)} ms; acked ${b.acked}, ok ${b.okCount}` +
      (b.errors.size ? `, errors ${JSON.stringify(Object.fromEntries(b.errors))}` : '') +
      `; ack p50 ${m.ackP50.toFixed(1)} p99 ${m.ackP99.toFixed(1)} ms; tally p50 ${m.tallyP50.toFixed(1)} p99 ${m.tallyP99.toFixed(1)} ms` +
      `; unseen ballots ${m.unseenBallots}, clients behind ${m.unseenClients}; reconnects ${reconnects}` +
      `; bench event-loop delay p99 ${(lag.percentile(99) / 1e6).toFixed(0)} ms max ${(lag.max / 1e6).toFixed(0)} ms; server RSS before ${rssBefore.toFixed(0)} MB`,
  );

  // --- count what was stored: close the poll through the protocol ---
  const closed = await emit(fac, 'poll:close', { pollId });
  if (!closed.ok) throw new Error(`poll:close: ${JSON.stringify(closed)}`);
  // The held ballots are sealed by the close and acked then.
  const heldDeadline = performance.now() + 5_000;
  while (b.acked < o.ballots && performance.now() < heldDeadline) await sleep(20);
  if (b.acked < o.ballots) log(`yishi: ${o.ballots - b.acked} ballots never acked, even after close`);
  const got = await emit(fac, 'view:get', { meetingId, kind: 'polls' });
  if (!got.ok || got.data.view.kind !== 'polls') throw new Error(`view:get: ${JSON.stringify(got)}`);
  const pv = got.data.view.data.polls.find((x) => x.poll.definition.id === pollId);
  if (!pv || pv.tally.state !== 'closed') throw new Error('the poll did not close');
  const closedTurnout = turnoutOf(got.data.view.data, pollId)!;
  let counted = closedTurnout;
  if (cleanup.db) {
    const client = new pg.Client({ connectionString: cleanup.db.url });
    await client.connect();
    try {
      const r = await client.query<{ n: string }>('SELECT count(*) AS n FROM final_ballots WHERE poll_id = $1', [pollId]);
      counted = Number(r.rows[0]!.n);
    } finally {
      await client.end();
    }
    if (counted !== closedTurnout) log(`warning: final_ballots has ${counted} rows, the closed tally says ${closedTurnout}`);
  }
  const voters = new Set<number>();
  for (let i = 0; i < o.ballots; i++) if (b.okSeq[i]! > 0) voters.add(i % o.clients);
  const lost = Math.max(0, b.okCount - counted);
  const duplicated = Math.max(0, counted - voters.size);
  log(`closed: counted ${counted} (${cleanup.db ? 'final_ballots rows' : 'closed tally turnout'}), acked ok ${b.okCount}, distinct voters ${voters.size}`);

  // --- down with Yishi before the anchor, so the machine is as idle as it was ---
  for (const s of [...bots, fac as unknown as Socket]) s?.disconnect();
  cleanup.sockets.length = 0;
  clearInterval(sampler);
  for (const s of servers) peakRss = Math.max(peakRss, rssMb(s.proc.pid));
  const codes = await Promise.all(servers.map((s) => s.stop()));
  cleanup.servers.length = 0;
  if (codes.some((c) => c !== 0)) log(`warning: server exit codes ${codes.join(', ')}`);
  if (cleanup.redis) await cleanup.redis.stop();
  if (cleanup.db) await cleanup.db.drop();
  cleanup.redis = undefined;
  cleanup.db = undefined;
  if (cleanup.dataDir) rmSync(cleanup.dataDir, { recursive: true, force: true });
  cleanup.dataDir = undefined;
  log(`yishi stopped; peak server RSS ${peakRss.toFixed(0)} MB`);

  return { m, lost, duplicated, peakRss };
}

// ---------- the anchor run ----------

async function runAnchor(o: Options, cleanup: Cleanup) {
  const port = await freePort();
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/load/anchor-server.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanup.anchor = proc;
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  await waitFor(
    () => {
      if (proc.exitCode !== null) throw new Error(`anchor exited early:\n${out}`);
      return out.includes('anchor listening');
    },
    30_000,
    'the anchor server',
  );
  const url = `http://127.0.0.1:${port}`;
  log(`anchor listening at ${url} (pid ${proc.pid})`);

  const seen = Array.from({ length: o.clients }, () => new Seen());
  const bots: Socket[] = new Array(o.clients);
  await pool(o.clients, o.concurrency, async (i) => {
    const s = io(url, { transports: ['websocket'], forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 500, timeout: 60_000 });
    bots[i] = s;
    cleanup.sockets.push(s);
    s.on('tally', (t: { version: number; turnout: number }) => seen[i]!.record(t.turnout, performance.now()));
    await connectedWithin(s, 180_000);
  });
  log(`${o.clients} anchor clients connected`);
  await sleep(1000);
  for (const s of seen) s.reset();

  const b = newBallots(o.ballots);
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(proc.pid))), 200);
  const castMs = await castSteadily(o.ballots, o.durationMs, b, (i, done) => {
    const option = Math.floor(Math.random() * 4);
    bots[i % o.clients]!.emit('vote', { option, idempotencyKey: randomUUID() }, (r: { ok: boolean }) => done(r.ok));
  });
  await settle(b, o.ballots, seen, o.timeoutMs, 'anchor');
  clearInterval(sampler);
  const m = measure(b, seen, o.timeoutMs);
  log(
    `anchor: sent in ${castMs.toFixed(0)} ms; acked ${b.acked}; ack p50 ${m.ackP50.toFixed(1)} p99 ${m.ackP99.toFixed(1)} ms; ` +
      `tally p50 ${m.tallyP50.toFixed(1)} p99 ${m.tallyP99.toFixed(1)} ms; unseen ballots ${m.unseenBallots}; anchor RSS ${peakRss.toFixed(0)} MB`,
  );

  for (const s of bots) s?.disconnect();
  cleanup.sockets.length = 0;
  proc.kill('SIGTERM');
  await exited;
  cleanup.anchor = undefined;
  return m;
}

// ---------- main ----------

async function cleanUp(c: Cleanup): Promise<void> {
  for (const s of c.sockets) s.disconnect();
  await Promise.allSettled(c.servers.map((s) => s.crash()));
  if (c.anchor && c.anchor.exitCode === null) c.anchor.kill('SIGKILL');
  await c.redis?.stop().catch(() => {});
  await c.db?.drop().catch(() => {});
  if (c.dataDir) rmSync(c.dataDir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const limit = openFilesLimit();
  const need = o.clients * 2 + 500;
  log(`clients ${o.clients}, ballots ${o.ballots}, instances ${o.instances}; open files limit ${limit ?? 'unknown'}`);
  if (limit !== null && limit < need) log(`warning: ulimit -n is ${limit}; ${o.clients} clients need about ${need}. Raise it (ulimit -n ${need * 2}).`);

  const cleanup: Cleanup = { servers: [], sockets: [] };
  const onSignal = () => void cleanUp(cleanup).finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const yishi = await runYishi(o, cleanup);
    const anchor = await runAnchor(o, cleanup);
    const result = {
      clients: o.clients,
      ballots: o.ballots,
      ackP50Ms: round1(yishi.m.ackP50),
      ackP99Ms: round1(yishi.m.ackP99),
      tallyP99Ms: round1(yishi.m.tallyP99),
      lost: yishi.lost,
      duplicated: yishi.duplicated,
      serverRssMb: Math.round(yishi.peakRss),
      anchorTallyP99Ms: round1(anchor.tallyP99),
      instances: o.instances,
    };
    log(`anchor ack p99 ${anchor.ackP99.toFixed(1)} ms; tally p99 ratio yishi/anchor ${(yishi.m.tallyP99 / anchor.tallyP99).toFixed(2)}`);
    process.stdout.write(JSON.stringify(result) + '\n');
  } catch (err) {
    log(`crashed: ${(err as Error).stack ?? String(err)}`);
    for (const s of cleanup.servers) log(`--- server output (last 3000 chars) ---\n${s.output().slice(-3000)}`);
    await cleanUp(cleanup);
    process.exit(1);
  }
  await cleanUp(cleanup);
  process.exit(0);
}

void main();
