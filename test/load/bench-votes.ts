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
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { Socket } from 'socket.io-client';
import type { PollsView } from '@yishi/protocol';
import { connected, emit, trackViews, viewOf, type YishiClientSocket } from '../support/client.ts';
import { follow } from './follow.ts';
import { setUpCouncil } from '../support/council.ts';
import { freePort, waitFor } from '../support/ports.ts';
import { createFreshDatabase, type TestDatabase } from '../support/postgres.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { median, measure, now, type BallotRecord, type BotTarget, type Measured } from './bench-shared.ts';
import { Bots } from './bot-pool.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// ---------- options ----------

interface Options {
  clients: number;
  ballots: number;
  instances: 1 | 2;
  durationMs: number;
  concurrency: number;
  timeoutMs: number;
  /** Worker threads holding the clients. */
  botWorkers: number;
  /** Whole runs (Yishi, then the anchor); the printed figures are the medians. */
  runs: number;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { clients: 1000, ballots: 1000, instances: 1, durationMs: 1500, concurrency: 200, timeoutMs: 30_000, botWorkers: 2, runs: 1 };
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
      case '--bot-workers':
        o.botWorkers = Math.max(1, value());
        break;
      case '--runs':
        o.runs = Math.max(1, value());
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

const round1 = (x: number) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : -1);

function rssMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0; // the process is gone
  }
}

/**
 * CPU time a process has used (user + system, ms), from /proc: a figure the other work on a
 * shared machine changes far less than latencies, to compare Yishi's cost with the anchor's.
 */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
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

// ---------- the bots, in worker threads (bot-pool.ts) ----------

interface VoteRound {
  m: Measured;
  ballots: BallotRecord[];
  castMs: number;
  reconnects: number;
  benchLoopP99Ms: number;
  botLoopP99Ms: number;
  botLoopMaxMs: number;
}

/** Connects N clients to `target` through the workers. */
async function connectBots(bots: Bots, o: Options, target: BotTarget): Promise<void> {
  const start = performance.now();
  await bots.ask(
    (w) => ({
      type: 'connect',
      target,
      clients: Array.from({ length: o.clients }, (_, i) => i).filter((i) => i % bots.size === w),
      concurrency: Math.max(1, Math.ceil(o.concurrency / bots.size)),
    }),
    'connected',
  );
  const ms = performance.now() - start;
  log(`${o.clients} clients in ${(ms / 1000).toFixed(1)} s (${Math.round(o.clients / (ms / 1000))}/s) over ${bots.size} worker(s)`);
}

/**
 * Casts V ballots at a steady rate over durationMs (ballot i from client i mod N), waits for
 * every ack and for every client to see the final count, and measures.
 */
async function voteRound(bots: Bots, o: Options, what: string, mayHold = 0): Promise<VoteRound> {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const intervalMs = o.ballots > 1 ? o.durationMs / (o.ballots - 1) : 0;
  const startAt = now() + 200;
  const ballotsOf = (w: number) => Array.from({ length: o.ballots }, (_, i) => i).filter((i) => (i % o.clients) % bots.size === w);
  const done = await bots.ask(
    (w) => ({ type: 'cast', startAt, intervalMs, ballots: ballotsOf(w), clientCount: o.clients, timeoutMs: o.timeoutMs, mayHold }),
    'cast-done',
  );
  const ballots = done.flatMap((d) => d.ballots);
  const castMs = Math.max(...ballots.map((b) => b.sentAt)) - startAt;
  const okCount = ballots.filter((b) => b.ok).length;
  const unacked = ballots.filter((b) => Number.isNaN(b.ackAt)).length;
  if (unacked > mayHold) log(`${what}: ${unacked} ballots never acked within ${o.timeoutMs} ms`);
  else if (unacked > 0) log(`${what}: ${unacked} ballots held for company until close`);
  const turnout = await bots.ask(() => ({ type: 'await-turnout', target: okCount, deadline: now() + o.timeoutMs }), 'turnout');
  lag.disable();
  const behind = turnout.reduce((n, t) => n + t.behind, 0);
  if (behind > 0) log(`${what}: ${behind} clients never saw turnout ${okCount} within ${o.timeoutMs} ms`);
  const m = measure(
    ballots,
    turnout.flatMap((t) => t.seen),
    o.timeoutMs,
  );
  return {
    m,
    ballots,
    castMs,
    reconnects: turnout.reduce((n, t) => n + t.reconnects, 0),
    benchLoopP99Ms: lag.percentile(99) / 1e6,
    botLoopP99Ms: Math.max(...turnout.map((t) => t.loopDelayP99Ms)),
    botLoopMaxMs: Math.max(...turnout.map((t) => t.loopDelayMaxMs)),
  };
}

