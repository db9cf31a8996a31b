import { io, type Socket } from 'socket.io-client';
import { writable, type Readable } from 'svelte/store';
import type {
  ApiError,
  ClientEventName,
  ClientPayload,
  ClientResults,
  ClientToServerEvents,
  MeetingId,
  Result,
  ServerToClientEvents,
  ViewKind,
  ViewSnapshot,
} from '@yishi/protocol';
import { HANDSHAKE_ERROR_CODES, handshakeAuth } from '@yishi/protocol/constants';
import { NETWORK, OFFLINE } from '$lib/i18n';

type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * What the user sees: idle before any connection, refused when the handshake is rejected,
 * outdated when the server speaks another protocol version (this page must be reloaded).
 */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'refused' | 'outdated';

const ACK_TIMEOUT_MS = 10_000;

/**
 * The server pings every 5 s and waits 20 s for the answer before it drops a socket
 * (server/src/realtime/socket-server.ts), so that a server busy for a few seconds (5,000 ballots
 * at once) drops nobody; the browser itself would wait those 25 s before it gives up. The page
 * does not wait that long to say so: with no ping for this long it shows "reconnecting" while
 * the socket stays open, and the next ping (or view) shows "connected" again. A network that
 * goes with a word (the browser's offline event) shows at once, below.
 */
const STALE_AFTER_MS = 8_000;

const connectionStore = writable<ConnectionState>('idle');
export const connection: Readable<ConnectionState> = { subscribe: connectionStore.subscribe };

export type ViewMap = Readonly<Record<string, ViewSnapshot>>;
const viewsStore = writable<ViewMap>({});
/** Live views keyed by viewKey(meetingId, kind, key?); only the highest version of each is kept. */
export const views: Readable<ViewMap> = { subscribe: viewsStore.subscribe };

/** Polls this member voted in from another tab or device, as the server told us (never what). */
const votedElsewhereStore = writable<ReadonlySet<string>>(new Set());
export const votedElsewhere: Readable<ReadonlySet<string>> = { subscribe: votedElsewhereStore.subscribe };

/** Failures of calls the user did not make directly (the join after a reconnect). */
const liveErrorStore = writable<ApiError | null>(null);
export const liveError: Readable<ApiError | null> = { subscribe: liveErrorStore.subscribe };

/**
 * Where a view is kept: per meeting and kind, and for a keyed view (one agenda item's...) per
 * key too, so one item's snapshot never replaces another's.
 */
export function viewKey(meetingId: string, kind: ViewKind, key?: string): string {
  return key === undefined ? `${meetingId}:${kind}` : `${meetingId}:${kind}:${key}`;
}

export function applyView(snapshot: ViewSnapshot): void {
  if (!snapshot || typeof snapshot !== 'object' || typeof snapshot.version !== 'number') return;
  viewsStore.update((map) => {
    const key = viewKey(snapshot.meetingId, snapshot.kind, snapshot.key);
    const held = map[key];
    if (held && held.version >= snapshot.version) return map;
    return { ...map, [key]: snapshot };
  });
}

let socket: LiveSocket | null = null;
const joined = new Set<MeetingId>();

/** Listeners for server events a feature handles itself (the agenda's `agenda:proposals-changed`), and `connect`. */
const featureListeners = new Map<string, Set<(payload: unknown) => void>>();

/**
 * Listens for a server event on this connection and every later one (after a sign-in the
 * socket is new); `connect` fires after each (re)connect. Returns what stops listening.
 */
export function onLive(event: string, listener: (payload: unknown) => void): () => void {
  let set = featureListeners.get(event);
  if (!set) featureListeners.set(event, (set = new Set()));
  set.add(listener);
  return () => void set.delete(listener);
}

function emitLocal(event: string, payload?: unknown): void {
  for (const listener of featureListeners.get(event) ?? []) listener(payload);
}

