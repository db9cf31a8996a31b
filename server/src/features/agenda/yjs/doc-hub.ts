import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { parseRoom, YJS_CLOSE, YJS_LIMITS, type AgendaDocName } from '@yishi/protocol';
import type { Fanout } from '../../../fanout/types.ts';
import type { Logger } from '../../../log.ts';
import { defineRoots, ROOTS, ShapeChecker } from './doc-shape.ts';
import type { YjsStore } from './store.ts';
import { scanUpdate, UpdateRejected, type ScannedUpdate } from './update-scan.ts';
import { UpdateWriter } from './update-writer.ts';

/**
 * The server's Yjs documents (issue 10): the agenda and notes of each meeting, as the interface
 * the other features use (`services.docs`), and the rooms the websocket endpoint (endpoint.ts)
 * connects clients to.
 */
export interface DocHub {
  /** The server's current copy of a room's document (loaded from the database if needed). Read only. */
  read<T>(room: string, fn: (doc: Y.Doc) => T): Promise<T>;
  /**
   * A server-authored change (e.g. the outcome line in the notes): applied, stored, relayed to every
   * connection on every instance, like an editor's update but never refused for read-only-ness.
   */
  change(room: string, fn: (doc: Y.Doc) => void): Promise<void>;
  /** Called after any accepted update of a room, on every instance (coalescing is the caller's job). */
  /** `here`: the change was accepted on this instance (false: relayed or caught up from elsewhere). */
  onChange(listener: (room: string, here: boolean) => void): () => void;
}

/** What the hub needs of the fan-out: its byte channel and its reconnections. */
export type Relay = Pick<Fanout, 'instanceId' | 'publish' | 'subscribe' | 'onReconnect'>;

/** One client connection, whatever carries it (a websocket in endpoint.ts; a pipe in tests). */
export interface Peer {
  send(message: Uint8Array): void;
  close(code: number, reason: string): void;
}

/** Who a connection is and what it may do, decided at the handshake (endpoint.ts). */
export interface Access {
  write: boolean;
  /** The identity put into this connection's awareness states (never the client's own). */
  user: { id: string; name: string; color: string } | null;
}

export interface HubOptions {
  /** A room with no connection and no use for this long is unloaded (ms). */
  unloadAfterMs?: number;
  /** How often each instance compares its rooms with the database's heads (0: never; only useful with other instances). */
  headCheckMs?: number;
  /** How long a gap in the relayed sequence numbers may last before the database is asked (ms). */
  gapWaitMs?: number;
  /** Compact a room once this many updates were stored since its snapshot. */
  compactAfterUpdates?: number;
}

// y-websocket's message types (y-websocket/src/y-websocket.js) and y-protocols' sync steps.
const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
const MESSAGE_AUTH = 2;
const MESSAGE_QUERY_AWARENESS = 3;
const SYNC_STEP1 = 0;
const SYNC_STEP2 = 1;
const SYNC_UPDATE = 2;

// What the relay carries on `yjs:<room>`: a kind, then its body.
const RELAY_UPDATE = 0;
const RELAY_AWARENESS = 1;
const RELAY_FREEZE = 2;

/** Transaction origins. */
const VALIDATING = Symbol('validating');
const SERVER = Symbol('server');
const REMOTE = Symbol('remote');

/** Messages one connection may send: a burst, then per second (typing sends about 2 a keystroke). */
const MESSAGES_BURST = 400;
const MESSAGES_PER_SECOND = 100;
/** Awareness client ids one connection may speak for (a tab has one; a reload brings a new one). */
const CLIENT_IDS_PER_CONNECTION = 8;

interface Conn {
  peer: Peer;
  access: Access;
  clientIds: Set<number>;
  /** Set when one of its updates could not be stored: its later ones are not written, it is closed. */
  failed: boolean;
  tokens: number;
  refilledAt: number;
  /**
   * Its updates that refer to content the server does not have yet, in order: a provider sends
   * its edits as it makes them, also right after reconnecting, before its sync reply has brought
   * what they build on. Each is taken once what it needs is there, and checked then.
   */
  held: { update: Uint8Array; scan: ScannedUpdate }[];
  heldBytes: number;
}

interface Entry {
  update: Uint8Array;
  sender: Conn | null;
}