function describeRound(what: string, r: VoteRound): string {
  const { m } = r;
  return (
    `${what}: sent in ${r.castMs.toFixed(0)} ms; acked ${m.acked}, ok ${m.okCount}` +
    (Object.keys(m.errors).length ? `, errors ${JSON.stringify(m.errors)}` : '') +
    `; ack p50 ${m.ackP50.toFixed(1)} p99 ${m.ackP99.toFixed(1)} ms; tally p50 ${m.tallyP50.toFixed(1)} p99 ${m.tallyP99.toFixed(1)} ms` +
    `; unseen ballots ${m.unseenBallots}, clients behind ${m.unseenClients}; reconnects ${r.reconnects}` +
    `; event-loop delay p99: bench ${r.benchLoopP99Ms.toFixed(0)} ms, bots ${r.botLoopP99Ms.toFixed(0)} ms (max ${r.botLoopMaxMs.toFixed(0)})`
  );
}

function turnoutOf(view: PollsView, pollId: string): number | null {
  const p = view.polls.find((x) => x.poll.definition.id === pollId);
  return p ? p.tally.electorates.reduce((n, e) => n + e.turnout, 0) : null;
}

// ---------- the Yishi run ----------

interface Cleanup {
  servers: ServerProcess[];
  redis?: TestRedis;
  db?: TestDatabase;
  dataDir?: string;
  anchor?: ChildProcess;
  bots?: Bots;
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
  log(
    `started ${servers.length} instance(s): ${servers.map((s) => `${s.url} pid ${s.proc.pid}`).join(', ')} (${o.instances === 1 ? 'PGlite' : 'PostgreSQL + Redis'})`,
  );

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
  // Joined again at every reconnection (a busy server may drop every socket): see follow.ts.
  const facFollow = follow(fac, meetingId, facViews);
  await facFollow.ready();
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

  // --- N resident bots, through the real protocol, in the workers ---
  const bots = new Bots(o.botWorkers);
  cleanup.bots = bots;
  await connectBots(bots, o, {
    mode: 'yishi',
    servers: servers.map((x) => x.url),
    joinCode: meeting.joinCode,
    meetingId,
    pollId,
    optionIds,
  });

  // Let the join storm settle: every instance's presence view counts everyone.
  await waitFor(() => viewOf(facViews, meetingId, 'presence')?.data.residents === o.clients, 60_000, 'presence to count every resident').catch(
    (err: Error) => log(`warning: ${err.message} (presence shows ${viewOf(facViews, meetingId, 'presence')?.data.residents})`),
  );
  await sleep(1000);

  // --- V ballots ---
  const rssBefore = peakRss;
  log(`casting ${o.ballots} ballots over ~${o.durationMs} ms`);
  // Diagnostics: with test/load/cpu-profile.mjs preloaded, profile only the voting.
  const profile = () => process.env.BENCH_PROFILE_VOTES === '1' && servers.forEach((s) => s.proc.kill('SIGUSR2'));
  profile();
  const cpuBefore = servers.reduce((n, s) => n + cpuMs(s.proc.pid), 0);
  // A secret ballot is acked once sealed with k-1 others (k = 3 in this small council,
  // docs/ARCHITECTURE.md): fewer than k per instance may wait for the close.
  const round = await voteRound(bots, o, 'yishi', 2 * o.instances);
  profile();
  const cpu = servers.reduce((n, s) => n + cpuMs(s.proc.pid), 0) - cpuBefore;
  log(`${describeRound('yishi', round)}; server RSS before ${rssBefore.toFixed(0)} MB; server CPU ${cpu.toFixed(0)} ms`);

  // --- count what was stored: close the poll through the protocol ---
  await facFollow.ready();
  const closed = await emit(fac, 'poll:close', { pollId });
  if (!closed.ok) throw new Error(`poll:close: ${JSON.stringify(closed)}`);
  // The held ballots are sealed by the close and acked then: collect every ack as it stands now.
  const final = (await bots.ask(() => ({ type: 'collect', waitMs: 5_000 }), 'collected')).flatMap((c) => c.ballots);
  const finalOk = final.filter((b) => b.ok).length;
  if (final.some((b) => Number.isNaN(b.ackAt)))
    log(`yishi: ${final.filter((b) => Number.isNaN(b.ackAt)).length} ballots never acked, even after close`);
  await facFollow.ready();
  if (facFollow.reconnects > 0) log(`yishi: the facilitator's socket reconnected ${facFollow.reconnects} time(s)`);
  const got = await emit(fac, 'view:get', { meetingId, kind: 'polls' });
  if (!got.ok || got.data.view.kind !== 'polls') throw new Error(`view:get: ${JSON.stringify(got)}`);
  const pv = got.data.view.data.polls.find((x) => x.poll.definition.id === pollId);
  if (!pv || pv.tally.state !== 'closed') throw new Error('the poll did not close');
  const closedTurnout = turnoutOf(got.data.view.data, pollId)!;
  let counted = closedTurnout;
  if (cleanup.db) {
    const [row] = await cleanup.db.sql('SELECT count(*)::int AS n FROM final_ballots WHERE poll_id = $1', [pollId]);
    counted = row.n as number;
    if (counted !== closedTurnout) log(`warning: final_ballots has ${counted} rows, the closed tally says ${closedTurnout}`);
  }
  const voters = new Set<number>();
  for (const b of final) if (b.ok) voters.add(b.i % o.clients);
  const lost = Math.max(0, finalOk - counted);
  const duplicated = Math.max(0, counted - voters.size);
  log(
    `closed: counted ${counted} (${cleanup.db ? 'final_ballots rows' : 'closed tally turnout'}), acked ok ${finalOk}, distinct voters ${voters.size}`,
  );

