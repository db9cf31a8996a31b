/**
 * Agenda benchmark (issue 10, "Benchmark"). From the repository root:
 *
 *   pnpm bench:agenda -- --editors E --viewers V [--instances 2] [--runs 1] [--seconds 30] [--cps 5] [--bot-workers 2] [--bot-processes 1] [--storing-anchor 1]
 *
 * Starts Yishi as separate server processes (the embedded default on a fresh PGlite folder, or
 * two instances sharing a private Redis and a fresh PostgreSQL database), sets up a council with
 * E secretaries (editors, each with a session of their own) and a meeting whose agenda has E
 * items, connects E stock y-websocket providers (spread over the instances), and has editor i type
 * into item i's title at `cps` characters a second for `seconds`. Then the same E editors do the
 * same against the stock @y/websocket-server in its own process (test/load/anchor-yjs-server.mjs:
 * no auth, no validation, no storage): the floor for this machine. Then, unless `--storing-anchor 0`,
 * the same against the stock server with the durable write the issue requires added
 * (test/load/anchor-yjs-server.mjs --store: each update appended to PGlite before the stock server
 * relays it): what storing alone costs on this machine, beside what the rest of Yishi costs.
 *
 * Measures (this process's clock):
 *  - editP50Ms / editP95Ms: from a keystroke's send until every other editor has it;
 *  - diverged: editors whose final document differs from what a fresh connection gets from the server;
 *  - lost: keystrokes missing from the document rebuilt from the database after the servers stop;
 *  - docBytes: that document's encoded size; serverRssMb: the servers' peak VmRSS (max over instances);
 *  - viewerP95Ms: from a keystroke's send until every viewer's `agenda` live view includes it. The
 *    V viewers are residents joined with the meeting's code over Socket.IO (spread over the
 *    instances), held in bot workers (bench-bots.ts via bot-pool.ts), child processes unless
 *    `--bot-processes 0` (then threads of this process), so that parsing their views does not
 *    load the measuring thread, and at a lower scheduling priority (nice 10), so that 2,000
 *    simulated phones sharing the 2 cores do not preempt the servers and editors being measured
 *    (measured: edit p95 38-52 ms before, 21-28 ms after; the servers do the same work); a
 *    viewer has keystroke k of editor i once item i's title in its view is editor i's marker
 *    sequence (typedText) at least k + 1 characters long.
 *    Keystrokes some viewer never saw within 30 s after the typing count as 30 s (and are logged).
 *
 * Also logged (stderr), for the Yishi and the anchor runs alike: editP50/95/99 to 0.1 ms and the
 * time to the first other editor (the server's share: the rest is spread over the receivers), this thread's event-loop delay
 * while typing (the anchor has no viewers: a difference is the bench's own, counted in editP) and
 * the servers' CPU time while typing (work, which a busy machine does not inflate as it does latencies).
 *
 * `--runs N`: N whole runs (Yishi, then the anchor), each logged to stderr with its ratio; the
 * JSON then holds the medians (diverged and lost: the worst run, never hidden by a median), and
 * `editRatio` (the median of the runs' editP95 / anchorEditP95, from the unrounded percentiles) and `runs` at its end, then
 * `storingAnchorEditP95Ms` and `storingRatio` (the same against the storing anchor). On this
 * 2-core machine one run's edit p95 moves by half from one run to the next (17-30 ms for the same
 * code within an hour), so a single run says little about a change.
 *
 * Progress goes to stderr; the last line on stdout is one JSON object.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { agendaRoom } from '@yishi/protocol';
import { ApiClient, connected, emit, type YishiClientSocket } from '../support/client.ts';
import { setUpCouncil } from '../support/council.ts';
import { waitFor } from '../support/ports.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { startTwoInstances, type TwoInstances } from '../support/two-instances.ts';
import { agendaItem, synced, yjsProvider } from '../support/yjs.ts';
import { median, now, percentile, viewerLatencies } from './bench-shared.ts';
import { Bots } from './bot-pool.ts';
import { follow } from './follow.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const log = (...a: unknown[]) => console.error(new Date().toISOString(), ...a);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Options {
  editors: number;
  viewers: number;
  instances: 1 | 2;
  seconds: number;
  cps: number;
  botWorkers: number;
  /** Seconds between the last viewer's join and the typing (the joins' own pushes settle meanwhile). */
  settle: number;
  /** Bot workers as processes (1, the default) or as threads of this process (0). */
  botProcesses: boolean;
  /** Whole runs (Yishi, then the anchor); the printed figures are the medians. */
  runs: number;
  /** Also measure the storing anchor (anchor-yjs-server.mjs --store) after the anchor, each run. */
  storingAnchor: boolean;
}

