/**
 * The anchor for bench-votes.ts: a bare Socket.IO server that only counts votes and rebroadcasts
 * the count, coalesced exactly like Yishi's live views (server/src/realtime/live-views.ts: at most
 * one push every MIN_INTERVAL_MS, and only after something changed). No storage, no auth, no
 * validation: what is left is the cost of the fan-out itself on this machine, the floor.
 *
 * Run as its own process: `PORT=1234 node --import tsx test/load/anchor-server.ts`.
 * Prints `anchor listening <port>` on stdout once it accepts connections; SIGTERM stops it.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';

/** Same as MIN_INTERVAL_MS in server/src/realtime/live-views.ts. */
const MIN_INTERVAL_MS = 250;
const ROOM = 'meeting';

const port = Number(process.env.PORT ?? 0);
const http = createServer();
const io = new Server(http, {
  transports: ['websocket'],
  serveClient: false,
  // Same heartbeat as Yishi, so idle costs compare too.
  pingInterval: 10_000,
  pingTimeout: 10_000,
});

let count = 0;
let version = 0;
let lastAt = 0;
let scheduled = false;

function invalidate(): void {
  if (scheduled) return;
  scheduled = true;
  const wait = Math.max(0, lastAt + MIN_INTERVAL_MS - Date.now());
  setTimeout(flush, wait).unref();
}

function flush(): void {
  scheduled = false;
  lastAt = Date.now();
  version = Math.max(Date.now(), version + 1);
  io.to(ROOM).emit('tally', { version, turnout: count });
}

io.on('connection', (socket) => {
  void socket.join(ROOM);
  socket.on('vote', (_payload: unknown, ack: unknown) => {
    count++;
    if (typeof ack === 'function') (ack as (r: { ok: true }) => void)({ ok: true });
    invalidate();
  });
  // Lets the bench start each run from zero without restarting the process.
  socket.on('reset', (ack: unknown) => {
    count = 0;
    if (typeof ack === 'function') (ack as (r: { ok: true }) => void)({ ok: true });
  });
});

http.listen(port, '127.0.0.1', () => {
  const addr = http.address();
  process.stdout.write(`anchor listening ${typeof addr === 'object' && addr ? addr.port : port}\n`);
});

const stop = () => {
  // Closes every client connection and the HTTP server.
  void io.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 3000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