  // --- down with Yishi before the anchor, so the machine is as idle as it was ---
  await bots.stop();
  cleanup.bots = undefined;
  fac.disconnect();
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

  return { round, lost, duplicated, peakRss };
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

  const bots = new Bots(o.botWorkers);
  cleanup.bots = bots;
  await connectBots(bots, o, { mode: 'anchor', url });
  await sleep(1000);

  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(proc.pid))), 200);
  const cpuBefore = cpuMs(proc.pid);
  const round = await voteRound(bots, o, 'anchor');
  clearInterval(sampler);
  log(`${describeRound('anchor', round)}; anchor RSS ${peakRss.toFixed(0)} MB; anchor CPU ${(cpuMs(proc.pid) - cpuBefore).toFixed(0)} ms`);

  await bots.stop();
  cleanup.bots = undefined;
  proc.kill('SIGTERM');
  await exited;
  cleanup.anchor = undefined;
  return round;
}

// ---------- main ----------

interface RunResult {
  ackP50Ms: number;
  ackP99Ms: number;
  tallyP99Ms: number;
  lost: number;
  duplicated: number;
  serverRssMb: number;
  anchorTallyP99Ms: number;
  ratio: number;
  benchLoopDelayP99Ms: number;
  botLoopDelayP99Ms: number;
}

async function cleanUp(c: Cleanup): Promise<void> {
  for (const s of c.sockets) s.disconnect();
  await c.bots?.stop().catch(() => {});
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
  if (limit !== null && limit < need)
    log(`warning: ulimit -n is ${limit}; ${o.clients} clients need about ${need}. Raise it (ulimit -n ${need * 2}).`);

  const cleanup: Cleanup = { servers: [], sockets: [] };
  const onSignal = () => void cleanUp(cleanup).finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const runs: RunResult[] = [];
    for (let r = 1; r <= o.runs; r++) {
      if (o.runs > 1) log(`--- run ${r} of ${o.runs} ---`);
      const yishi = await runYishi(o, cleanup);
      const anchor = await runAnchor(o, cleanup);
      const run: RunResult = {
        ackP50Ms: yishi.round.m.ackP50,
        ackP99Ms: yishi.round.m.ackP99,
        tallyP99Ms: yishi.round.m.tallyP99,
        lost: yishi.lost,
        duplicated: yishi.duplicated,
        serverRssMb: yishi.peakRss,
        anchorTallyP99Ms: anchor.m.tallyP99,
        ratio: yishi.round.m.tallyP99 / anchor.m.tallyP99,
        benchLoopDelayP99Ms: Math.max(yishi.round.benchLoopP99Ms, anchor.benchLoopP99Ms),
        botLoopDelayP99Ms: Math.max(yishi.round.botLoopP99Ms, anchor.botLoopP99Ms),
      };
      runs.push(run);
      log(`run ${r}: ${JSON.stringify(Object.fromEntries(Object.entries(run).map(([k, v]) => [k, round1(v)])))}`);
    }
    // The median of each figure (lost and duplicated: the worst run, never hidden by a median).
    const med = (k: keyof RunResult) => round1(median(runs.map((x) => x[k])));
    const result = {
      clients: o.clients,
      ballots: o.ballots,
      ackP50Ms: med('ackP50Ms'),
      ackP99Ms: med('ackP99Ms'),
      tallyP99Ms: med('tallyP99Ms'),
      lost: Math.max(...runs.map((x) => x.lost)),
      duplicated: Math.max(...runs.map((x) => x.duplicated)),
      serverRssMb: Math.round(median(runs.map((x) => x.serverRssMb))),
      anchorTallyP99Ms: med('anchorTallyP99Ms'),
      instances: o.instances,
      tallyRatio: Math.round(median(runs.map((x) => x.ratio)) * 100) / 100,
      benchLoopDelayP99Ms: med('benchLoopDelayP99Ms'),
      botLoopDelayP99Ms: med('botLoopDelayP99Ms'),
      runs: o.runs,
    };
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