class Room {
  served = new Y.Doc();
  tentative!: Y.Doc;
  checker!: ShapeChecker;
  readonly awareness: awarenessProtocol.Awareness;
  readonly conns = new Set<Conn>();
  readonly awarenessOwners = new Map<number, Conn>();
  /** Every sequence number up to this one is in `served`. */
  watermark = 0;
  /** Sequence numbers above the watermark already in `served`. */
  readonly seen = new Set<number>();
  /** Accepted (in `tentative`), not yet stored. */
  readonly pending: Entry[] = [];
  /** Updates now in `served` not yet sent to the room's connections (see YjsDocs#send). */
  outbox: Entry[] = [];
  /** This instance's updates just stored, not yet sent (see YjsDocs#committed). */
  stored: { entry: Entry; seq: number }[] = [];
  /** Relay messages that arrived while loading. */
  early: Uint8Array[] | null = [];
  ready = false;
  frozen = false;
  /** An upper bound of the encoded document's size. */
  bytes = 0;
  sinceSnapshot = 0;
  lastUsed = Date.now();
  catching: Promise<void> | null = null;
  catchAgain = false;
  gapTimer: NodeJS.Timeout | null = null;
  compacting = false;
  unsubscribe: () => void = () => {};

  constructor(
    readonly name: string,
    readonly kind: AgendaDocName,
  ) {
    defineRoots(this.served, kind);
    this.awareness = new awarenessProtocol.Awareness(this.served);
    this.awareness.setLocalState(null);
  }
}

export class DocHubError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The in-process implementation: each instance keeps the rooms its connections (or `read`) use,
 * stores every accepted update (group commit, store.ts) before anyone else sees it, relays it to
 * the other instances on the fan-out's byte channel with its sequence number, and catches up from
 * the database when it sees a gap or the fan-out returns. See docs/ARCHITECTURE.md, "Yjs".
 *
 * Each room holds two copies: `served`, only ever stored updates (what clients are sent, what
 * `read` sees, what is compacted), and `tentative`, `served` plus the updates accepted and waiting
 * for their commit, on which the next update is checked. An update that fails a check has already
 * been applied to `tentative`; it is rebuilt from `served` and the waiting ones.
 */
export class YjsDocs implements DocHub {
  private readonly rooms = new Map<string, Room>();
  private readonly loading = new Map<string, Promise<Room>>();
  private readonly listeners = new Set<(room: string, here: boolean) => void>();
  private readonly writer: UpdateWriter;
  private readonly opts: Required<HubOptions>;
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(
    private readonly store: YjsStore,
    private readonly relay: Relay,
    private readonly log: Logger,
    opts: HubOptions = {},
  ) {
    this.writer = new UpdateWriter(store);
    this.opts = { unloadAfterMs: 60_000, headCheckMs: 0, gapWaitMs: 250, compactAfterUpdates: 500, ...opts };
  }

  /** Starts the sweeps and the catch-up after a fan-out outage; returns what stops them. */
  start(): () => Promise<void> {
    const sweep = setInterval(() => void this.sweep(), Math.max(50, Math.min(10_000, this.opts.unloadAfterMs / 2)));
    sweep.unref();
    this.timers.push(sweep);
    if (this.opts.headCheckMs > 0) {
      const heads = setInterval(() => void this.checkHeads(), this.opts.headCheckMs);
      heads.unref();
      this.timers.push(heads);
    }
    // Messages relayed while the fan-out was away are lost: the database has them.
    this.relay.onReconnect(() => void this.catchUpAll());
    return () => this.stop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.writer.flushed();
    for (const room of this.rooms.values()) this.drop(room);
  }

  // ---- DocHub ----

  async read<T>(name: string, fn: (doc: Y.Doc) => T): Promise<T> {
    const room = await this.room(name);
    room.lastUsed = Date.now();
    return fn(room.served);
  }

  async change(name: string, fn: (doc: Y.Doc) => void): Promise<void> {
    const room = await this.room(name);
    room.lastUsed = Date.now();
    let update: Uint8Array | null = null;
    const capture = (u: Uint8Array, origin: unknown) => {
      if (origin === SERVER) update = update ? Y.mergeUpdates([update, u]) : u;
    };
    room.tentative.on('update', capture);
    try {
      room.tentative.transact(() => fn(room.tentative), SERVER);
    } catch (err) {
      this.rebuild(room);
      throw err;
    } finally {
      room.tentative.off('update', capture);
    }
    if (update) await this.commit(room, update, null);
  }

