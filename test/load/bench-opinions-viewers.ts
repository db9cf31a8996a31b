/**
 * A viewer worker for bench-opinions.ts: holds a share of the viewers (residents following one
 * thread of Yishi, or clients of the anchor) and records, per opinion, how many of its viewers
 * have it and when the last of them got it. Parsing 5,000 viewers' pushes happens here, off the
 * measuring thread, which only posts and reads acks: with the viewers on it, its own lag was
 * counted as the server's.
 *
 * A Yishi viewer follows the thread as the web app does (web/src/lib/components/opinions/
 * thread.svelte.ts, with the domain's rules in packages/domain/src/opinions/thread.ts): a push
 * applies when `from <= cursor < to`, a gap is caught up with `opinions:since`, and after a
 * reconnect it joins again and follows with `after: cursor`.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { io, type Socket } from 'socket.io-client';
import { handshakeAuth } from '@yishi/protocol/constants';
import { ApiClient, emit, type YishiClientSocket } from '../support/client.ts';
import { now } from './bench-shared.ts';

export type ViewerTarget = { mode: 'yishi'; servers: string[]; joinCode: string; meetingId: string } | { mode: 'anchor'; url: string };

export type ToViewers =
  | { type: 'connect'; target: ViewerTarget; clients: number[]; concurrency: number }
  /** The posting starts: lag and bytes are measured from here. */
  | { type: 'start' }
  /** Reply once every viewer here holds every one of `ids`, or at the deadline (epoch ms). */
  | { type: 'await'; ids: string[]; deadline: number }
  | { type: 'stop' };

export interface ViewersSeen {
  type: 'seen';
  /** Per opinion id: how many viewers here have it, and when the last of them got it. */
  seen: [id: string, n: number, last: number][];
  viewers: number;
  duplicated: number;
  bytes: number;
  reconnects: number;
  disconnects: Record<string, number>;
  /** Pushes that started after the viewer's cursor (each asks opinions:since). */
  gaps: number;
  /** Gap pushes that came while a catch-up was already running (the web app drops them too). */
  gapsWhileCatching: number;
  /** Live views pushed to the viewers here while posting, by kind (each costs the server a write per socket, as a push does). */
  views: Record<string, number>;
  pushes: number;
  /** Viewers here missing at least one of the awaited ids, and how many of those reconnected. */
  behind: number;
  behindReconnected: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

export type FromViewers =
  | { type: 'progress'; joined: number; connectRetries: number; joinRetries: number }
  | { type: 'connected'; reconnects: number }
  | { type: 'started' }
  | ViewersSeen
  | { type: 'error'; message: string };

const port = parentPort!;
const send = (m: FromViewers) => port.postMessage(m);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const lag = monitorEventLoopDelay({ resolution: 10 });

/** Opinion id -> a small index, so a viewer holds revs in an array rather than a map of strings. */
const index = new Map<string, number>();
const ids: string[] = [];
/** Per index: viewers here that have it, and when the last got it. */
const count: number[] = [];
const lastAt: number[] = [];

function indexOf(id: string): number {
  let i = index.get(id);
  if (i === undefined) {
    i = ids.length;
    index.set(id, i);
    ids.push(id);
    count.push(0);
    lastAt.push(0);
  }
  return i;
}

class Viewer {
  /** rev held per opinion index (0: not held). */
  revs = new Int32Array(256);
  cursor = 0;
  /** The highest `to` of any push (packages/domain thread.ts#ThreadState.heard). */
  heard = 0;
  reconnected = false;
  catching: Promise<void> | null = null;

  has(i: number): boolean {
    return i < this.revs.length && this.revs[i]! > 0;
  }

