import type { Server as HttpServer, IncomingMessage } from 'node:http';
import { Server } from 'socket.io';
import { LIMITS, protocolMatches, type HandshakeErrorCode } from '@yishi/protocol';
import type { ConnectionCaps } from '../connection-caps.ts';
import { clientAddress, type TrustFn } from '../http/client-address.ts';
import { sessionFromRequest, sessionTokenHash } from '../http/session-cookie.ts';
import { steadyLimiter } from '../rate-limit.ts';
import type { Services } from '../services.ts';
import { bindEvents } from '../core/events.ts';
import type { EventTable } from '../core/feature.ts';
import { meetingIdOfRoom, memberRoom, sessionRoom } from './rooms.ts';
import type { YishiServer } from './types.ts';

/**
 * Cross-site websocket hijacking is done from a browser, and browsers always send Origin.
 * So: an Origin must be allowlisted (or be this very host when no list is configured);
 * a client without Origin (a script, a bot) still needs a valid session cookie.
 */
export function originAllowed(req: IncomingMessage, allowlist: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  if (allowlist.length > 0) return allowlist.includes(origin.replace(/\/$/, ''));
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** A refused handshake: the browser reads the code as connect_error's message (web/src/lib/live.ts). */
const refusal = (code: HandshakeErrorCode) => new Error(code);

export function createSocketServer(http: HttpServer, publicOrigins: readonly string[]): YishiServer {
  const io: YishiServer = new Server(http, {
    transports: ['websocket'],
    maxHttpBufferSize: LIMITS.socketMessageBytes,
    serveClient: false,
    // A ping every 5 s (a few bytes: 5,000 sockets cost ~1,000 a second), and 20 s for its pong
    // before a socket is dropped. A 3 s timeout dropped all 5,000 sockets of the vote benchmark
    // whenever the server was busy for 3 s, and their reconnections kept it busy (issue 9). The
    // page does not wait for the drop to say the connection is gone: it shows "reconnecting" once
    // no ping came for 8 s, and at once on the browser's offline event (web/src/lib/live.ts).
    pingInterval: 5_000,
    pingTimeout: 20_000,
    // A connection whose handshake was refused (caps, origin, session) is closed this soon.
    connectTimeout: 10_000,
  });
  // The first middleware, before the session is read: a foreign Origin never reaches a handler.
  // Refused here rather than at the HTTP upgrade (allowRequest) because a browser cannot read an
  // upgrade's error response: it would see a generic websocket error instead of bad_origin.
  io.use((socket, next) => next(originAllowed(socket.request, publicOrigins) ? undefined : refusal('bad_origin')));
  // Then, before any session or cap is looked at: a page built for another protocol version
  // (one left open across an update) is told so, and the web app asks its user to reload.
  io.use((socket, next) => next(protocolMatches(socket.handshake.auth) ? undefined : refusal('protocol_mismatch')));
  return io;
}

/**
 * See attachSocketHandlers: handshakes allowed per session (a burst, then per second), and per
 * address per second (at least; a tenth of SOCKETS_PER_ADDRESS when that is larger), after a burst
 * of SOCKETS_PER_ADDRESS (at least 100): a whole room behind one NAT reconnects at once after a restart.
 */
const HANDSHAKES_PER_SESSION = { perSecond: 2, burst: 20 };
const HANDSHAKES_PER_SECOND_PER_ADDRESS = 50;

/** Wires authentication and handlers; called once the services (which need `io`) exist. */
export function attachSocketHandlers(
  io: YishiServer,
  services: Services,
  events: Required<EventTable>,
  caps: ConnectionCaps,
  trust: TrustFn,
): () => void {
  /** Events a socket may send: 20 a second after a burst of 40. */
  const perSocket = steadyLimiter({ perSecond: 20, burst: 40 });
  /** Refused messages a socket may send before it is closed: a burst of 100, then 10 a second. */
  const refusals = steadyLimiter({ perSecond: 10, burst: 100 });
  const { SOCKETS_PER_SESSION, SOCKETS_PER_ADDRESS, SOCKET_IDLE_SECONDS } = services.config;

  // Handshakes per session and per address, on this instance, before the websocket upgrade: a
  // script reconnecting in a loop is refused for the price of parsing a cookie, not of an upgrade,
  // a Socket.IO handshake and a Redis call. A browser reconnects about once a second at most; a
  // room behind one NAT reconnecting after a restart fits in the address's burst.
  const handshakesPerSession = steadyLimiter(HANDSHAKES_PER_SESSION);
  const handshakesPerAddress = steadyLimiter({
    perSecond: Math.max(HANDSHAKES_PER_SECOND_PER_ADDRESS, SOCKETS_PER_ADDRESS / 10),
    burst: Math.max(100, SOCKETS_PER_ADDRESS),
  });
  io.engine.opts.allowRequest = (req, callback) => {
    const tokenHash = sessionTokenHash(req);
    // The session's limit first: a session reconnecting in a loop is refused on its own budget
    // and takes nothing from its address's, so the others behind the same address (a room on one
    // NAT) still connect while it floods (flood.test.ts).
    const admit = async () =>
      (tokenHash === null || (await handshakesPerSession.take(tokenHash))) && (await handshakesPerAddress.take(clientAddress(req, trust)));
    void admit().then(
      (admitted) => (admitted ? callback(null, true) : callback('rate_limited', false)),
      () => callback('rate_limited', false),
    );
  };

  // Caps before the database is asked anything: refusing a flood of handshakes costs one Redis call each.
  io.use((socket, next) => {
    const tokenHash = sessionTokenHash(socket.request);
    if (!tokenHash) return next(new Error('unauthenticated'));
    const address = clientAddress(socket.request, trust);
    caps
      .acquire(socket.id, [
        { key: `session:${tokenHash}`, cap: SOCKETS_PER_SESSION },
        { key: `address:${address}`, cap: SOCKETS_PER_ADDRESS },
      ])
      .then(
        (full) => {
          if (full === null) {
            // Released however the socket ends: refused below, or disconnected later.
            socket.conn.once('close', () => caps.release(socket.id));
            return next();
          }
          services.log.debug('live connection refused: cap reached', { cap: full.split(':')[0] });
          next(new Error('too_many_connections'));
        },
        (err: Error) => {
          services.log.warn('connection cap failed', { err: err.message });
          next(new Error('internal'));
        },
      );
  });

  io.use((socket, next) => {
    sessionFromRequest(services.store, socket.request).then(
      (s) => {
        if (!s) {
          caps.release(socket.id);
          return next(new Error('unauthenticated'));
        }
        socket.data.principal = s.principal;
        socket.data.sessionHash = s.tokenHash;
        next();
      },
      (err: Error) => {
        caps.release(socket.id);
        services.log.warn('handshake failed', { err });
        next(new Error('internal'));
      },
    );
  });

  io.on('connection', (socket) => {
    idleSince.set(socket.id, Date.now());
    // So that signing out or revoking a link ends this connection too (session-sockets.ts).
    void socket.join(sessionRoom(socket.data.sessionHash));
    if (socket.data.principal.kind === 'member') void socket.join(memberRoom(socket.data.principal.memberId));
    bindEvents(socket, services, events, perSocket, refusals);
    socket.on('disconnecting', (reason) => {
      const meetings = [...socket.rooms].flatMap((r) => meetingIdOfRoom(r) ?? []);
      // The departure is written first, so the presence view computed next already has it.
      // The client closing its connection is leaving; a transport that broke may be a dropped phone.
      const deliberate = reason === 'client namespace disconnect' || reason === 'server namespace disconnect';
      void services.attendance.depart(socket, deliberate).finally(() => {
        for (const meetingId of meetings) services.live.invalidate(meetingId, 'presence');
      });
    });
    socket.on('disconnect', () => {
      perSocket.forget(socket.id);
      refusals.forget(socket.id);
      idleSince.delete(socket.id);
      caps.release(socket.id);
    });
  });

  // A socket that follows no meeting is a resource held for nothing (10,000 of them once held
  // gigabytes): closed after SOCKET_IDLE_SECONDS. The web app joins at once, and reconnects when it
  // needs to follow a meeting again.
  const idleSince = new Map<string, number>();
  const idleMs = SOCKET_IDLE_SECONDS * 1000;
  const idleSweep = setInterval(
    () => {
      const now = Date.now();
      for (const [id, since] of idleSince) {
        const socket = io.sockets.sockets.get(id);
        if (!socket) {
          idleSince.delete(id);
          continue;
        }
        if ([...socket.rooms].some((r) => meetingIdOfRoom(r))) idleSince.set(id, now);
        else if (now - since >= idleMs) socket.disconnect(true);
      }
    },
    Math.max(250, Math.min(5_000, idleMs / 4)),
  );
  idleSweep.unref();

  // An instance that dies takes its sockets with it without a word; refresh attendance now and
  // then so the other instances' rooms heal.
  const timer = setInterval(() => {
    for (const room of io.of('/').adapter.rooms.keys()) {
      const meetingId = meetingIdOfRoom(room);
      if (meetingId) services.live.refresh(meetingId, 'presence');
    }
  }, 10_000);
  timer.unref();
  return () => {
    clearInterval(timer);
    clearInterval(idleSweep);
    caps.close();
  };
}
