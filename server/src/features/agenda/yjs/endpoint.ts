import { createHash } from 'node:crypto';
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { can, type Principal, type Target } from '@yishi/domain';
import { parseRoom, YJS_CLOSE, YJS_LIMITS, type MeetingId } from '@yishi/protocol';
import { AppError } from '../../../errors.ts';
import { sessionFromRequest, sessionTokenHash } from '../../../http/session-cookie.ts';
import { steadyLimiter } from '../../../rate-limit.ts';
import { originAllowed } from '../../../realtime/socket-server.ts';
import type { Services } from '../../../services.ts';
import type { Access } from './doc-hub.ts';

/** Where the endpoint listens: `ws(s)://HOST:PORT/yjs/<room>`, the stock provider's `serverUrl + '/' + room`. */
export const YJS_PATH = '/yjs/';

/** Handshakes per session on this instance, as for Socket.IO (realtime/socket-server.ts). */
const HANDSHAKES_PER_SESSION = { perSecond: 2, burst: 20 };
/** A connection that has been sent nothing for this long gets an empty awareness message (ms). */
const KEEPALIVE_MS = 15_000;
/** How often sessions and roles behind open connections are read again (ms). */
const RECHECK_MS = 15_000;
/** A client that reads this much slower than the room writes is dropped (it resyncs on reconnect). */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/** Awareness colours: one per member, stable, readable on white. */
const COLOURS = ['#d9480f', '#1971c2', '#2f9e44', '#9c36b5', '#e67700', '#0c8599', '#c2255c', '#5f3dc4', '#5c940d', '#364fc7'];
export const colourOf = (memberId: string) => COLOURS[createHash('sha256').update(memberId).digest()[0]! % COLOURS.length]!;

interface Live {
  ws: WebSocket;
  room: string;
  tokenHash: string;
  target: Target;
  doc: 'agenda' | 'notes';
  write: boolean;
  lastSent: number;
  alive: boolean;
  close: () => void;
}

/** Who may open a room, and write to it. */
export function accessTo(principal: Principal, doc: 'agenda' | 'notes', target: Target, closed: boolean): { read: boolean; write: boolean } {
  // Residents follow the agenda; the notes are the council's until approved (issue 10).
  const read = doc === 'agenda' ? can(principal, 'meeting.view', target) : principal.kind === 'member' && can(principal, 'council.view', target);
  return { read, write: read && !closed && can(principal, 'agenda.edit', target) };
}

/**
 * The y-websocket endpoint on the server's own port. Takes the HTTP server's `upgrade` events for
 * /yjs/ and hands every other path to the listeners already there (Socket.IO's engine). The
 * handshake is refused before the upgrade, with a plain HTTP status, for a foreign Origin (403),
 * no session (401), a room that does not exist (404), one the session may not open (403) or too
 * many handshakes or connections (429). After it, doc-hub.ts speaks the protocol.
 */