  /** The viewer got opinion `id` at `rev`: a push of a change it holds is a duplicate. */
  saw(id: string, rev: number, fromPush: boolean): void {
    const i = indexOf(id);
    if (i >= this.revs.length) {
      const grown = new Int32Array(Math.max(i + 1, this.revs.length * 2));
      grown.set(this.revs);
      this.revs = grown;
    }
    const held = this.revs[i]!;
    if (held > 0) {
      if (held >= rev && fromPush) stats.duplicated++;
      else if (rev > held) this.revs[i] = rev;
      return;
    }
    this.revs[i] = rev;
    count[i]!++;
    lastAt[i] = now();
  }
}

const viewers: Viewer[] = [];
const sockets: Socket[] = [];
const stats = { duplicated: 0, bytes: 0, reconnects: 0, gaps: 0, gapsWhileCatching: 0, connectRetries: 0, joinRetries: 0 };
const disconnects: Record<string, number> = {};
const views: Record<string, number> = {};
let pushes = 0;
/** The JSON size of each distinct push (every viewer of a room gets the same one): counted, not re-serialised per viewer. */
const pushBytes = new Map<string, number>();

function bytesOf(key: string, payload: unknown): number {
  let b = pushBytes.get(key);
  if (b === undefined) {
    b = Buffer.byteLength(JSON.stringify(payload));
    pushBytes.set(key, b);
    if (pushBytes.size > 10_000) pushBytes.delete(pushBytes.keys().next().value!);
  }
  return b;
}

/** Waits for a first connection; a connect_error under load is retried by the client itself. */
function connectedWithin(s: Socket, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (s.connected) return resolve();
    const timer = setTimeout(() => reject(new Error(`no connection within ${ms} ms`)), ms);
    s.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    s.on('connect_error', (err) => {
      stats.connectRetries++;
      if (err.message === 'unauthenticated' || err.message === 'bad_origin' || err.message.startsWith('too_many')) {
        clearTimeout(timer);
        reject(err);
      }
    });
  });
}

function watchDisconnects(s: Socket, v: Viewer): void {
  s.on('disconnect', (reason) => {
    disconnects[reason] = (disconnects[reason] ?? 0) + 1;
  });
  s.io.on('reconnect', () => {
    stats.reconnects++;
    v.reconnected = true;
  });
}

async function connectYishi(t: Extract<ViewerTarget, { mode: 'yishi' }>, n: number): Promise<void> {
  const base = t.servers[n % t.servers.length]!;
  const api = new ApiClient(base);
  // A keep-alive connection closed by a busy server as a request goes out ("fetch failed") is retried, as a browser does.
  for (let attempt = 1; ; attempt++) {
    try {
      await api.ok('POST', '/api/join', { code: t.joinCode, displayName: `观众${n}` });
      break;
    } catch (err) {
      if (!(err instanceof TypeError) || attempt >= 5) throw err;
      stats.joinRetries++;
      await sleep(200 * attempt);
    }
  }
  const s = io(base, {
    transports: ['websocket'],
    forceNew: true,
    extraHeaders: { cookie: api.cookie, origin: base },
    auth: handshakeAuth(),
    reconnectionDelay: 100,
    reconnectionDelayMax: 500,
    timeout: 60_000,
  }) as YishiClientSocket;
  sockets.push(s);
  const v = new Viewer();
  viewers.push(v);
  watchDisconnects(s, v);
  const thread = { meetingId: t.meetingId, itemId: null };
  let started = false;

  const catchUp = (): Promise<void> =>
    (v.catching ??= (async () => {
      try {
        for (;;) {
          const r = await emit(s, 'opinions:since', { ...thread, after: v.cursor });
          if (!r.ok) return;
          for (const e of r.data.entries) v.saw(e.id, e.rev, false);
          const next = r.data.more ? r.data.entries.at(-1)!.rev : r.data.cursor;
          if (next > v.cursor) v.cursor = next;
          // As the domain's needsCatchUp: more pages, or a gap pushed meanwhile that this answer was read before.
          if (!r.data.more && v.cursor >= v.heard) break;
        }
      } finally {
        v.catching = null;
      }
    })());

  s.on('view', (v) => {
    views[v.kind] = (views[v.kind] ?? 0) + 1;
  });
  s.on('opinions:entries', (p) => {
    pushes++;
    stats.bytes += bytesOf(`${p.from}:${p.to}:${p.entries.length}:${p.counts.length}`, p);
    if (!started) return;
    if (p.to > v.heard) v.heard = p.to;
    if (p.to <= v.cursor) return;
    if (p.from > v.cursor) {
      stats.gaps++;
      if (v.catching) stats.gapsWhileCatching++;
      void catchUp().catch(() => undefined);
      return;
    }
    for (const e of p.entries) v.saw(e.id, e.rev, true);
    for (const c of p.counts) if (v.has(indexOf(c.id))) v.saw(c.id, c.rev, true);
    v.cursor = p.to;
  });

  /** Joins the meeting and follows the thread: from its newest page the first time, after the cursor on a reconnect. */
  const follow = async (): Promise<void> => {
    const j = await emit(s, 'meeting:join', { meetingId: t.meetingId });
    if (!j.ok) throw new Error(`meeting:join: ${JSON.stringify(j)}`);
    const r = await emit(s, 'opinions:follow', { ...thread, ...(started ? { after: v.cursor } : {}) });
    if (!r.ok) throw new Error(`opinions:follow: ${JSON.stringify(r)}`);
    for (const e of r.data.entries) v.saw(e.id, e.rev, false);
    if (!started) {
      v.cursor = Math.max(v.cursor, r.data.cursor);
      started = true;
    } else {
      const next = r.data.more ? r.data.entries.at(-1)!.rev : r.data.cursor;
      if (next > v.cursor) v.cursor = next;
      if (r.data.more || v.cursor < v.heard) await catchUp();
    }
  };
  await connectedWithin(s, 180_000);
  await follow();
  // A new connection is a new socket on the server, in no room: join and follow again (dropped
  // again before the ack: the next reconnect does it).
  s.io.on('reconnect', () => void follow().catch(() => undefined));
}