function parseOptions(argv: string[]): Options {
  const args = argv.filter((a) => a !== '--');
  const get = (name: string, def: number) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : def;
  };
  const o = {
    editors: get('editors', 20),
    viewers: get('viewers', 0),
    instances: get('instances', 1) === 2 ? 2 : 1,
    seconds: get('seconds', 30),
    cps: get('cps', 5),
    botWorkers: get('bot-workers', 2),
    botProcesses: get('bot-processes', 1) !== 0,
    settle: get('settle', 1),
    runs: Math.max(1, Math.floor(get('runs', 1))),
    storingAnchor: get('storing-anchor', 1) !== 0,
  } as Options;
  if (!(o.editors >= 2) || !(o.seconds > 0) || !(o.cps > 0))
    throw new Error('usage: --editors E (>= 2) --viewers V [--instances 2] [--runs 1] [--seconds 30] [--cps 5] [--bot-workers 2]');
  return o;
}

function rssMb(pid: number | undefined): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** A process's CPU time so far (user + system, ms), or 0 when it cannot be read. */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime, the 14th and 15th fields of stat (the 12th and 13th after the name), in ticks of 10 ms.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

interface Typed {
  /** Per editor, the send time of each keystroke (index = position in its title). */
  sent: number[][];
  /** Per keystroke (editor, index), the latest arrival among the other editors, or NaN. */
  latencies: number[];
  missing: number;
  /** This (measuring) thread's event-loop delay while typing: what of editP is the bench's own lag. */
  loopP95Ms: number;
  loopP99Ms: number;
  loopMaxMs: number;
}

/**
 * E editors typing into their own item, each observing all the others. `docs[i]` has item i at
 * index i. Returns the keystroke times and latencies.
 */
async function typeAll(docs: Y.Doc[], o: Options): Promise<Typed> {
  const E = docs.length;
  const sent: number[][] = docs.map(() => []);
  // arrivals[i][k] = per other editor, when it saw keystroke k of editor i.
  const arrivals: number[][][] = docs.map(() => []);
  const known: number[][] = docs.map(() => docs.map(() => 0));
  const titles = docs.map((d) => d.getArray<Y.Map<unknown>>('items').map((m) => m.get('title') as Y.Text));
  docs.forEach((doc, j) => {
    doc.on('afterTransaction', () => {
      const t = now();
      for (let i = 0; i < E; i++) {
        if (i === j) continue;
        const len = titles[j]![i]!.length;
        for (let k = known[j]![i]!; k < len; k++) (arrivals[i]![k] ??= []).push(t);
        known[j]![i] = Math.max(known[j]![i]!, len);
      }
    });
  });
  const interval = 1000 / o.cps;
  const end = now() + o.seconds * 1000;
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  await Promise.all(
    docs.map(async (_doc, i) => {
      await sleep(Math.random() * interval);
      for (let k = 0; now() < end; k++) {
        const t = titles[i]![i]!;
        sent[i]!.push(now());
        // Editor i's marker sequence (typedText): what the viewers match in their views.
        t.insert(t.length, String.fromCharCode(97 + ((i + k) % 26)));
        await sleep(interval);
      }
    }),
  );
  lag.disable();
  // Let the last keystrokes arrive.
  const total = () => sent.reduce((n, s) => n + s.length, 0);
  const complete = () => arrivals.reduce((n, per, i) => n + per.slice(0, sent[i]!.length).filter((a) => a && a.length >= E - 1).length, 0);
  await waitFor(() => complete() === total(), 30_000, 'the last keystrokes to reach every editor').catch(() => {});
  const latencies: number[] = [];
  const firsts: number[] = [];
  let missing = 0;
  sent.forEach((times, i) =>
    times.forEach((s, k) => {
      const a = arrivals[i]![k];
      if (!a || a.length < E - 1) missing++;
      else {
        latencies.push(Math.max(...a) - s);
        firsts.push(Math.min(...a) - s);
      }
    }),
  );
  const ms = (ns: number) => Math.round(ns / 1e5) / 10;
  // To 0.1 ms, for the log: the figures in the JSON are whole ms, coarse beside a floor of 1-2 ms.
  const fine = (xs: number[], p: number) => Math.round(percentile(xs, p) * 10) / 10;
  log(
    `  keystroke to every other editor: p50 ${fine(latencies, 0.5)} ms, p95 ${fine(latencies, 0.95)} ms, p99 ${fine(latencies, 0.99)} ms; ` +
      `to the first of them: p50 ${fine(firsts, 0.5)} ms, p95 ${fine(firsts, 0.95)} ms`,
  );
  return { sent, latencies, missing, loopP95Ms: ms(lag.percentile(95)), loopP99Ms: ms(lag.percentile(99)), loopMaxMs: ms(lag.max) };
}

