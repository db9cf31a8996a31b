import WebSocket from 'ws';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

/**
 * Yjs clients for tests and benchmarks: the stock y-websocket provider from npm, with `ws` as
 * its WebSocket carrying a session cookie and an Origin as a browser would; and a raw
 * connection that speaks the protocol's bytes by hand, to send what no honest client sends.
 */

/** A WebSocket class for the provider (`WebSocketPolyfill`) that sends this cookie and Origin. */
export function sessionWebSocket(cookie: string, origin: string | null): typeof WebSocket {
  return class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      const headers: Record<string, string> = {};
      if (cookie) headers.cookie = cookie;
      if (origin) headers.origin = origin;
      super(url, protocols, { headers });
    }
  } as typeof WebSocket;
}

/** The stock provider on `<base>/yjs` for `room`, as `cookie` (an ApiClient's). */
export function yjsProvider(base: string, room: string, cookie: string, doc = new Y.Doc(), opts: { origin?: string | null } = {}): WebsocketProvider {
  const wsBase = base.replace(/^http/, 'ws') + '/yjs';
  return new WebsocketProvider(wsBase, room, doc, {
    WebSocketPolyfill: sessionWebSocket(cookie, opts.origin === undefined ? base : opts.origin) as never,
    maxBackoffTime: 500,
    disableBc: true,
  });
}

export function synced(p: WebsocketProvider, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (p.synced) return resolve();
    const t = setTimeout(() => reject(new Error(`not synced within ${timeoutMs} ms`)), timeoutMs);
    p.on('sync', (s: boolean) => {
      if (s) {
        clearTimeout(t);
        resolve();
      }
    });
  });
}

export interface RawYjs {
  ws: WebSocket;
  /** Every message the server sent, as bytes. */
  messages: Uint8Array[];
  closed: Promise<{ code: number; reason: string }>;
  send(bytes: Uint8Array): void;
  /** A sync update message (type 0, step 2) carrying `update`. */
  sendUpdate(update: Uint8Array): void;
  sendAwareness(update: Uint8Array): void;
  /** The read-only notices received (y-protocols auth "permission denied" reasons). */
  denials(): string[];
}

/** Opens a raw connection; resolves with the HTTP status when the handshake is refused. */
export function rawYjs(base: string, room: string, cookie: string, origin: string | null = base): Promise<RawYjs | { status: number }> {
  return new Promise((resolve, reject) => {
    const Ws = sessionWebSocket(cookie, origin);
    const ws = new Ws(base.replace(/^http/, 'ws') + '/yjs/' + room);
    const messages: Uint8Array[] = [];
    ws.binaryType = 'nodebuffer';
    ws.on('message', (d: Buffer) => messages.push(new Uint8Array(d)));
    ws.on('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.on('error', (err) => reject(err));
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
    ws.on('open', () => {
      const frame = (type: number, step: number | null, body: Uint8Array) => {
        const enc = encoding.createEncoder();
        encoding.writeVarUint(enc, type);
        if (step !== null) encoding.writeVarUint(enc, step);
        encoding.writeVarUint8Array(enc, body);
        return encoding.toUint8Array(enc);
      };
      resolve({
        ws,
        messages,
        closed,
        send: (bytes) => ws.send(bytes),
        sendUpdate: (update) => ws.send(frame(0, 1, update)),
        sendAwareness: (update) => ws.send(frame(1, null, update)),
        denials: () =>
          messages.flatMap((m) => {
            const dec = decoding.createDecoder(m);
            if (decoding.readVarUint(dec) !== 2 || decoding.readVarUint(dec) !== 0) return [];
            return [decoding.readVarString(dec)];
          }),
      });
    });
  });
}

export const isRaw = (r: RawYjs | { status: number }): r is RawYjs => 'ws' in r;

/** An agenda item with every required key, as a client inserts it. */
export function agendaItem(id: string, title: string, kind: 'information' | 'discussion' | 'decision' = 'discussion'): Y.Map<unknown> {
  const m = new Y.Map<unknown>();
  m.set('id', id);
  m.set('title', new Y.Text(title));
  m.set('details', new Y.Text(''));
  m.set('kind', kind);
  m.set('minutes', 10);
  return m;
}

export const itemTitles = (doc: Y.Doc) => doc.getArray<Y.Map<unknown>>('items').map((m) => (m.get('title') as Y.Text).toString());

/**
 * Adds items with these ids to a meeting's agenda document through the stock provider, as an
 * editor (`cookie`) would, and resolves once a second, fresh connection sees them: the server has
 * accepted and stored them (a consensus check or an opinion thread can then name them).
 */
export async function addAgendaItems(base: string, room: string, cookie: string, ids: string[], timeoutMs = 15_000): Promise<void> {
  const writer = yjsProvider(base, room, cookie);
  let reader: WebsocketProvider | undefined;
  try {
    await synced(writer, timeoutMs);
    writer.doc.getArray<Y.Map<unknown>>('items').push(ids.map((id) => agendaItem(id, id)));
    reader = yjsProvider(base, room, cookie);
    const deadline = Date.now() + timeoutMs;
    const has = () => {
      const present = new Set(reader!.doc.getArray<Y.Map<unknown>>('items').map((m) => m.get('id')));
      return ids.every((id) => present.has(id));
    };
    while (!has()) {
      if (Date.now() > deadline) throw new Error(`agenda items ${ids.join(', ')} not seen by a fresh connection within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    reader?.destroy();
    writer.destroy();
  }
}