function connect(): LiveSocket {
  if (socket) return socket;
  // The server refuses a page built for another protocol version (protocol_mismatch): after an
  // update, a page left open is told to reload instead of failing in odd ways.
  const s: LiveSocket = io({ transports: ['websocket'], auth: handshakeAuth() });
  connectionStore.set('connecting');
  let stale: ReturnType<typeof setTimeout> | undefined;
  /** The server was just heard from: connected, until it goes quiet for STALE_AFTER_MS. */
  const alive = () => {
    clearTimeout(stale);
    if (socket !== s || !s.connected) return;
    connectionStore.set('connected');
    stale = setTimeout(() => {
      if (socket === s && s.connected) connectionStore.set('reconnecting');
    }, STALE_AFTER_MS);
  };
  s.io.on('ping', alive);
  s.on('connect', () => {
    alive();
    // A reconnect may have missed broadcasts: joining again returns fresh snapshots.
    for (const id of joined) void joinNow(id);
    emitLocal('connect');
  });
  s.onAny((event: string, payload: unknown) => {
    if (event !== 'connect') emitLocal(event, payload);
  });
  s.on('disconnect', (reason) => {
    clearTimeout(stale);
    if (socket !== s) return;
    joinedNow.clear();
    if (reason === 'io client disconnect') {
      connectionStore.set('idle');
    } else if (reason === 'io server disconnect' && joined.size === 0) {
      // Closed for following no meeting (idle): connect again when a call needs it.
      socket = null;
      connectionStore.set('idle');
    } else if (reason === 'io server disconnect') {
      // The server dropped us on purpose; try once more, the handshake tells us if we may stay.
      connectionStore.set('reconnecting');
      setTimeout(() => {
        if (socket === s && !s.connected) s.connect();
      }, 1000);
    } else {
      connectionStore.set('reconnecting');
    }
  });
  s.on('connect_error', (err) => {
    if (socket !== s) return;
    // A rejected handshake (unauthenticated, bad_origin, protocol_mismatch) is not retried by
    // socket.io. The server names the refusals in HANDSHAKE_ERROR_CODES; anything else reads as signed out.
    if (s.active) return connectionStore.set('reconnecting');
    const code = HANDSHAKE_ERROR_CODES.find((c) => c === err.message) ?? 'unauthenticated';
    connectionStore.set(code === 'protocol_mismatch' ? 'outdated' : 'refused');
    liveErrorStore.set({ code });
  });
  s.on('view', (snapshot) => {
    alive();
    applyView(snapshot);
  });
  s.on('opinions:entries', (e) => {
    alive();
    for (const l of entryListeners) l(e);
  });
  s.on('ballot:voted', (e) => {
    if (e && typeof e.pollId === 'string') votedElsewhereStore.update((set) => new Set(set).add(e.pollId));
  });
  socket = s;
  return s;
}

// The browser knows at once when the network goes (Wi-Fi off, lift, tunnel), long before a
// missed ping could tell: drop the transport so the page says so now and reconnects by itself.
// When the network is back, try at once instead of waiting out the back-off.
if (typeof window !== 'undefined') {
  window.addEventListener('offline', () => {
    if (socket?.connected) socket.io.engine?.close();
  });
  window.addEventListener('online', () => {
    const s = socket;
    if (s && !s.connected && s.active) {
      s.disconnect();
      s.connect();
    }
  });
}

/** Sends one client event and resolves with its ack, or a network/offline error. Never throws. */
export async function call<E extends ClientEventName>(event: E, payload: ClientPayload<E>): Promise<Result<ClientResults[E]>> {
  const s = connect();
  if (!s.connected) return { ok: false, error: { code: 'internal', message: OFFLINE } };
  try {
    // emitWithAck's types cannot follow a generic event name; the contract is ClientResults[E].
    const timed = s.timeout(ACK_TIMEOUT_MS) as unknown as {
      emitWithAck(ev: string, p: unknown): Promise<Result<ClientResults[E]> | undefined>;
    };
    const result = await timed.emitWithAck(event, payload);
    if (!result || typeof result !== 'object' || typeof result.ok !== 'boolean') {
      return { ok: false, error: { code: 'internal' } };
    }
    return result;
  } catch {
    return { ok: false, error: { code: 'internal', message: NETWORK } };
  }
}

// ---- opinions (issue 11): a feature's own pushes, and knowing when a join (or a re-join) is done ----

type OpinionEntries = Parameters<ServerToClientEvents['opinions:entries']>[0];
const entryListeners = new Set<(e: OpinionEntries) => void>();
const joinListeners = new Set<(meetingId: MeetingId) => void>();

/** Hears every `opinions:entries` push (components/opinions keep a thread's log); returns an unsubscribe. */
export function onOpinionEntries(listener: (e: OpinionEntries) => void): () => void {
  entryListeners.add(listener);
  connect();
  return () => entryListeners.delete(listener);
}

