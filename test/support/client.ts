import { io, type Socket } from 'socket.io-client';
import { withLiveConsensus, withLiveTallies } from '@yishi/domain';
import type {
  ClientEventName,
  ClientToServerEvents,
  ConsensusView,
  PollsView,
  Result,
  ServerToClientEvents,
  ViewKind,
  ViewSnapshot,
} from '@yishi/protocol';
import { ClientResults } from '@yishi/protocol';
import { handshakeAuth } from '@yishi/protocol/constants';

export type YishiClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** An HTTP client that keeps the session cookie, like a browser would. */
export class ApiClient {
  cookie = '';

  /** `origin`: the page's origin the requests come from (behind a proxy, PUBLIC_ORIGIN); the server's own by default. */
  constructor(
    readonly base: string,
    readonly origin: string = base,
  ) {}

  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(this.base + path, {
      method,
      headers: {
        // As a browser sends on every POST, PUT, PATCH and DELETE (the server checks it: same-origin.ts).
        origin: this.origin,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(this.cookie ? { cookie: this.cookie } : {}),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const set = res.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0]!;
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  }

  /** Same as call, but throws unless 2xx. */
  async ok<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.call<T>(method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path} -> ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  /**
   * A websocket with this client's session (and an Origin, as a browser sends), built for this
   * PROTOCOL_VERSION as the web app is; `auth` replaces that handshake auth (null: none at all).
   */
  socket(opts: { origin?: string | null; base?: string; auth?: Record<string, unknown> | null } = {}): YishiClientSocket {
    const base = opts.base ?? this.base;
    const headers: Record<string, string> = {};
    if (this.cookie) headers.cookie = this.cookie;
    if (opts.origin !== null) headers.origin = opts.origin ?? base;
    const auth = opts.auth === undefined ? { ...handshakeAuth() } : (opts.auth ?? undefined);
    return io(base, { transports: ['websocket'], extraHeaders: headers, auth, reconnectionDelay: 100, reconnectionDelayMax: 500 });
  }
}

export function connected(socket: YishiClientSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.connected) return resolve();
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => reject(err));
  });
}

/**
 * Emits and waits for the ack; a successful ack must match the event's result schema, or the test fails.
 * Rejects at once if the socket disconnects before the ack (a ping timeout under load, the server
 * closing it): Socket.IO drops a plain ack callback on disconnect, so the test would otherwise wait
 * for it until its own timeout. An emit made while disconnected is buffered and sent on reconnect;
 * it rejects if the socket disconnects again before its ack.
 */
export function emit<E extends ClientEventName>(socket: YishiClientSocket, event: E, payload: unknown): Promise<Result<ClientResults[E]>> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const onDisconnect = (reason: string) => {
      if (settled) return;
      settled = true;
      reject(new Error(`${event}: no ack, the socket disconnected first (${reason})`));
    };
    // Waiting for a reconnection: the next disconnect is the one that loses this emit.
    socket.once('disconnect', onDisconnect);
    (socket.emit as (e: string, p: unknown, ack: (r: Result<ClientResults[E]>) => void) => void)(event, payload, (r) => {
      socket.off('disconnect', onDisconnect);
      if (settled) return;
      settled = true;
      // The protocol's result schema of the event (ClientResults): a handler cannot drift from the wire contract unnoticed.
      const checked = r?.ok ? ClientResults[event].safeParse(r.data) : null;
      if (checked && !checked.success) reject(new Error(`${event} acked a result outside its schema: ${checked.error.message}`));
      else resolve(r);
    });
  });
}

/** Keeps the newest snapshot per (meeting, kind), as the web app does. */
export function trackViews(socket: YishiClientSocket): Map<string, ViewSnapshot> {
  const views = new Map<string, ViewSnapshot>();
  const apply = (v: ViewSnapshot) => {
    const key = `${v.meetingId}/${v.kind}`;
    const have = views.get(key);
    if (!have || have.version < v.version) views.set(key, v);
  };
  socket.on('view', apply);
  (views as Map<string, ViewSnapshot> & { apply?: typeof apply }).apply = apply;
  return views;
}

export function viewOf<K extends ViewKind>(views: Map<string, ViewSnapshot>, meetingId: string, kind: K): ViewSnapshot<K> | undefined {
  return views.get(`${meetingId}/${kind}`) as ViewSnapshot<K> | undefined;
}

export function applyViews(views: Map<string, ViewSnapshot>, list: ViewSnapshot[]): void {
  const apply = (views as Map<string, ViewSnapshot> & { apply?: (v: ViewSnapshot) => void }).apply;
  for (const v of list) apply?.(v);
}

/**
 * Connects `socket` and joins it to the meeting, keeping every view it is sent (the join's
 * included) as trackViews does; throws if the join is refused.
 */
export async function joinTracking(socket: YishiClientSocket, meetingId: string): Promise<Map<string, ViewSnapshot>> {
  const views = trackViews(socket);
  await connected(socket);
  const joined = await emit(socket, 'meeting:join', { meetingId });
  if (!joined.ok) throw new Error(JSON.stringify(joined));
  applyViews(views, joined.data.views);
  return views;
}

/** The consensus checks of a meeting as the web app shows them: the full view with the newer live figures. */
export function consensusOf(views: Map<string, ViewSnapshot>, meetingId: string): ConsensusView | undefined {
  const full = viewOf(views, meetingId, 'consensus');
  return full && withLiveConsensus(full, viewOf(views, meetingId, 'consensus_live'));
}

/** The polls of a meeting as the web app shows them: the polls view with the newer live tallies. */
export function pollsOf(views: Map<string, ViewSnapshot>, meetingId: string): PollsView | undefined {
  const polls = viewOf(views, meetingId, 'polls')?.data;
  return polls && withLiveTallies(polls, viewOf(views, meetingId, 'tallies')?.data);
}
