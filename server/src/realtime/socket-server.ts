import type { Server as HttpServer, IncomingMessage } from 'node:http';
import { Server } from 'socket.io';
import { LIMITS } from '@yishi/protocol';
import { sessionFromRequest } from '../http/session-cookie.ts';
import { RateLimiter } from '../rate-limit.ts';
import type { Services } from '../services.ts';
import { bindHandlers } from './handlers.ts';
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

export function createSocketServer(http: HttpServer, publicOrigins: readonly string[]): YishiServer {
  return new Server(http, {
    // Runs before the upgrade: a foreign Origin never gets a connection.
    allowRequest: (req, callback) => {
      if (originAllowed(req, publicOrigins)) callback(null, true);
      else callback('bad_origin', false);
    },
    transports: ['websocket'],
    maxHttpBufferSize: LIMITS.socketMessageBytes,
    serveClient: false,
    // A phone whose network vanished without a word (no FIN) learns it within interval + timeout:
    // 8 s, where 10 + 10 left "connected" on screen for ~19 s. The browser's offline event is
    // quicker still (web/src/lib/live.ts). A ping is a few bytes: 5,000 sockets cost ~1,000 a second.
    pingInterval: 5_000,
    pingTimeout: 3_000,
  });
}

/** Wires authentication and handlers; called once the services (which need `io`) exist. */
export function attachSocketHandlers(io: YishiServer, services: Services): () => void {
  const perSocket = new RateLimiter(40, 20);

  io.use((socket, next) => {
    sessionFromRequest(services.store, socket.request).then(
      (s) => {
        if (!s) return next(new Error('unauthenticated'));
        socket.data.owner = s.owner;
        socket.data.sessionHash = s.tokenHash;
        next();
      },
      (err: Error) => {
        services.log.warn('handshake failed', { err: err.message });
        next(new Error('internal'));
      },
    );
  });

  io.on('connection', (socket) => {
    // So that signing out or revoking a link ends this connection too (session-sockets.ts).
    void socket.join(sessionRoom(socket.data.sessionHash));
    if (socket.data.owner.kind === 'member') void socket.join(memberRoom(socket.data.owner.memberId));
    bindHandlers(socket, services, perSocket);
    socket.on('disconnecting', (reason) => {
      const meetings = [...socket.rooms].flatMap((r) => meetingIdOfRoom(r) ?? []);
      // The departure is written first, so the presence view computed next already has it.
      // The client closing its connection is leaving; a transport that broke may be a dropped phone.
      const deliberate = reason === 'client namespace disconnect' || reason === 'server namespace disconnect';
      void services.attendance.depart(socket, deliberate).finally(() => {
        for (const meetingId of meetings) services.live.invalidate(meetingId, 'presence');
      });
    });
    socket.on('disconnect', () => perSocket.forget(socket.id));
  });

  // An instance that dies takes its sockets with it without a word; refresh attendance now and
  // then so the other instances' rooms heal.
  const timer = setInterval(() => {
    for (const room of io.of('/').adapter.rooms.keys()) {
      const meetingId = meetingIdOfRoom(room);
      if (meetingId) services.live.invalidate(meetingId, 'presence');
    }
  }, 10_000);
  timer.unref();
  return () => clearInterval(timer);
}