/**
 * Called after each successful meeting:join (the first and every one after a reconnect): what a
 * socket follows within a meeting (an opinion thread) must be asked for again then.
 */
export function onJoined(listener: (meetingId: MeetingId) => void): () => void {
  joinListeners.add(listener);
  return () => joinListeners.delete(listener);
}

/** Whether the meeting is joined on the current connection (its threads can be followed now). */
export function isJoined(meetingId: MeetingId): boolean {
  return joinedNow.has(meetingId);
}
const joinedNow = new Set<MeetingId>();

async function joinNow(meetingId: MeetingId): Promise<void> {
  const result = await call('meeting:join', { meetingId });
  if (!joined.has(meetingId)) return;
  if (result.ok) {
    for (const v of result.data.views) applyView(v);
    liveErrorStore.set(null);
    joinedNow.add(meetingId);
    for (const l of joinListeners) l(meetingId);
  } else {
    liveErrorStore.set(result.error);
  }
}

/** Follows a meeting live: joins now (if connected) and again after every reconnect. */
export function joinMeeting(meetingId: MeetingId): void {
  joined.add(meetingId);
  const s = connect();
  if (s.connected) void joinNow(meetingId);
  else if (!s.active) s.connect();
}

export function leaveMeeting(meetingId: MeetingId): void {
  joinedNow.delete(meetingId);
  if (!joined.delete(meetingId)) return;
  if (socket?.connected) void call('meeting:leave', { meetingId });
}

/** After sign-in, sign-out or joining as a resident the cookie changed: start a fresh connection. */
export function resetConnection(): void {
  const old = socket;
  socket = null;
  joined.clear();
  old?.removeAllListeners();
  old?.disconnect();
  viewsStore.set({});
  liveErrorStore.set(null);
  connectionStore.set('idle');
}

/**
 * Sends one event and keeps resending the very same payload (so the same idempotency key) when
 * the socket drops or the ack times out before the server answered, until an ack arrives.
 * For ballots: the server stores a retried submission once (DESIGN.md 5).
 */
export async function callUntilAcked<E extends ClientEventName>(
  event: E,
  payload: ClientPayload<E>,
  maxAttempts = 6,
  /**
   * A secret ballot may be held by the server until enough others vote (`ballot:held`): from
   * then on there is no timeout, the ack comes when it is sealed. Only a dropped connection
   * resends (same key: the server keeps one).
   */
  held?: { pollId: string; onHeld: (sealAt: number) => void },
): Promise<Result<ClientResults[E]>> {
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const s = connect();
    if (!s.connected) {
      if (!s.active) s.connect();
      const up = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          s.off('connect', onConnect);
          resolve(false);
        }, ACK_TIMEOUT_MS * 2);
        function onConnect() {
          clearTimeout(timer);
          resolve(true);
        }
        s.once('connect', onConnect);
      });
      if (!up) return { ok: false, error: { code: 'internal', message: OFFLINE } };
    }
    const outcome = await new Promise<Result<ClientResults[E]> | 'retry'>((resolve) => {
      let settled = false;
      const finish = (v: Result<ClientResults[E]> | 'retry') => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        s.off('disconnect', onDisconnect);
        s.off('ballot:held', onHeld);
        resolve(v);
      };
      function onDisconnect() {
        finish('retry');
      }
      function onHeld(h: { pollId: string; sealAt: number }) {
        if (!held || h.pollId !== held.pollId) return;
        clearTimeout(timer);
        held.onHeld(h.sealAt);
      }
      const timer = setTimeout(() => finish('retry'), ACK_TIMEOUT_MS);
      s.on('disconnect', onDisconnect);
      s.on('ballot:held', onHeld);
      const plain = s as unknown as {
        emit(ev: string, p: unknown, ack: (res: Result<ClientResults[E]> | undefined) => void): void;
      };
      plain.emit(event, payload, (res) => {
        if (!res || typeof res !== 'object' || typeof res.ok !== 'boolean') return finish({ ok: false, error: { code: 'internal' } });
        finish(res);
      });
    });
    if (outcome !== 'retry') return outcome;
  }
  return { ok: false, error: { code: 'internal', message: NETWORK } };
}
