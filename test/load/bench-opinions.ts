/**
 * Opinions benchmark (issue 11, "Benchmark"). From the repository root:
 *
 *   pnpm bench:opinions -- --viewers V --authors A --rate R [--instances 2] [--seconds 60]
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
 * Measures (this process's clock): ack = post sent -> ack; visible = post sent -> the last viewer
 * has it (by push, or by the catch-up a viewer makes on a gap); lost = acknowledged posts some
 * viewer never got (after a 10 s settle); duplicated = (viewer, post) pairs delivered as new more
 * than once; bytesPerViewerPerMin = the JSON bytes of the pushes a viewer received, per minute;
 * serverRssMb = the servers' peak VmRSS (sum over instances). The last stdout line is the JSON.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { io as connect, type Socket } from 'socket.io-client';
import { ApiClient, connected, emit, type YishiClientSocket } from '../support/client.ts';
import { setUpCouncil } from '../support/council.ts';
import { waitFor } from '../support/ports.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { startTwoInstances, type TwoInstances } from '../support/two-instances.ts';
import { now, percentile } from './bench-shared.ts';

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
const log = (s: string) => process.stderr.write(`[bench:opinions] ${s}\n`);

function rssMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** What one run measures; `seen` records, per post, how many viewers have it and when the last got it. */
interface Tracker {
  sent: Map<string, number>;
  acks: number[];
  firstSeen: Map<string, { n: number; last: number }>;
  duplicated: number;
  bytes: number;
}

function newTracker(): Tracker {
  return { sent: new Map(), acks: [], firstSeen: new Map(), duplicated: 0, bytes: 0 };
}

/**
 * A viewer received an entry (id at rev). The same change twice is a duplicate; a later rev of a
 * held opinion is an update (its seconds); the first sight of an opinion is its delivery.
 */
function seenBy(t: Tracker, viewer: Map<string, number>, id: string, rev: number, fromPush: boolean): void {
  const held = viewer.get(id);
  if (held !== undefined) {
    if (held >= rev && fromPush) t.duplicated++;
    else if (rev > held) viewer.set(id, rev);
    return;
  }
  viewer.set(id, rev);
  const s = t.firstSeen.get(id) ?? { n: 0, last: 0 };
  s.n++;
  s.last = now();
  t.firstSeen.set(id, s);
}

function summarise(t: Tracker, viewers: number) {
  const visible: number[] = [];
  let lost = 0;
  for (const [id, at] of t.sent) {
    const s = t.firstSeen.get(id);
    if (!s || s.n < viewers) lost++;
    else visible.push(s.last - at);
  }
  return {
    posts: t.sent.size,
    ackP99Ms: Math.round(percentile(t.acks, 0.99)),
    visibleP99Ms: Math.round(percentile(visible, 0.99)),
    lost,
    duplicated: t.duplicated,
    bytesPerViewerPerMin: Math.round(t.bytes / viewers / (SECONDS / 60)),
  };
}

/** Posts at R a second in total for SECONDS, round robin over the authors. */
async function drive(
  t: Tracker,
  post: (i: number, id: string, parent: string | null) => Promise<unknown>,
  second: (i: number, id: string) => Promise<unknown>,
) {
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
      post(author, id, parent).then((realId) => {
        const rid = (realId as string) ?? id;
        t.sent.set(rid, sentAt);
        t.acks.push(now() - sentAt);
        recent.push(rid);
        if (recent.length > 50) recent.shift();
      }),
    );
    if (recent.length > 0) inflight.push(second((author + 1) % A, recent[Math.floor(Math.random() * recent.length)]!).catch(() => undefined));
  }
  await Promise.all(inflight);
}