const itemsJson = (d: Y.Doc) => JSON.stringify(d.getArray('items').toJSON());

async function benchYishi(o: Options) {
  let two: TwoInstances | null = null;
  let one: ServerProcess | null = null;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'yishi-bench-agenda-'));
  // Thousands of simulated phones come from this one address: lift the per-address caps.
  const env: Record<string, string> = { AUTH_RATE_PER_MINUTE: '1000000', SOCKETS_PER_ADDRESS: '1000000', LOG_LEVEL: 'warn' };
  // For profiling the servers: BENCH_SERVER_NODE_OPTIONS="--import $PWD/test/load/cpu-profile.mjs"
  // with CPU_PROFILE_ON_SIGNAL=1 and BENCH_PROFILE_AGENDA=1 profiles the typing only.
  if (process.env.BENCH_SERVER_NODE_OPTIONS) env.NODE_OPTIONS = process.env.BENCH_SERVER_NODE_OPTIONS;
  if (o.instances === 2) two = await startTwoInstances(env);
  else one = await startServerProcess({ ...env, DATA_DIR: dataDir });
  const servers = two ? [two.a, two.b] : [one!];
  const base = servers[0]!;
  let bots: Bots | null = null;
  try {
    const setupUrl = base.setupUrl ?? (await waitFor(() => /setup link[^\n]*\n\s*(\S+)/.exec(base.output())?.[1], 10_000, 'the setup link'));
    const c = await setUpCouncil(base.url, setupUrl);
    const m = await c.facilitator.ok('POST', '/api/meetings', { title: '议程压测', startsAt: '2026-12-01T19:00:00+08:00', mode: 'hybrid' });
    const room = agendaRoom(m.id);
    log(`meeting ${m.id}; ${o.editors} editors on ${servers.length} instance(s)`);

    // E secretaries, each signed in once.
    const editors: ApiClient[] = [];
    for (let i = 0; i < o.editors; i++) {
      const made = await c.admin.ok('POST', '/api/council/members', { name: `记录员${i}`, groupId: c.council.groups[0].id, role: 'secretary' });
      const api = new ApiClient(base.url);
      await api.ok('POST', '/api/auth/link', { token: made.link.url.split('/signin/')[1] });
      editors.push(api);
    }
    // The agenda: one item per editor.
    const seed = yjsProvider(base.url, room, c.admin.cookie);
    await synced(seed);
    seed.doc.getArray('items').push(Array.from({ length: o.editors }, (_, i) => agendaItem(`item-${i}`, '')));
    const providers: WebsocketProvider[] = editors.map((api, i) => yjsProvider(servers[i % servers.length]!.url, room, api.cookie));
    await Promise.all(providers.map((p) => synced(p, 30_000)));
    await waitFor(() => providers.every((p) => p.doc.getArray('items').length === o.editors), 30_000, 'every editor to have the agenda');
    seed.destroy();

    // V residents following the meeting (the agenda view among the others), in the bot workers.
    if (o.viewers > 0) {
      const fac = c.facilitator.socket() as YishiClientSocket;
      await connected(fac);
      await follow(fac, m.id).ready();
      const live = await emit(fac, 'meeting:transition', { meetingId: m.id, to: 'live' });
      if (!live.ok) throw new Error(`meeting:transition: ${JSON.stringify(live)}`);
      fac.disconnect();
      // At nice 10: the phones' simulation takes the CPU the servers and the editors leave (see bot-pool.ts).
      bots = new Bots(o.botWorkers, { processes: o.botProcesses, nice: 10 });
      const started = now();
      const items = Array.from({ length: o.editors }, (_, i) => `item-${i}`);
      await bots.ask(
        (w) => ({
          type: 'connect',
          target: { mode: 'agenda', servers: servers.map((x) => x.url), joinCode: m.joinCode, meetingId: m.id, items },
          clients: Array.from({ length: o.viewers }, (_, i) => i).filter((i) => i % bots!.size === w),
          concurrency: Math.max(1, Math.ceil(200 / bots!.size)),
        }),
        'connected',
      );
      log(`${o.viewers} viewers joined in ${((now() - started) / 1000).toFixed(1)} s over ${bots.size} worker(s)`);
      await sleep(o.settle * 1000);
    }

    let rss = 0;
    const sampler = setInterval(() => (rss = Math.max(rss, ...servers.map((s) => rssMb(s.proc.pid)))), 200);
    log(`typing for ${o.seconds} s at ${o.cps} characters a second each`);
    const profile = () => process.env.BENCH_PROFILE_AGENDA === '1' && servers.forEach((s) => s.proc.kill('SIGUSR2'));
    profile();
    const cpuBefore = servers.map((s) => cpuMs(s.proc.pid));
    const typed = await typeAll(
      providers.map((p) => p.doc),
      o,
    );
    profile();
    // Work, not time: the servers' CPU while typing, which a busy machine does not inflate as it does latencies.
    log(
      `server CPU while typing: ${servers.map((s, i) => `${((cpuMs(s.proc.pid) - cpuBefore[i]!) / 1000).toFixed(1)} s`).join(', ')} (of ${o.seconds} s and then some)`,
    );
    log(`bench loop delay while typing: p95 ${typed.loopP95Ms} ms, p99 ${typed.loopP99Ms} ms, max ${typed.loopMaxMs} ms`);
    let viewer: { p95: number; unseen: number } | null = null;
    if (bots) {
      const lengths = typed.sent.map((t) => t.length);
      const replies = await bots.ask(() => ({ type: 'await-agenda', lengths, deadline: now() + 30_000 }), 'agenda');
      const v = viewerLatencies(
        typed.sent,
        replies.map((r) => r.seen),
        o.viewers,
      );
      // Unseen keystrokes count as the whole wait, so that a stuck viewer cannot improve the figure.
      const all = [...v.latencies, ...Array.from({ length: v.unseen }, () => 30_000)];
      viewer = { p95: Math.round(percentile(all, 0.95)), unseen: v.unseen };
      log(
        `viewers: p50 ${Math.round(percentile(all, 0.5))} ms, p95 ${viewer.p95} ms; ${v.unseen} keystrokes some viewer never saw; ` +
          `${replies.reduce((n, r) => n + r.behind, 0)} viewers behind; mismatched titles ${replies.reduce((n, r) => n + r.seen.mismatched, 0)}; ` +
          `reconnects ${replies.reduce((n, r) => n + r.reconnects, 0)}; bot loop delay p99 ${Math.max(...replies.map((r) => r.loopDelayP99Ms)).toFixed(0)} ms`,
      );
      await bots.stop();
      bots = null;
    }
    clearInterval(sampler);

    // What a fresh connection gets is the server's document.
    const fresh = yjsProvider(base.url, room, c.admin.cookie);
    await synced(fresh);
    await sleep(500);
    const serverJson = itemsJson(fresh.doc);
    const diverged = providers.filter((p) => itemsJson(p.doc) !== serverJson).length;
    fresh.destroy();
    for (const p of providers) p.destroy();

    // Rebuilt from the database once the servers are stopped.
    const rebuilt = new Y.Doc();
    if (two) {
      const rows = await two.db.sql('SELECT snapshot FROM yjs_docs WHERE room = $1 AND snapshot IS NOT NULL', [room]);
      for (const r of rows) Y.applyUpdate(rebuilt, r.snapshot);
      for (const r of await two.db.sql('SELECT "update" FROM yjs_updates WHERE room = $1 ORDER BY seq', [room])) Y.applyUpdate(rebuilt, r.update);
    } else {
      await one!.stop();
      const { openDatabase } = await import('../../server/src/storage/database.ts');
      const { createStore } = await import('../../server/src/storage/store.ts');
      const { createLogger } = await import('../../server/src/log.ts');
      const store = createStore(await openDatabase({ DATA_DIR: dataDir, DATABASE_URL: undefined }, createLogger('error')));
      const stored = await store.yjs.load(room);
      if (stored.snapshot) Y.applyUpdate(rebuilt, stored.snapshot.state);
      for (const u of stored.updates) Y.applyUpdate(rebuilt, u.update);
      await store.close();
    }
    const dbTitles = rebuilt.getArray<Y.Map<unknown>>('items').map((it) => (it.get('title') as Y.Text).toString());
    const lost = typed.sent.reduce((n, s, i) => n + Math.max(0, s.length - (dbTitles[i]?.length ?? 0)), 0);
    const p95 = percentile(typed.latencies, 0.95);
    return {
      updates: typed.sent.reduce((n, s) => n + s.length, 0),
      editP50Ms: Math.round(percentile(typed.latencies, 0.5)),
      editP95Ms: Math.round(p95),
      // Unrounded, for the ratios: 7.5 / 4.0 is 1.88, not 8 / 4.
      editP95Exact: p95,
      viewerP95Ms: viewer?.p95 ?? null,
      viewerUnseen: viewer?.unseen ?? null,
      undelivered: typed.missing,
      diverged,
      lost,
      docBytes: Y.encodeStateAsUpdate(rebuilt).length,
      serverRssMb: Math.round(rss),
    };
  } finally {
    await bots?.stop().catch(() => {});
    await two?.stop();
    await one?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The same editors against a floor server in its own process: `anchor-yjs-server.mjs` (the stock
 * server, the issue's anchor) or, with `storing`, the same with `--store` (each update stored in
 * PGlite before the stock server relays it: the durable write the issue requires).
 */
async function benchAnchor(o: Options, storing = false) {
  const name = storing ? 'storing anchor' : 'anchor';
  const proc = spawn(process.execPath, ['test/load/anchor-yjs-server.mjs', ...(storing ? ['--store'] : [])], {
    cwd: path.join(ROOT),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const port = Number(await waitFor(() => /listening (\d+)/.exec(out)?.[1], 60_000, `the ${name} server`));
    const url = `http://127.0.0.1:${port}`;
    const room = `anchor-${Date.now()}`;
    const seed = yjsProvider(url, room, '');
    await synced(seed);
    seed.doc.getArray('items').push(Array.from({ length: o.editors }, (_, i) => agendaItem(`item-${i}`, '')));
    const providers = Array.from({ length: o.editors }, () => yjsProvider(url, room, ''));
    await Promise.all(providers.map((p) => synced(p, 30_000)));
    await waitFor(() => providers.every((p) => p.doc.getArray('items').length === o.editors), 30_000, 'every anchor editor to have the agenda');
    seed.destroy();
    log(`${name}: typing for ${o.seconds} s`);
    const cpuBefore = cpuMs(proc.pid);
    const typed = await typeAll(
      providers.map((p) => p.doc),
      o,
    );
    log(`${name}: server CPU while typing: ${((cpuMs(proc.pid) - cpuBefore) / 1000).toFixed(1)} s`);
    for (const p of providers) p.destroy();
    log(`${name}: bench loop delay while typing: p95 ${typed.loopP95Ms} ms, p99 ${typed.loopP99Ms} ms, max ${typed.loopMaxMs} ms`);
    const p95 = percentile(typed.latencies, 0.95);
    return { anchorEditP50Ms: Math.round(percentile(typed.latencies, 0.5)), anchorEditP95Ms: Math.round(p95), anchorEditP95Exact: p95 };
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => (proc.exitCode !== null ? r(null) : proc.once('exit', r)));
  }
}

async function main() {
  const o = parseOptions(process.argv.slice(2));
  type Anchor = Awaited<ReturnType<typeof benchAnchor>>;
  const runs: { yishi: Awaited<ReturnType<typeof benchYishi>>; anchor: Anchor; storing: Anchor | null }[] = [];
  for (let r = 1; r <= o.runs; r++) {
    if (o.runs > 1) log(`--- run ${r} of ${o.runs} ---`);
    const yishi = await benchYishi(o);
    log('yishi', yishi);
    const anchor = await benchAnchor(o);
    log('anchor', anchor);
    const storing = o.storingAnchor ? await benchAnchor(o, true) : null;
    if (storing) log('storing anchor', storing);
    runs.push({ yishi, anchor, storing });
    if (o.runs > 1)
      log(
        `run ${r}: editP95 ${yishi.editP95Ms} ms, anchor ${anchor.anchorEditP95Ms} ms, ratio ${ratioOf(yishi.editP95Exact, anchor.anchorEditP95Exact)}` +
          (storing ? `; storing anchor ${storing.anchorEditP95Ms} ms, ratio ${ratioOf(yishi.editP95Exact, storing.anchorEditP95Exact)}` : ''),
      );
  }
  const med = (f: (x: (typeof runs)[number]) => number | null) => {
    const values = runs.map(f).filter((v): v is number => v !== null);
    return values.length ? Math.round(median(values)) : null;
  };
  const worst = (f: (x: (typeof runs)[number]) => number) => Math.max(...runs.map(f));
  const result = {
    editors: o.editors,
    viewers: o.viewers,
    updates: med((x) => x.yishi.updates),
    editP50Ms: med((x) => x.yishi.editP50Ms),
    editP95Ms: med((x) => x.yishi.editP95Ms),
    viewerP95Ms: med((x) => x.yishi.viewerP95Ms),
    diverged: worst((x) => x.yishi.diverged),
    lost: worst((x) => x.yishi.lost),
    docBytes: med((x) => x.yishi.docBytes),
    serverRssMb: med((x) => x.yishi.serverRssMb),
    anchorEditP95Ms: med((x) => x.anchor.anchorEditP95Ms),
    // Added after the issue's names: the median of the runs' own ratios, and how many runs.
    editRatio: median(runs.map((x) => ratioOf(x.yishi.editP95Exact, x.anchor.anchorEditP95Exact))),
    runs: o.runs,
    // The storing anchor's (see benchAnchor), when measured: the floor with the durable write.
    ...(o.storingAnchor
      ? {
          storingAnchorEditP95Ms: med((x) => x.storing!.anchorEditP95Ms),
          storingRatio: median(runs.map((x) => ratioOf(x.yishi.editP95Exact, x.storing!.anchorEditP95Exact))),
        }
      : {}),
  };
  console.log(JSON.stringify(result));
  process.exit(0);
}

/** From the unrounded percentiles (the JSON's figures are whole ms, coarse beside a floor of 2-6 ms). */
const ratioOf = (ms: number, anchorMs: number) => Math.round((ms / Math.max(0.1, anchorMs)) * 100) / 100;

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
