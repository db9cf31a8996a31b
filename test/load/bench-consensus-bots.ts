/**
 * A bot worker for bench-consensus.ts: holds a share of the participants (residents of Yishi, or
 * clients of the anchor), makes its share of the position changes on the schedule the measuring
 * process gives (a random walk on the gradient per participant), and records when each change was
 * sent and acknowledged and when each client received each version of the consensus view.
 * Parsing thousands of snapshots a second happens here, off the measuring process's event loop.
 */
import { randomUUID } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { io, type Socket } from 'socket.io-client';
import { handshakeAuth } from '@yishi/protocol/constants';
import type { ConsensusLiveView, ConsensusView, ViewSnapshot } from '@yishi/protocol';
import { ApiClient, emit, type YishiClientSocket } from '../support/client.ts';
import { now } from './bench-shared.ts';

export type ConsensusTarget =
  { mode: 'yishi'; servers: string[]; joinCode: string; meetingId: string; checkId: string } | { mode: 'anchor'; url: string };

export type ToConsensusWorker =
  | { type: 'connect'; target: ConsensusTarget; clients: number[]; concurrency: number }
  /** `at` is an epoch ms (bench-shared `now`); each entry moves that client one step. */
  | { type: 'run'; schedule: { at: number; client: number; extra?: boolean }[] }
  | { type: 'collect' }
  | { type: 'close' };

export interface ChangeRecord {
  client: number;
  level: number;
  sentAt: number;
  ackAt: number | null;
  error?: string;
  /** A closing change made only so that views keep coming after the last measured one (not measured). */
  extra?: boolean;
  /** Times it was sent again (same key) after its connection dropped before the ack. */
  resent?: number;
}

export type FromConsensusWorker =
  | { type: 'connected' }
  | { type: 'ran'; changes: ChangeRecord[] }
  /** Per client: the versions it received (ascending arrival) with arrival times, and its last counts. */
  | { type: 'collected'; views: { client: number; versions: number[]; ats: number[]; last: number[] | null }[] }
  | { type: 'error'; message: string };

const port = parentPort!;
const send = (m: FromConsensusWorker) => port.postMessage(m);
const sockets = new Map<number, Socket>();
const views = new Map<number, { versions: number[]; ats: number[]; last: number[] | null; top: number }>();
const levels = new Map<number, number>();
const chains = new Map<number, Promise<void>>();
let target: ConsensusTarget | null = null;

function record(client: number, version: number, counts: number[] | null): void {
  const v = views.get(client)!;
  if (version <= v.top) return;
  v.top = version;
  v.versions.push(version);
  v.ats.push(now());
  v.last = counts;
}

async function connectYishi(t: Extract<ConsensusTarget, { mode: 'yishi' }>, i: number): Promise<void> {
  const base = t.servers[i % t.servers.length]!;
  const api = new ApiClient(base);
  for (let attempt = 1; ; attempt++) {
    try {
      await api.ok('POST', '/api/join', { code: t.joinCode, displayName: `居民${i + 1}` });
      break;
    } catch (err) {
      if (!(err instanceof TypeError) || attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 200 * attempt));
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
  });
  sockets.set(i, s);
  s.on('view', (v: ViewSnapshot) => {
    // Positions push `consensus_live` (the figures only, compact: residents as [participants, counts]);
    // the full view carries them too.
    if (v.kind === 'consensus_live') {
      const check = (v.data as ConsensusLiveView).checks.find((c) => c.id === t.checkId);
      const counts = check?.figures.residents?.[1];
      if (check) record(i, v.version, counts ? [...counts] : null);
      return;
    }
    if (v.kind !== 'consensus') return;
    const check = (v.data as ConsensusView).checks.find((c) => c.id === t.checkId);
    if (check) record(i, v.version, check.figures.residents?.counts ? [...check.figures.residents.counts] : null);
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no connection within 180 s')), 180_000);
    s.once('connect', () => (clearTimeout(timer), resolve()));
  });
  const r = await emit(s as YishiClientSocket, 'meeting:join', { meetingId: t.meetingId });
  if (!r.ok) throw new Error(`bot ${i} meeting:join: ${JSON.stringify(r)}`);
  s.io.on('reconnect', () => void emit(s as YishiClientSocket, 'meeting:join', { meetingId: t.meetingId }).catch(() => {}));
}

