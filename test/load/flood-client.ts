/**
 * One person flooding a meeting from one session, as its own process (an attacker's machine,
 * not the test's event loop). Used by test/integration/flood.test.ts and by test/load/flood.ts.
 *
 *   node --import tsx test/load/flood-client.ts '<json: {urls, cookie, meetingId, sockets}>'
 *
 * Opens `sockets` websockets on the cookie, spread over the urls, and prints one JSON line:
 * {phase: 'opened', tried, accepted, refused, other}. Then every accepted socket follows the meeting
 * and sends view:get and meeting:join as fast as acks come back, 25 at a time, while new
 * handshakes on the same cookie keep arriving, 20 at a time. On SIGTERM it closes everything and
 * prints {phase: 'done', asked, answered, rateLimited, handshakes}.
 */
import { io, type Socket } from 'socket.io-client';
import { handshakeAuth } from '@yishi/protocol/constants';

interface Args {
  urls: string[];
  cookie: string;
  meetingId: string;
  sockets: number;
}
const args = JSON.parse(process.argv[2]!) as Args;

const all: Socket[] = [];
const open = (i: number): Socket => {
  const base = args.urls[i % args.urls.length]!;
  const s = io(base, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie: args.cookie, origin: base }, auth: handshakeAuth() });
  all.push(s);
  return s;
};
const outcome = (s: Socket) =>
  new Promise<string>((resolve) => {
    s.once('connect', () => resolve('connected'));
    s.once('connect_error', (err) => resolve(err.message));
  });
const call = (s: Socket, event: string, payload: unknown) =>
  new Promise<{ ok: boolean; error?: { code: string } }>((resolve) => {
    s.timeout(10_000).emit(event, payload, (err: Error | null, r: { ok: boolean; error?: { code: string } }) =>
      resolve(err ? { ok: false, error: { code: 'timeout' } } : r),
    );
  });

let flooding = true;
const stats = { asked: 0, answered: 0, rateLimited: 0, handshakes: 0 };

const tries = Array.from({ length: args.sockets }, (_, i) => open(i));
const results = await Promise.all(
  tries.map(async (s) => {
    const r = await outcome(s);
    // Follow the meeting at once: a socket that does not is closed as idle.
    if (r === 'connected') await call(s, 'meeting:join', { meetingId: args.meetingId });
    return r;
  }),
);
const accepted = tries.filter((_, i) => results[i] === 'connected');
for (const s of tries) if (!s.connected) s.close();
console.log(
  JSON.stringify({
    phase: 'opened',
    tried: tries.length,
    accepted: accepted.length,
    refused: results.filter((r) => r === 'too_many_connections').length,
    // Refused before the upgrade (handshake rate): a browser sees only a generic websocket error.
    other: results
      .filter((r) => r !== 'connected' && r !== 'too_many_connections')
      .reduce<Record<string, number>>((m, r) => ((m[r] = (m[r] ?? 0) + 1), m), {}),
  }),
);

const floods = accepted.map(async (s) => {
  while (flooding && s.connected) {
    const burst = Array.from({ length: 25 }, (_, k) => {
      stats.asked++;
      return call(
        s,
        k % 5 === 0 ? 'meeting:join' : 'view:get',
        k % 5 === 0 ? { meetingId: args.meetingId } : { meetingId: args.meetingId, kind: 'polls' },
      );
    });
    for (const r of await Promise.all(burst)) {
      stats.answered++;
      if (r.error?.code === 'rate_limited') stats.rateLimited++;
    }
  }
});
const handshakes = (async () => {
  let i = 0;
  while (flooding) {
    const batch = Array.from({ length: 20 }, () => open(i++));
    await Promise.all(batch.map(outcome));
    stats.handshakes += batch.length;
    for (const s of batch) s.close();
    all.splice(0, all.length, ...all.filter((s) => s.connected));
  }
})();

process.once('SIGTERM', async () => {
  flooding = false;
  await Promise.all([...floods, handshakes]);
  for (const s of all) s.close();
  console.log(JSON.stringify({ phase: 'done', ...stats }));
  process.exit(0);
});
