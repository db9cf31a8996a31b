/**
 * The anchor for bench-consensus.ts: a bare Socket.IO server that only holds each participant's
 * level, aggregates the counts and rebroadcasts them, coalesced exactly like Yishi's live views
 * (server/src/realtime/live-views.ts: at most one push every MIN_INTERVAL_MS, only after a change).
 * No storage, no auth, no validation: the cost of the fan-out itself on this machine, the floor.
 *
 * Run as its own process: `PORT=1234 node --import tsx test/load/anchor-consensus.ts`.
 * Prints `anchor listening <port>` once it accepts connections; SIGTERM stops it.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';

/** Same as MIN_INTERVAL_MS in server/src/realtime/live-views.ts. */
const MIN_INTERVAL_MS = 250;
const ROOM = 'check';

const port = Number(process.env.PORT ?? 0);
const http = createServer();
const io = new Server(http, { transports: ['websocket'], serveClient: false, pingInterval: 10_000, pingTimeout: 10_000 });

const held = new Map<number, number>();
let version = 0;
let lastAt = 0;
let scheduled = false;

function invalidate(): void {
  if (scheduled) return;
  scheduled = true;
  setTimeout(flush, Math.max(0, lastAt + MIN_INTERVAL_MS - Date.now())).unref();
}

function flush(): void {
  scheduled = false;
  lastAt = Date.now();
  // Taken before the aggregate is read, like Yishi's view versions.
  version++;
  const counts = [0, 0, 0, 0, 0];
  for (const level of held.values()) counts[level - 1]!++;
  io.to(ROOM).emit('aggregate', { version, counts });
}

io.on('connection', (socket) => {
  void socket.join(ROOM);
  socket.on('position', (p: { participant: number; level: number }, ack: unknown) => {
    held.set(p.participant, p.level);
    if (typeof ack === 'function') (ack as (r: { ok: true }) => void)({ ok: true });
    invalidate();
  });
});

http.listen(port, '127.0.0.1', () => {
  const addr = http.address();
  process.stdout.write(`anchor listening ${typeof addr === 'object' && addr ? addr.port : port}\n`);
});

const stop = () => {
  void io.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 3000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