async function connectAnchor(url: string, i: number): Promise<void> {
  const s = io(url, { transports: ['websocket'], forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 500, timeout: 60_000 });
  sockets.set(i, s);
  s.on('aggregate', (a: { version: number; counts: number[] }) => record(i, a.version, a.counts));
  await new Promise<void>((resolve) => s.once('connect', () => resolve()));
}

/** One step of the walk: up or down one level on 1-4 (residents cannot block). */
function step(client: number): number {
  const held = levels.get(client);
  const next = held === undefined ? 1 + Math.floor(Math.random() * 4) : held === 1 ? 2 : held === 4 ? 3 : held + (Math.random() < 0.5 ? -1 : 1);
  levels.set(client, next);
  return next;
}

/** Attempts per change, as the web app's callUntilAcked (web/src/lib/live.ts). */
const ATTEMPTS = 6;

async function change(t: ConsensusTarget, client: number, rec: ChangeRecord): Promise<void> {
  const s = sockets.get(client)!;
  if (t.mode === 'anchor') {
    await new Promise<void>((resolve) => s.emit('position', { participant: client, level: rec.level }, () => resolve()));
    rec.ackAt = now();
    return;
  }
  // As a phone does: a change whose ack was lost with its connection is sent again with the same
  // key once reconnected (the server answers "unchanged" if it had committed it), so that `lost`
  // counts changes the database lost, not acks a dropped connection took with it.
  const idempotencyKey = randomUUID();
  for (let attempt = 1; ; attempt++) {
    try {
      const r = await emit(s as YishiClientSocket, 'consensus:position', { checkId: t.checkId, level: rec.level, idempotencyKey });
      if (r.ok) {
        rec.ackAt = now();
        delete rec.error;
      } else rec.error = r.error.code;
      return;
    } catch (err) {
      rec.error = String(err);
      if (attempt >= ATTEMPTS) return;
      rec.resent = (rec.resent ?? 0) + 1;
    }
  }
}

port.on('message', (m: ToConsensusWorker) => {
  void (async () => {
    try {
      if (m.type === 'connect') {
        target = m.target;
        for (const i of m.clients) views.set(i, { versions: [], ats: [], last: null, top: -Infinity });
        let next = 0;
        const one = async () => {
          for (let n = next++; n < m.clients.length; n = next++) {
            const i = m.clients[n]!;
            if (target!.mode === 'yishi') await connectYishi(target as Extract<ConsensusTarget, { mode: 'yishi' }>, i);
            else await connectAnchor(target!.url, i);
          }
        };
        await Promise.all(Array.from({ length: m.concurrency }, one));
        send({ type: 'connected' });
      } else if (m.type === 'run') {
        const t = target!;
        const records: ChangeRecord[] = [];
        const pending: Promise<void>[] = [];
        for (const e of m.schedule) {
          const wait = e.at - now();
          if (wait > 1) await new Promise((r) => setTimeout(r, wait));
          // A client's changes go in order: the next is sent once the previous is acknowledged (a
          // phone's would be too), so its last acknowledged level is the one the database must hold.
          const rec: ChangeRecord = { client: e.client, level: step(e.client), sentAt: 0, ackAt: null, ...(e.extra ? { extra: true } : {}) };
          records.push(rec);
          const after = chains.get(e.client) ?? Promise.resolve();
          const p = after.then(() => {
            rec.sentAt = now();
            return change(t, e.client, rec);
          });
          chains.set(e.client, p);
          pending.push(p);
        }
        await Promise.all(pending);
        chains.clear();
        send({ type: 'ran', changes: records });
      } else if (m.type === 'collect') {
        send({ type: 'collected', views: [...views].map(([client, v]) => ({ client, versions: v.versions, ats: v.ats, last: v.last })) });
      } else if (m.type === 'close') {
        for (const s of sockets.values()) s.close();
        sockets.clear();
        views.clear();
        levels.clear();
        send({ type: 'connected' });
      }
    } catch (err) {
      send({ type: 'error', message: String(err instanceof Error ? err.stack : err) });
    }
  })();
});