  onChange(listener: (room: string, here: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- more than DocHub: for the endpoint, the meetings feature and tests ----

  /** Connects a client to a room: sends it the server's sync step 1 and the awareness states; returns its message handler. */
  async connect(name: string, peer: Peer, access: Access): Promise<{ receive(message: Uint8Array): void; close(): void }> {
    const room = await this.room(name);
    const conn: Conn = { peer, access, clientIds: new Set(), failed: false, tokens: MESSAGES_BURST, refilledAt: Date.now(), held: [], heldBytes: 0 };
    if (room.frozen) conn.access = { ...access, write: false };
    room.conns.add(conn);
    room.lastUsed = Date.now();
    const enc = encoding.createEncoder();
    encoding.writeVarUint(enc, MESSAGE_SYNC);
    encoding.writeVarUint(enc, SYNC_STEP1);
    encoding.writeVarUint8Array(enc, Y.encodeStateVector(room.served));
    peer.send(encoding.toUint8Array(enc));
    const states = room.awareness.getStates();
    if (states.size > 0) peer.send(awarenessMessage(awarenessProtocol.encodeAwarenessUpdate(room.awareness, [...states.keys()])));
    let open = true;
    return {
      receive: (message) => {
        if (open) this.receive(room, conn, message);
      },
      close: () => {
        if (!open) return;
        open = false;
        this.disconnect(room, conn);
      },
    };
  }

  /**
   * The meeting is closed: its documents no longer take edits from anyone (on every instance) and
   * are compacted. Server changes (an outcome line written as polls close) still go through.
   */
  async meetingClosed(meetingId: string): Promise<void> {
    for (const name of [`meetings/${meetingId}/agenda`, `meetings/${meetingId}/notes`]) {
      const room = this.rooms.get(name);
      if (room) this.freeze(room);
      this.publish(name, RELAY_FREEZE, new Uint8Array());
      if (room) await this.compact(room);
    }
  }

  /** Asks the database for whatever this instance missed, in every room it holds. */
  async catchUpAll(): Promise<void> {
    await Promise.all([...this.rooms.values()].filter((r) => r.ready).map((r) => this.catchUp(r)));
  }

  /** Resolves once every update accepted so far is stored and applied. */
  async settled(): Promise<void> {
    await this.writer.flushed();
    await new Promise((r) => setImmediate(r));
  }

  /** The rooms held in memory (for tests and the unload sweep). */
  loadedRooms(): string[] {
    return [...this.rooms.keys()];
  }

  /** Compacts a loaded room now (tests; the sweep does it by itself). */
  async compactRoom(name: string): Promise<void> {
    const room = this.rooms.get(name);
    if (room) await this.compact(room);
  }

  // ---- loading ----

  private async room(name: string): Promise<Room> {
    if (this.stopped) throw new Error('the document hub is stopped');
    const loaded = this.rooms.get(name);
    if (loaded?.ready) return loaded;
    let p = this.loading.get(name);
    if (!p) {
      p = this.load(name).finally(() => this.loading.delete(name));
      this.loading.set(name, p);
    }
    return p;
  }

  private async load(name: string): Promise<Room> {
    const parsed = parseRoom(name);
    if (!parsed) throw new DocHubError(YJS_CLOSE.malformed, `no such room: ${name}`);
    const room = new Room(name, parsed.doc);
    this.rooms.set(name, room);
    // Subscribed before reading, so nothing stored after the read is missed (the sequence numbers tell what is already there).
    room.unsubscribe = this.relay.subscribe(`yjs:${name}`, (bytes, origin) => {
      if (origin === this.relay.instanceId) return;
      if (room.early) room.early.push(bytes);
      else this.onRelay(room, bytes);
    });
    try {
      const stored = await this.store.load(name);
      if (stored.snapshot) {
        Y.applyUpdate(room.served, stored.snapshot.state, REMOTE);
        room.watermark = stored.snapshot.seq;
        room.bytes = stored.snapshot.state.length;
      }
      for (const u of stored.updates) {
        try {
          Y.applyUpdate(room.served, u.update, REMOTE);
        } catch (err) {
          this.log.error('a stored Yjs update could not be applied', { room: name, seq: u.seq, err });
        }
        room.watermark = u.seq;
        room.bytes += u.update.length;
        room.sinceSnapshot++;
      }
    } catch (err) {
      this.drop(room);
      throw err;
    }
    this.rebuild(room);
    room.awareness.on('update', (change: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
      const ids = [...change.added, ...change.updated, ...change.removed];
      const update = awarenessProtocol.encodeAwarenessUpdate(room.awareness, ids);
      const message = awarenessMessage(update);
      for (const c of room.conns) c.peer.send(message);
      // A local editor's state, or its departure, goes to the other instances; their own time-outs stay theirs.
      if (origin !== REMOTE && origin !== 'timeout') this.publish(room.name, RELAY_AWARENESS, update);
    });
    const early = room.early ?? [];
    room.early = null;
    room.ready = true;
    for (const bytes of early) this.onRelay(room, bytes);
    return room;
  }

  /** Forgets a room (nothing pending): unsubscribes, frees its documents. */
  private drop(room: Room): void {
    if (this.rooms.get(room.name) === room) this.rooms.delete(room.name);
    room.unsubscribe();
    if (room.gapTimer) clearTimeout(room.gapTimer);
    room.awareness.destroy();
    room.served.destroy();
    room.tentative?.destroy();
    for (const c of room.conns) c.peer.close(1001, 'going away');
    room.conns.clear();
  }

  /** `tentative` anew: `served` plus the updates stored but not yet in it and those waiting for their commit. */
  private rebuild(room: Room): void {
    room.tentative?.destroy();
    const t = defineRoots(new Y.Doc(), room.kind);
    Y.applyUpdate(t, Y.encodeStateAsUpdate(room.served), REMOTE);
    for (const e of [...room.stored.map((d) => d.entry), ...room.pending]) {
      if (e.sender?.failed) continue;
      try {
        Y.applyUpdate(t, e.update, REMOTE);
      } catch {
        // It passed the checks once; it cannot fail now. Should it, the next check sees the difference.
      }
    }
    room.tentative = t;
    room.checker = new ShapeChecker(t, room.kind);
  }

  // ---- messages from a client ----

  private receive(room: Room, conn: Conn, message: Uint8Array): void {
    room.lastUsed = Date.now();
    if (!this.takeToken(conn)) return this.closeConn(room, conn, YJS_CLOSE.rateLimited, 'too many messages');
    if (message.length > YJS_LIMITS.updateBytes + 16) return this.closeConn(room, conn, YJS_CLOSE.tooLarge, 'message too large');
    try {
      const dec = decoding.createDecoder(message);
      const type = decoding.readVarUint(dec);
      switch (type) {
        case MESSAGE_SYNC: {
          const step = decoding.readVarUint(dec);
          const body = decoding.readVarUint8Array(dec);
          if (step === SYNC_STEP1) {
            const sv = Y.decodeStateVector(body);
            for (const [client, clock] of sv)
              if (!Number.isSafeInteger(client) || !Number.isSafeInteger(clock)) throw new UpdateRejected('bad state vector');
            const enc = encoding.createEncoder();
            encoding.writeVarUint(enc, MESSAGE_SYNC);
            encoding.writeVarUint(enc, SYNC_STEP2);
            encoding.writeVarUint8Array(enc, Y.encodeStateAsUpdate(room.served, body));
            conn.peer.send(encoding.toUint8Array(enc));
          } else if (step === SYNC_STEP2 || step === SYNC_UPDATE) {
            this.receiveUpdate(room, conn, body);
          } else throw new UpdateRejected('unknown sync step');
          break;
        }
        case MESSAGE_AWARENESS:
          this.receiveAwareness(room, conn, decoding.readVarUint8Array(dec));
          break;
        case MESSAGE_AUTH:
          break;
        case MESSAGE_QUERY_AWARENESS: {
          const states = room.awareness.getStates();
          conn.peer.send(awarenessMessage(awarenessProtocol.encodeAwarenessUpdate(room.awareness, [...states.keys()])));
          break;
        }
        default:
          throw new UpdateRejected('unknown message type');
      }
    } catch (err) {
      const reason = err instanceof UpdateRejected ? err.reason : 'undecodable message';
      this.closeConn(room, conn, err instanceof UpdateRejected && err.kind === 'shape' ? YJS_CLOSE.shape : YJS_CLOSE.malformed, reason);
    }
  }

  private receiveUpdate(room: Room, conn: Conn, update: Uint8Array): void {
    if (update.length > YJS_LIMITS.updateBytes) return this.closeConn(room, conn, YJS_CLOSE.tooLarge, 'update too large');
    const scan = scanUpdate(update, ROOTS[room.kind]);
    if (scan.empty) return;
    if (!conn.access.write) {
      // A reader's sync reply repeats what it has; only something new is a write.
      if (addsNothing(room.served, scan)) return;
      return this.tellReadOnly(conn);
    }
    if (!holds(room.tentative, scan.needs)) {
      conn.held.push({ update, scan });
      conn.heldBytes += update.length;
      if (conn.heldBytes > YJS_LIMITS.docBytes) this.closeConn(room, conn, YJS_CLOSE.tooLarge, 'too much waiting for content it builds on');
      return;
    }
    if (this.accept(room, conn, update, scan)) this.takeHeld(room);
  }

  /** Checks an update whose dependencies are there, and stores it; false when its connection was closed. */
  private accept(room: Room, conn: Conn, update: Uint8Array, scan: ScannedUpdate): boolean {
    const verdict = this.validate(room, update, scan);
    if (verdict === 'noop') return true;
    if (verdict !== 'ok') {
      this.closeConn(room, conn, verdict.code, verdict.reason);
      return false;
    }
    if (scan.structs.length > 0 && room.bytes + update.length > YJS_LIMITS.docBytes) {
      const actual = Y.encodeStateAsUpdate(room.tentative).length;
      if (actual > YJS_LIMITS.docBytes) {
        this.rebuild(room);
        this.closeConn(room, conn, YJS_CLOSE.tooLarge, 'document too large');
        return false;
      }
      room.bytes = actual - update.length;
    }
    void this.commit(room, update, conn).catch(() => {});
    return true;
  }

  /** Takes every held update whose dependencies have arrived (each may bring another's). */
  private takeHeld(room: Room): void {
    for (let progress = true; progress;) {
      progress = false;
      for (const conn of room.conns) {
        while (conn.held.length > 0 && room.conns.has(conn) && holds(room.tentative, conn.held[0]!.scan.needs)) {
          const { update, scan } = conn.held.shift()!;
          conn.heldBytes -= update.length;
          this.accept(room, conn, update, scan);
          progress = true;
        }
      }
    }
  }

  /** Applies an update to `tentative` and checks what it changed. */
  private validate(room: Room, update: Uint8Array, scan: ScannedUpdate): 'ok' | 'noop' | { code: number; reason: string } {
    const t = room.tentative;
    // A relayed update that arrived after a gap may already wait in Yjs's pending structs (until
    // the catch-up brings what it builds on): that is not this update's doing.
    const waitingBefore = t.store.pendingStructs !== null || t.store.pendingDs !== null;
    let changed = false;
    let problem: string | null = null;
    const after = (tr: Y.Transaction) => {
      if (tr.origin !== VALIDATING) return;
      changed = tr.deleteSet.clients.size > 0 || [...tr.afterState].some(([c, clock]) => (tr.beforeState.get(c) ?? 0) !== clock);
      if (changed) {
        try {
          problem = room.checker.check(tr);
        } catch (err) {
          problem = `check failed: ${(err as Error).message}`;
        }
      }
    };
    t.on('afterTransaction', after);
    try {
      Y.applyUpdate(t, update, VALIDATING);
    } catch {
      this.rebuild(room);
      return { code: YJS_CLOSE.malformed, reason: 'update could not be applied' };
    } finally {
      t.off('afterTransaction', after);
    }
    const ownWaiting = scan.structs.some((s) => Y.getState(t.store, s.client) < s.clock + s.len);
    if (ownWaiting || (!waitingBefore && (t.store.pendingStructs !== null || t.store.pendingDs !== null))) {
      this.rebuild(room);
      return { code: YJS_CLOSE.malformed, reason: 'update depends on content the server does not have' };
    }
    if (problem) {
      this.rebuild(room);
      return { code: YJS_CLOSE.shape, reason: problem };
    }
    return changed ? 'ok' : 'noop';
  }

  private receiveAwareness(room: Room, conn: Conn, update: Uint8Array): void {
    // Readers are seen by no one: their awareness is dropped without a word (the provider sends one on connect).
    if (!conn.access.write || !conn.access.user) return;
    const dec = decoding.createDecoder(update);
    const n = decoding.readVarUint(dec);
    if (n > CLIENT_IDS_PER_CONNECTION) throw new UpdateRejected('too many awareness states');
    const out: [number, number, string][] = [];
    for (let i = 0; i < n; i++) {
      const clientId = decoding.readVarUint(dec);
      const clock = decoding.readVarUint(dec);
      const json = decoding.readVarString(dec);
      const owner = room.awarenessOwners.get(clientId);
      if (json.length > YJS_LIMITS.awarenessStateBytes) continue;
      if (owner !== conn) {
        // Another connection's client, or one on another instance whose state this client echoes
        // back (the stock provider sends on every awareness change, its peers' too): not its to
        // speak for. A client id is claimed by the first connection that brings it while unknown.
        if (owner || room.awareness.states.has(clientId) || json === 'null') continue;
        if (conn.clientIds.size >= CLIENT_IDS_PER_CONNECTION) continue;
      }
      let state: unknown;
      try {
        state = JSON.parse(json);
      } catch {
        throw new UpdateRejected('bad awareness state');
      }
      if (state !== null && (typeof state !== 'object' || Array.isArray(state))) continue;
      // The identity is the session's, whatever the client wrote.
      const stamped = state === null ? null : { ...(state as object), user: conn.access.user };
      room.awarenessOwners.set(clientId, conn);
      conn.clientIds.add(clientId);
      out.push([clientId, clock, JSON.stringify(stamped)]);
    }
    if (dec.pos !== update.length) throw new UpdateRejected('bytes after the awareness update');
    if (out.length === 0) return;
    const enc = encoding.createEncoder();
    encoding.writeVarUint(enc, out.length);
    for (const [id, clock, json] of out) {
      encoding.writeVarUint(enc, id);
      encoding.writeVarUint(enc, clock);
      encoding.writeVarString(enc, json);
    }
    awarenessProtocol.applyAwarenessUpdate(room.awareness, encoding.toUint8Array(enc), conn);
  }

  private tellReadOnly(conn: Conn): void {
    // y-protocols' auth message, "permission denied": the stock provider logs the reason.
    const enc = encoding.createEncoder();
    encoding.writeVarUint(enc, MESSAGE_AUTH);
    encoding.writeVarUint(enc, 0);
    encoding.writeVarString(enc, 'read-only');
    conn.peer.send(encoding.toUint8Array(enc));
  }

  private takeToken(conn: Conn): boolean {
    const now = Date.now();
    conn.tokens = Math.min(MESSAGES_BURST, conn.tokens + ((now - conn.refilledAt) / 1000) * MESSAGES_PER_SECOND);
    conn.refilledAt = now;
    if (conn.tokens < 1) return false;
    conn.tokens -= 1;
    return true;
  }

  private closeConn(room: Room, conn: Conn, code: number, reason: string): void {
    this.log.info('yjs connection closed', { room: room.name, code, reason });
    conn.peer.close(code, reason.slice(0, 120));
    this.disconnect(room, conn);
  }

  private disconnect(room: Room, conn: Conn): void {
    if (!room.conns.delete(conn)) return;
    room.lastUsed = Date.now();
    const ids = [...conn.clientIds].filter((id) => room.awarenessOwners.get(id) === conn);
    for (const id of ids) room.awarenessOwners.delete(id);
    if (ids.length > 0) awarenessProtocol.removeAwarenessStates(room.awareness, ids, 'close');
  }

  private freeze(room: Room): void {
    room.frozen = true;
    for (const c of room.conns) c.access = { ...c.access, write: false };
  }

  // ---- storing and relaying ----

  /** Stores an accepted update (already in `tentative`), then applies it to `served`, sends it to the room and relays it. */
  private commit(room: Room, update: Uint8Array, sender: Conn | null): Promise<void> {
    const entry: Entry = { update, sender };
    room.pending.push(entry);
    return this.writer.submit({ room: room.name, update }, sender).then(
      (seq) => {
        removeFrom(room.pending, entry);
        if (seq === null) return this.rebuild(room);
        this.committed(room, entry, seq);
      },
      (err: unknown) => {
        removeFrom(room.pending, entry);
        this.log.warn('a Yjs update could not be stored', { room: room.name, err });
        if (sender && !sender.failed) {
          sender.failed = true;
          // Its later updates are not written (UpdateWriter#refused); on reconnecting, sync sends them all again.
          this.closeConn(room, sender, YJS_CLOSE.storage, 'could not store the update');
        }
        this.rebuild(room);
        throw err;
      },
    );
  }

  /**
   * A stored update: gathered with the others of its batch (their promises resolve in the same
   * turn), then `afterCommit` once for all of them.
   */
  private committed(room: Room, entry: Entry, seq: number): void {
    room.stored.push({ entry, seq });
    if (room.stored.length === 1) queueMicrotask(() => this.afterCommit(room));
  }

  /**
   * A batch's stored updates, first to the other editors (what each keystroke's latency is made
   * of), in one merged message per connection, then into `served`, to the listeners and to the
   * other instances. Nothing else runs in between: a connection's sync still sees every update
   * it was sent.
   */
  private afterCommit(room: Room): void {
    const done = room.stored;
    room.stored = [];
    // A catch-up may have applied (and sent) some of them first.
    const fresh = done.filter((d) => !this.has(room, d.seq));
    if (fresh.length === 1) this.broadcast(room, fresh[0]!.entry.update, fresh[0]!.entry.sender);
    else if (fresh.length > 1) {
      const senders = new Set(fresh.map((d) => d.entry.sender));
      this.broadcast(room, Y.mergeUpdates(fresh.map((d) => d.entry.update)), senders.size === 1 ? fresh[0]!.entry.sender : null);
    }
    for (const { entry, seq } of done) {
      room.sinceSnapshot++;
      room.bytes += entry.update.length;
      if (!this.has(room, seq)) {
        this.applyServed(room, entry.update);
        this.mark(room, seq);
      }
      // Told even when a catch-up applied it first: listeners that act once per change act here.
      this.notify(room.name, true);
      // Published even when a catch-up got it first: the other instances may not have it.
      const enc = encoding.createEncoder();
      encoding.writeVarUint(enc, seq);
      encoding.writeVarUint8Array(enc, entry.update);
      this.publish(room.name, RELAY_UPDATE, encoding.toUint8Array(enc));
    }
    if (room.sinceSnapshot >= this.opts.compactAfterUpdates) void this.compact(room);
  }

  private applyServed(room: Room, update: Uint8Array): void {
    try {
      Y.applyUpdate(room.served, update, REMOTE);
    } catch (err) {
      this.log.error('a stored Yjs update could not be applied', { room: room.name, err });
    }
  }

  /**
   * Sends an update relayed from another instance to the room, together with the others that
   * arrive in the same turn, as `afterCommit` does with a batch stored here: one merged message
   * per connection costs one socket write where twenty updates cost twenty (the write, not the
   * merge, is what holds the event loop). A connection may get its own update back in a merged
   * one, as the stock y-websocket server always does: applying it again changes nothing.
   */
  private send(room: Room, entry: Entry): void {
    room.outbox.push(entry);
    if (room.outbox.length > 1) return;
    // After the other resolutions of this batch, already queued as microtasks.
    queueMicrotask(() => {
      const out = room.outbox;
      room.outbox = [];
      if (out.length === 1) this.broadcast(room, out[0]!.update, out[0]!.sender);
      else {
        const senders = new Set(out.map((e) => e.sender));
        this.broadcast(room, Y.mergeUpdates(out.map((e) => e.update)), senders.size === 1 ? out[0]!.sender : null);
      }
    });
  }

  private broadcast(room: Room, update: Uint8Array, except: Conn | null): void {
    const enc = encoding.createEncoder();
    encoding.writeVarUint(enc, MESSAGE_SYNC);
    encoding.writeVarUint(enc, SYNC_UPDATE);
    encoding.writeVarUint8Array(enc, update);
    const message = encoding.toUint8Array(enc);
    for (const c of room.conns) if (c !== except) c.peer.send(message);
  }

  private notify(name: string, here: boolean): void {
    for (const l of this.listeners) {
      try {
        l(name, here);
      } catch (err) {
        this.log.error('a document change listener failed', { room: name, err });
      }
    }
  }

  private publish(name: string, kind: number, body: Uint8Array): void {
    const enc = encoding.createEncoder();
    encoding.writeVarUint(enc, kind);
    encoding.writeUint8Array(enc, body);
    this.relay.publish(`yjs:${name}`, encoding.toUint8Array(enc));
  }

  private onRelay(room: Room, bytes: Uint8Array): void {
    if (!this.rooms.has(room.name)) return;
    try {
      const dec = decoding.createDecoder(bytes);
      const kind = decoding.readVarUint(dec);
      if (kind === RELAY_UPDATE) {
        const seq = decoding.readVarUint(dec);
        const update = decoding.readVarUint8Array(dec);
        if (this.has(room, seq)) return;
        this.applyRemote(room, update);
        this.mark(room, seq);
        this.send(room, { update, sender: null });
        this.notify(room.name, false);
        this.takeHeld(room);
      } else if (kind === RELAY_AWARENESS) {
        awarenessProtocol.applyAwarenessUpdate(room.awareness, decoding.readTailAsUint8Array(dec), REMOTE);
      } else if (kind === RELAY_FREEZE) {
        this.freeze(room);
      }
    } catch (err) {
      this.log.warn('a relayed Yjs message could not be read', { room: room.name, err });
    }
  }

  /** A stored update from elsewhere: into both copies. */
  private applyRemote(room: Room, update: Uint8Array): void {
    // Counted for compaction like this instance's own: whichever instance reaches the mark compacts.
    room.sinceSnapshot++;
    room.bytes += update.length;
    this.applyServed(room, update);
    try {
      Y.applyUpdate(room.tentative, update, REMOTE);
    } catch {
      this.rebuild(room);
    }
  }

  private has(room: Room, seq: number): boolean {
    return seq <= room.watermark || room.seen.has(seq);
  }

  private mark(room: Room, seq: number): void {
    if (seq <= room.watermark) return;
    room.seen.add(seq);
    while (room.seen.delete(room.watermark + 1)) room.watermark++;
    // A hole: wait a little for it (its relay may be on its way), then ask the database.
    if (room.seen.size > 0 && !room.gapTimer) {
      room.gapTimer = setTimeout(() => {
        room.gapTimer = null;
        if (room.seen.size > 0) void this.catchUp(room);
      }, this.opts.gapWaitMs);
      room.gapTimer.unref();
    }
  }

  /** Applies what the database has after this room's watermark. */
  private async catchUp(room: Room): Promise<void> {
    if (room.catching) {
      room.catchAgain = true;
      return room.catching;
    }
    room.catching = (async () => {
      do {
        room.catchAgain = false;
        try {
          const stored = await this.store.load(room.name, room.watermark);
          if (!this.rooms.has(room.name)) return;
          const before = Y.encodeStateVector(room.served);
          let any = false;
          if (stored.snapshot && stored.snapshot.seq > room.watermark) {
            this.applyRemote(room, stored.snapshot.state);
            room.watermark = stored.snapshot.seq;
            for (const s of room.seen) if (s <= room.watermark) room.seen.delete(s);
            while (room.seen.delete(room.watermark + 1)) room.watermark++;
            any = true;
          }
          for (const u of stored.updates) {
            if (this.has(room, u.seq)) continue;
            this.applyRemote(room, u.update);
            this.mark(room, u.seq);
            any = true;
          }
          if (any) {
            this.broadcast(room, Y.encodeStateAsUpdate(room.served, before), null);
            this.notify(room.name, false);
            this.takeHeld(room);
          }
        } catch (err) {
          this.log.warn('Yjs catch-up from the database failed', { room: room.name, err });
        }
      } while (room.catchAgain);
    })().finally(() => {
      room.catching = null;
    });
    return room.catching;
  }

  private async checkHeads(): Promise<void> {
    const rooms = [...this.rooms.values()].filter((r) => r.ready);
    if (rooms.length === 0) return;
    try {
      const heads = await this.store.heads(rooms.map((r) => r.name));
      for (const r of rooms) if ((heads.get(r.name) ?? 0) > r.watermark && r.pending.length === 0) void this.catchUp(r);
    } catch (err) {
      this.log.warn('Yjs head check failed', { err });
    }
  }

  // ---- compaction and unloading ----

  private async compact(room: Room): Promise<void> {
    if (room.compacting || room.sinceSnapshot === 0) return;
    room.compacting = true;
    try {
      const state = Y.encodeStateAsUpdate(room.served);
      const seq = room.watermark;
      const counted = room.sinceSnapshot;
      if (await this.store.compact(room.name, seq, state)) {
        room.sinceSnapshot = Math.max(0, room.sinceSnapshot - counted);
        room.bytes = state.length;
      }
    } catch (err) {
      this.log.warn('Yjs compaction failed', { room: room.name, err });
    } finally {
      room.compacting = false;
    }
  }

  private async sweep(): Promise<void> {
    const now = Date.now();
    for (const room of [...this.rooms.values()]) {
      if (!room.ready || room.conns.size > 0 || room.pending.length > 0 || now - room.lastUsed < this.opts.unloadAfterMs) continue;
      await this.compact(room);
      // Still idle after compacting: nothing arrived meanwhile.
      if (room.conns.size === 0 && room.pending.length === 0 && !room.catching && this.rooms.get(room.name) === room) this.drop(room);
    }
  }
}

function awarenessMessage(update: Uint8Array): Uint8Array {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, MESSAGE_AWARENESS);
  encoding.writeVarUint8Array(enc, update);
  return encoding.toUint8Array(enc);
}

/** Whether `doc` holds everything an update needs (ScannedUpdate.needs). */
function holds(doc: Y.Doc, needs: Map<number, number>): boolean {
  for (const [client, clock] of needs) if (Y.getState(doc.store, client) < clock) return false;
  return true;
}

function removeFrom<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}

/** Whether an update holds nothing that `doc` lacks: every struct already there, every deletion already made. */
function addsNothing(doc: Y.Doc, scan: ScannedUpdate): boolean {
  for (const s of scan.structs) if (Y.getState(doc.store, s.client) < s.clock + s.len) return false;
  for (const d of scan.deletes) {
    if (Y.getState(doc.store, d.client) < d.clock + d.len) return false;
    const structs = doc.store.clients.get(d.client)!;
    for (let i = Y.findIndexSS(structs, d.clock); i < structs.length && structs[i]!.id.clock < d.clock + d.len; i++) {
      const s = structs[i]!;
      if (s instanceof Y.Item && !s.deleted) return false;
    }
  }
  return true;
}
