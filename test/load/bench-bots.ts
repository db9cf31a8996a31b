/**
 * A bot worker for bench-votes.ts: holds a share of the resident clients (or anchor clients),
 * casts its share of the ballots on the schedule the measuring process gives, and records when
 * each ballot was sent and acknowledged and when each client saw each turnout. Parsing thousands
 * of snapshots a second happens here, off the measuring process's event loop.
 */
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { io, type Socket } from 'socket.io-client';
import { handshakeAuth } from '@yishi/protocol/constants';
import type { AgendaView, PollsView, TalliesView, ViewSnapshot } from '@yishi/protocol';
import { ApiClient, emit, type YishiClientSocket } from '../support/client.ts';
import { now, Seen, typedText, type AgendaSeen, type BallotRecord, type BotTarget, type FromWorker, type ToWorker } from './bench-shared.ts';

/**
 * In a worker thread (bot-pool.ts's default) or in a child process of its own (`processes`), the
 * same messages: the process's IPC channel stands in for the thread's port.
 */
const port: { postMessage(m: FromWorker): void; on(event: 'message', fn: (m: ToWorker) => void): unknown; close(): void } = parentPort ?? {
  postMessage: (m) => process.send!(m),
  on: (event, fn) => process.on(event, fn),
  close: () => process.exit(0),
};
const send = (m: FromWorker) => port.postMessage(m);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Client index (global) -> its socket and what it has seen. */
const sockets = new Map<number, Socket>();
const seen = new Map<number, Seen>();
let reconnects = 0;
let connectRetries = 0;
let joinRetries = 0;
let target: BotTarget | null = null;
/** The ballots of the last cast; acks that come later (held ballots sealed at close) still land here. */
let records: BallotRecord[] = [];
const lag = monitorEventLoopDelay({ resolution: 10 });

// ---------- agenda viewers (bench-agenda.ts) ----------

/** Item id -> its index (the editor typing into it). */
let itemIndex = new Map<string, number>();
/** Per client, the title length it has seen of each item. */
const agendaPrev = new Map<number, Int32Array>();
const agendaSeen: AgendaSeen = { at: [], reached: [], mismatched: 0 };
/** Per item, editor i's typed text as far as some view has shown it. */
const expected: string[] = [];

/** A viewer saw an agenda view: record, per item, the title lengths it reaches for the first time. */
function sawAgenda(i: number, view: AgendaView, at: number): void {
  const prev = agendaPrev.get(i)!;
  for (const item of view.items) {
    const n = itemIndex.get(item.id);
    if (n === undefined) continue;
    const len = item.title.length;
    if (len <= prev[n]!) continue;
    if ((expected[n]?.length ?? 0) < len) expected[n] = typedText(n, len + 64);
    if (!expected[n]!.startsWith(item.title)) {
      agendaSeen.mismatched++;
      continue;
    }
    const times = (agendaSeen.at[n] ??= []);
    const counts = (agendaSeen.reached[n] ??= []);
    for (let l = prev[n]! + 1; l <= len; l++) {
      times[l] = Math.max(times[l] ?? -Infinity, at);
      counts[l] = (counts[l] ?? 0) + 1;
    }
    prev[n] = len;
  }
}