export function attachYjsEndpoint(http: HttpServer, services: Services): () => void {
  const { config, store, docs, log } = services;
  const wss = new WebSocketServer({ noServer: true, maxPayload: YJS_LIMITS.updateBytes + 64, perMessageDeflate: false });
  const handshakes = steadyLimiter(HANDSHAKES_PER_SESSION);
  const perSession = new Map<string, number>();
  const live = new Set<Live>();

  const others = http.listeners('upgrade') as ((req: IncomingMessage, socket: Duplex, head: Buffer) => void)[];
  http.removeAllListeners('upgrade');
  const dispatch = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if ((req.url ?? '').startsWith(YJS_PATH)) void upgrade(req, socket, head);
    else for (const l of others) l.call(http, req, socket, head);
  };
  http.on('upgrade', dispatch);

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => {});
    try {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const room = path.slice(YJS_PATH.length);
      const parsed = parseRoom(room);
      if (!parsed) return refuse(socket, 404, 'not_found');
      if (!originAllowed(req, config.PUBLIC_ORIGIN)) return refuse(socket, 403, 'bad_origin');
      const tokenHash = sessionTokenHash(req);
      if (!tokenHash) return refuse(socket, 401, 'unauthenticated');
      if (!(await handshakes.take(tokenHash))) return refuse(socket, 429, 'rate_limited');
      if ((perSession.get(tokenHash) ?? 0) >= YJS_LIMITS.connectionsPerSession) return refuse(socket, 429, 'too_many_connections');
      const session = await sessionFromRequest(store, req);
      if (!session) return refuse(socket, 401, 'unauthenticated');
      let meeting;
      try {
        meeting = await store.meetings.get(parsed.meetingId as MeetingId);
      } catch (err) {
        if (err instanceof AppError && err.code === 'not_found') return refuse(socket, 404, 'not_found');
        throw err;
      }
      const target: Target = { councilId: meeting.councilId, meetingId: meeting.id };
      const { read, write } = accessTo(session.principal, parsed.doc, target, meeting.state === 'closed');
      if (!read) return refuse(socket, 403, 'forbidden');
      const p = session.principal;
      const access: Access = {
        write,
        user: p.kind === 'member' ? { id: p.memberId, name: p.name, color: colourOf(p.memberId) } : null,
      };
      if (socket.destroyed) return;
      wss.handleUpgrade(req, socket, head, (ws) => void open(ws, room, parsed.doc, access, tokenHash, target));
    } catch (err) {
      log.warn('yjs handshake failed', { err });
      refuse(socket, 500, 'internal');
    }
  }

  async function open(ws: WebSocket, room: string, doc: 'agenda' | 'notes', access: Access, tokenHash: string, target: Target): Promise<void> {
    perSession.set(tokenHash, (perSession.get(tokenHash) ?? 0) + 1);
    const queue: Uint8Array[] = [];
    let handler: { receive(m: Uint8Array): void; close(): void } | null = null;
    const entry: Live = { ws, room, tokenHash, target, doc, write: access.write, lastSent: Date.now(), alive: true, close: () => handler?.close() };
    live.add(entry);
    ws.on('message', (data: RawData) => {
      const bytes = toBytes(data);
      if (handler) handler.receive(bytes);
      else queue.push(bytes);
    });
    ws.on('pong', () => (entry.alive = true));
    ws.on('error', () => {});
    ws.on('close', () => {
      live.delete(entry);
      const n = (perSession.get(tokenHash) ?? 1) - 1;
      if (n > 0) perSession.set(tokenHash, n);
      else perSession.delete(tokenHash);
      handler?.close();
    });
    const peer = {
      send: (m: Uint8Array) => {
        if (ws.readyState !== WebSocket.OPEN) return;
        if (ws.bufferedAmount > MAX_BUFFERED_BYTES) return ws.terminate();
        entry.lastSent = Date.now();
        ws.send(m);
      },
      close: (code: number, reason: string) => ws.close(code, reason),
    };
    try {
      handler = await docs.connect(room, peer, access);
    } catch (err) {
      log.warn('yjs room could not be opened', { room, err });
      ws.close(1011, 'internal');
      return;
    }
    if (ws.readyState !== WebSocket.OPEN) return handler.close();
    for (const m of queue.splice(0)) handler.receive(m);
  }

  // Keep-alive both ways: a ping finds a peer that vanished; an empty awareness message keeps the
  // stock provider, which reconnects after 30 s without a message, from dropping a quiet room.
  const keepalive = setInterval(() => {
    const now = Date.now();
    for (const l of live) {
      if (!l.alive) {
        l.ws.terminate();
        continue;
      }
      l.alive = false;
      l.ws.ping();
      if (now - l.lastSent >= KEEPALIVE_MS && l.ws.readyState === WebSocket.OPEN) {
        l.lastSent = now;
        l.ws.send(EMPTY_AWARENESS);
      }
    }
  }, KEEPALIVE_MS);
  keepalive.unref();

  // A session signed out, a link revoked or a role taken away ends its connections (the client
  // reconnects and is refused, or let in read-only).
  const recheck = setInterval(() => void recheckSessions(), RECHECK_MS);
  recheck.unref();
  async function recheckSessions(): Promise<void> {
    const byToken = new Map<string, Live[]>();
    for (const l of live) byToken.set(l.tokenHash, [...(byToken.get(l.tokenHash) ?? []), l]);
    for (const [tokenHash, conns] of byToken) {
      let principal: Principal | null;
      try {
        principal = await store.sessions.find(tokenHash);
      } catch {
        continue;
      }
      for (const l of conns) {
        const now = principal ? accessTo(principal, l.doc, l.target, false) : { read: false, write: false };
        if (!now.read || (l.write && !now.write)) l.ws.close(YJS_CLOSE.forbidden, 'access changed');
      }
    }
  }

  return () => {
    clearInterval(keepalive);
    clearInterval(recheck);
    http.off('upgrade', dispatch);
    for (const l of others) http.on('upgrade', l);
    for (const l of live) l.ws.close(1001, 'going away');
    wss.close();
  };
}

const EMPTY_AWARENESS = new Uint8Array([1, 1, 0]);

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

const STATUS_TEXT: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

/** Refuses a handshake before the upgrade: a plain HTTP response naming the error code, then the socket is closed. */
function refuse(socket: Duplex, status: number, code: string): void {
  if (socket.destroyed) return;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nContent-Type: text/plain\r\nContent-Length: ${code.length}\r\nConnection: close\r\n\r\n${code}`,
  );
}