async function runYishi(): Promise<{ m: ReturnType<typeof summarise>; rss: number }> {
  const env = {
    AUTH_RATE_PER_MINUTE: '1000000',
    SOCKETS_PER_ADDRESS: '1000000',
    OPINION_POSTS_PER_MINUTE: '100000',
    OPINION_SECONDS_PER_MINUTE: '100000',
    LOG_LEVEL: 'warn',
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
    const t = newTracker();
    const join = async (i: number, name: string) => {
      const base = servers[i % servers.length]!.url;
      const api = new ApiClient(base);
      await api.ok('POST', '/api/join', { code: m.joinCode, displayName: name });
      const s = api.socket({ base, origin: base });
      sockets.push(s);
      await connected(s);
      const r = await emit(s, 'meeting:join', { meetingId: m.id });
      if (!r.ok) throw new Error(JSON.stringify(r));
      return s;
    };
    log(`joining ${V} viewers and ${A} authors on ${servers.length} instance(s)`);
    const viewers: YishiClientSocket[] = [];
    for (let i = 0; i < V; i += 100)
      viewers.push(...(await Promise.all(Array.from({ length: Math.min(100, V - i) }, (_, k) => join(i + k, `观众${i + k}`)))));
    const authors = await Promise.all(Array.from({ length: A }, (_, i) => join(i, `作者${i}`)));
    await Promise.all(
      viewers.map(async (s) => {
        const mine = new Map<string, number>();
        let cursor = 0;
        let catching = false;
        const catchUp = async () => {
          if (catching) return;
          catching = true;
          for (;;) {
            const r = await emit(s, 'opinions:since', { meetingId: m.id, itemId: null, after: cursor });
            if (!r.ok) break;
            for (const e of r.data.entries) seenBy(t, mine, e.id, e.rev, false);
            cursor = r.data.more ? r.data.entries.at(-1)!.rev : Math.max(cursor, r.data.cursor);
            if (!r.data.more) break;
          }
          catching = false;
        };
        s.on('opinions:entries', (p) => {
          t.bytes += Buffer.byteLength(JSON.stringify(p));
          if (p.to <= cursor) return;
          if (p.from > cursor) return void catchUp();
          for (const e of p.entries) seenBy(t, mine, e.id, e.rev, true);
          for (const c of p.counts) if (mine.has(c.id)) seenBy(t, mine, c.id, c.rev, true);
          cursor = p.to;
        });
        const r = await emit(s, 'opinions:follow', { meetingId: m.id, itemId: null });
        if (r.ok) cursor = r.data.cursor;
      }),
    );
    log(`posting ${R}/s for ${SECONDS} s`);
    await drive(
      t,
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
    await waitFor(() => [...t.sent.keys()].every((id) => (t.firstSeen.get(id)?.n ?? 0) >= V), 10_000, 'every viewer has every post').catch(
      () => undefined,
    );
    return { m: summarise(t, V), rss: Math.round(peak) };
  } finally {
    clearInterval(sampler);
    for (const s of sockets) s.close();
    if (two) await two.stop();
    else await servers[0]!.stop();
  }
}

async function runAnchor(): Promise<ReturnType<typeof summarise>> {
  const proc: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'test/load/anchor-opinions.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0' },
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += String(d)));
  const sockets: Socket[] = [];
  try {
    await waitFor(() => out.includes('anchor listening'), 20_000, 'the anchor');
    const url = `http://127.0.0.1:${/anchor listening (\d+)/.exec(out)![1]}`;
    const open = async () => {
      const s = connect(url, { transports: ['websocket'] });
      sockets.push(s);
      await new Promise<void>((r) => s.once('connect', () => r()));
      return s;
    };
    const t = newTracker();
    for (let i = 0; i < V; i += 200) {
      const batch = await Promise.all(Array.from({ length: Math.min(200, V - i) }, () => open()));
      for (const s of batch) {
        const mine = new Map<string, number>();
        s.on('entries', (p: { entries: { id: string; rev: number }[] }) => {
          t.bytes += Buffer.byteLength(JSON.stringify(p));
          for (const e of p.entries) seenBy(t, mine, e.id, e.rev, true);
        });
      }
    }
    const authors = await Promise.all(Array.from({ length: A }, () => open()));
    await drive(
      t,
      async (i, id) => {
        await authors[i]!.timeout(30_000).emitWithAck('post', { id, text: `意见 ${id}` });
        return id;
      },
      (i, id) => authors[i]!.timeout(30_000).emitWithAck('second', { id }),
    );
    await waitFor(() => [...t.sent.keys()].every((id) => (t.firstSeen.get(id)?.n ?? 0) >= V), 10_000, 'every viewer').catch(() => undefined);
    return summarise(t, V);
  } finally {
    for (const s of sockets) s.close();
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
  })}\n`,
);
process.exit(0);