async function awaitAgenda(lengths: number[], deadline: number): Promise<void> {
  const behind = () => [...agendaPrev.values()].reduce((c, prev) => c + (lengths.every((l, n) => prev[n]! >= l) ? 0 : 1), 0);
  while (behind() > 0 && now() < deadline) await sleep(20);
  lag.disable();
  send({ type: 'agenda', seen: agendaSeen, behind: behind(), reconnects, loopDelayP99Ms: lag.percentile(99) / 1e6 });
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

/**
 * Waits for a bot's first connection. A connect_error (a handshake timing out on a busy server)
 * is not the end: the client retries by itself; only a refusal or the deadline fails.
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
      if (err.message === 'unauthenticated' || err.message === 'bad_origin' || err.message.startsWith('too_many')) {
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

async function connectYishi(t: Extract<BotTarget, { mode: 'yishi' | 'agenda' }>, i: number): Promise<void> {
  const base = t.servers[i % t.servers.length]!;
  const api = new ApiClient(base);
  // A pooled keep-alive connection may be closed by the server just as a request goes out
  // ("fetch failed"); a browser retries that, and so do the bots. HTTP errors are not retried.
  for (let attempt = 1; ; attempt++) {
    try {
      await api.ok('POST', '/api/join', { code: t.joinCode, displayName: `居民${i + 1}` });
      break;
    } catch (err) {
      if (!(err instanceof TypeError) || attempt >= 5) throw err;
      joinRetries++;
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
  });
  sockets.set(i, s);
  const mine = seen.get(i)!;
  const onView = (v: ViewSnapshot) => {
    if (t.mode === 'agenda') {
      if (v.kind === 'agenda') sawAgenda(i, v.data, now());
      return;
    }
    // A client sees a tally in either view (the web app shows the newer, see withLiveTallies).
    const turnout = v.kind === 'tallies' ? liveTurnoutOf(v.data, t.pollId) : v.kind === 'polls' ? turnoutOf(v.data, t.pollId) : null;
    if (turnout !== null) mine.record(turnout, now());
  };
  s.on('view', onView);
  // The views that come with a join's ack count as seen too.
  const join = () =>
    emit(s as YishiClientSocket, 'meeting:join', { meetingId: t.meetingId }).then((r) => {
      if (r.ok) for (const v of r.data.views) onView(v);
      return r;
    });
  await connectedWithin(s, 180_000);
  const r = await join();
  if (!r.ok) throw new Error(`bot ${i} meeting:join: ${JSON.stringify(r)}`);
  // After a reconnect the protocol says: join again (the views come with it).
  s.io.on('reconnect', () => {
    reconnects++;
    // Dropped again before the ack (emit rejects then): the next reconnect joins again.
    join().catch(() => {});
  });
}

async function connectAnchor(url: string, i: number): Promise<void> {
  const s = io(url, { transports: ['websocket'], forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 500, timeout: 60_000 });
  sockets.set(i, s);
  const mine = seen.get(i)!;
  s.on('tally', (t: { version: number; turnout: number }) => mine.record(t.turnout, now()));
  await connectedWithin(s, 180_000);
}

async function connectAll(t: BotTarget, clients: number[], concurrency: number): Promise<void> {
  target = t;
  for (const i of clients) seen.set(i, new Seen());
  if (t.mode === 'agenda') {
    itemIndex = new Map(t.items.map((id, n) => [id, n]));
    for (const i of clients) agendaPrev.set(i, new Int32Array(t.items.length));
    lag.reset();
    lag.enable();
  }
  let next = 0;
  let joined = 0;
  const worker = async () => {
    for (;;) {
      const n = next++;
      if (n >= clients.length) return;
      const i = clients[n]!;
      await (t.mode === 'anchor' ? connectAnchor(t.url, i) : connectYishi(t, i));
      joined++;
      if (joined % 250 === 0) send({ type: 'progress', joined, connectRetries, joinRetries });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, clients.length) }, worker));
  send({ type: 'connected', reconnects });
}

function castOne(i: number, clientCount: number, records: BallotRecord[], onAck: () => void): void {
  const s = sockets.get(i % clientCount)!;
  const rec: BallotRecord = { i, sentAt: now(), ackAt: NaN, ok: false };
  records.push(rec);
  const done = (ok: boolean, code?: string) => {
    if (!Number.isNaN(rec.ackAt)) return; // one ack per ballot
    rec.ackAt = now();
    rec.ok = ok;
    if (code) rec.code = code;
    onAck();
  };
  if (target!.mode === 'yishi') {
    const optionIds = target!.optionIds;
    const choice = { kind: 'single', optionId: optionIds[Math.floor(Math.random() * optionIds.length)]! };
    s.emit('ballot:cast', { pollId: target!.pollId, choice, idempotencyKey: randomUUID() }, (r: { ok: boolean; error?: { code: string } }) =>
      done(r.ok, r.ok ? undefined : r.error?.code),
    );
  } else {
    s.emit('vote', { option: Math.floor(Math.random() * 4), idempotencyKey: randomUUID() }, (r: { ok: boolean }) => done(r.ok));
  }
}

/** Sends each ballot at its scheduled time, then waits for every ack or the timeout. */
async function cast(m: Extract<ToWorker, { type: 'cast' }>): Promise<void> {
  for (const s of seen.values()) s.reset();
  lag.reset();
  lag.enable();
  records = [];
  let acked = 0;
  let lastAckAt = now();
  let next = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      const t = now();
      while (next < m.ballots.length && m.startAt + m.ballots[next]! * m.intervalMs <= t)
        castOne(m.ballots[next++]!, m.clientCount, records, () => {
          acked++;
          lastAckAt = now();
        });
      if (next < m.ballots.length) setTimeout(pump, 1);
      else resolve();
    };
    pump();
  });
  const deadline = now() + m.timeoutMs;
  // Held ballots (at most mayHold) are acked only at close: stop waiting once acks have stopped.
  const settled = () => acked >= m.ballots.length || (m.ballots.length - acked <= m.mayHold && now() - lastAckAt > 1000);
  while (!settled() && now() < deadline) await sleep(20);
  send({ type: 'cast-done', ballots: records.map((r) => ({ ...r })) });
}

/** Every ballot of the last cast as it stands, once all are acked or after waitMs. */
async function collect(waitMs: number): Promise<void> {
  const deadline = now() + waitMs;
  while (records.some((r) => Number.isNaN(r.ackAt)) && now() < deadline) await sleep(20);
  send({ type: 'collected', ballots: records });
}

async function awaitTurnout(target: number, deadline: number): Promise<void> {
  const behind = () => [...seen.values()].reduce((n, s) => n + (s.max >= target ? 0 : 1), 0);
  while (behind() > 0 && now() < deadline) await sleep(20);
  lag.disable();
  send({
    type: 'turnout',
    behind: behind(),
    seen: [...seen.values()].map((s) => ({ times: s.times, turnouts: s.turnouts })),
    reconnects,
    loopDelayP99Ms: lag.percentile(99) / 1e6,
    loopDelayMaxMs: lag.max / 1e6,
  });
}

port.on('message', (m: ToWorker) => {
  const run = async () => {
    switch (m.type) {
      case 'connect':
        return connectAll(m.target, m.clients, m.concurrency);
      case 'cast':
        return cast(m);
      case 'collect':
        return collect(m.waitMs);
      case 'await-turnout':
        return awaitTurnout(m.target, m.deadline);
      case 'await-agenda':
        return awaitAgenda(m.lengths, m.deadline);
      case 'stop':
        for (const s of sockets.values()) s.disconnect();
        port.close();
        return;
    }
  };
  run().catch((err: Error) => send({ type: 'error', message: err.stack ?? err.message }));
});