async function connectAnchor(url: string): Promise<void> {
  const s = io(url, { transports: ['websocket'], forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 500, timeout: 60_000 });
  sockets.push(s);
  const v = new Viewer();
  viewers.push(v);
  watchDisconnects(s, v);
  s.on('entries', (p: { from: number; to: number; entries: { id: string; rev: number }[] }) => {
    stats.bytes += bytesOf(`${p.from}:${p.to}:${p.entries.length}`, p);
    for (const e of p.entries) v.saw(e.id, e.rev, true);
  });
  await connectedWithin(s, 180_000);
}

async function connectAll(t: ViewerTarget, clients: number[], concurrency: number): Promise<void> {
  let next = 0;
  let joined = 0;
  const one = async () => {
    for (;;) {
      const k = next++;
      if (k >= clients.length) return;
      await (t.mode === 'anchor' ? connectAnchor(t.url) : connectYishi(t, clients[k]!));
      if (++joined % 500 === 0) send({ type: 'progress', joined, connectRetries: stats.connectRetries, joinRetries: stats.joinRetries });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, clients.length) }, one));
  send({ type: 'connected', reconnects: stats.reconnects });
}

async function awaitAll(want: string[], deadline: number): Promise<void> {
  const wanted = want.map(indexOf);
  while (wanted.some((i) => count[i]! < viewers.length) && now() < deadline) await sleep(50);
  lag.disable();
  const behind = viewers.filter((v) => wanted.some((i) => !v.has(i)));
  send({
    type: 'seen',
    seen: ids.map((id, i) => [id, count[i]!, lastAt[i]!]),
    viewers: viewers.length,
    duplicated: stats.duplicated,
    bytes: stats.bytes,
    reconnects: stats.reconnects,
    disconnects,
    views,
    pushes,
    gaps: stats.gaps,
    gapsWhileCatching: stats.gapsWhileCatching,
    behind: behind.length,
    behindReconnected: behind.filter((v) => v.reconnected).length,
    loopDelayP99Ms: lag.percentile(99) / 1e6,
    loopDelayMaxMs: lag.max / 1e6,
  });
}

port.on('message', (m: ToViewers) => {
  const run = async () => {
    switch (m.type) {
      case 'connect':
        return connectAll(m.target, m.clients, m.concurrency);
      case 'start':
        stats.bytes = 0;
        pushes = 0;
        for (const k of Object.keys(views)) delete views[k];
        lag.reset();
        lag.enable();
        return send({ type: 'started' });
      case 'await':
        return awaitAll(m.ids, m.deadline);
      case 'stop':
        for (const s of sockets) s.disconnect();
        port.close();
        return;
    }
  };
  run().catch((err: Error) => send({ type: 'error', message: err.stack ?? err.message }));
});
