/**
 * The anchor for bench-opinions.ts: a bare Socket.IO server that acks each post, numbers it and
 * relays the new entries to every follower, coalesced like Yishi's opinion feed
 * (server/src/features/opinions/feed.ts: at most one push every MIN_INTERVAL_MS, the entries
 * after the last one pushed). No storage, no auth, no validation: the cost of the fan-out itself.
 *
 * Run as its own process: `PORT=1234 node --import tsx test/load/anchor-opinions.ts`.
 * Prints `anchor listening <port>` on stdout once it accepts connections; SIGTERM stops it.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';

/** Same as MIN_INTERVAL_MS in server/src/features/opinions/feed.ts. */
const MIN_INTERVAL_MS = 250;
const ROOM = 'thread';

const port = Number(process.env.PORT ?? 0);
const http = createServer();
const io = new Server(http, { transports: ['websocket'], serveClient: false, pingInterval: 10_000, pingTimeout: 10_000 });

interface Entry {
  id: string;
  rev: number;
  text: string;
  seconds: number;
}
const log: Entry[] = [];
let seq = 0;
let pushed = 0;
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
  const from = pushed;
  const entries = log.filter((e) => e.rev > from);
  pushed = seq;
  if (entries.length > 0) io.to(ROOM).emit('entries', { from, to: seq, entries });
}

io.on('connection', (socket) => {
  void socket.join(ROOM);
  socket.on('post', (p: { id: string; text: string }, ack: unknown) => {
    log.push({ id: p.id, rev: ++seq, text: p.text, seconds: 0 });
    if (typeof ack === 'function') (ack as (r: { ok: true }) => void)({ ok: true });
    invalidate();
  });
  socket.on('second', (p: { id: string }, ack: unknown) => {
    const e = log.find((x) => x.id === p.id);
    if (e) {
      e.seconds++;
      e.rev = ++seq;
    }
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
