import { spawnSync } from 'node:child_process';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachFanout, type Fanout } from '../../server/src/fanout/fanout.ts';
import { withRedaction, type Logger } from '../../server/src/log.ts';
import type { YishiServer } from '../../server/src/realtime/types.ts';
import { waitFor } from '../support/ports.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';

/** Both directions must flow again this soon after Redis returns. */
const HEAL_MS = 5_000;

/**
 * One instance's fan-out: a Socket.IO server with the Redis fan-out, as app.ts attaches it, and a
 * client socket connected to it in room 'r'. Everything Redis carries between instances is here:
 * room broadcasts (the adapter's pattern subscription), serverSideEmit (its request channel) and
 * the byte channel.
 */
interface Instance {
  name: string;
  io: Server;
  fanout: Fanout;
  client: Socket;
  /** What the client received through room broadcasts. */
  news: string[];
  /** What this instance received from other instances with serverSideEmit. */
  peers: string[];
  /** What this instance's byte subscribers received, as `channel origin text`. */
  bytes: string[];
  reconnects: number;
  log: string[];
  close(): Promise<void>;
}

const recording = (into: string[]): Logger => {
  const write = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
    void into.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`);
  return withRedaction({ error: write('error'), warn: write('warn'), info: write('info'), debug: () => {} });
};

async function startInstance(name: string, redisUrl: string): Promise<Instance> {
  const http: HttpServer = createServer();
  const io = new Server(http);
  const log: string[] = [];
  const fanout = await attachFanout(io as unknown as YishiServer, redisUrl, recording(log));
  const inst: Instance = {
    name,
    io,
    fanout,
    client: null as unknown as Socket,
    news: [],
    peers: [],
    bytes: [],
    reconnects: 0,
    log,
    close: async () => {},
  };
  fanout.onReconnect(() => inst.reconnects++);
  io.on('connection', (s) => void s.join('r'));
  (io as unknown as { on(e: string, f: (m: string) => void): void }).on('peer', (m) => inst.peers.push(m));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  inst.client = connect(`http://127.0.0.1:${port}`, { transports: ['websocket'] });
  inst.client.on('news', (m: string) => inst.news.push(m));
  await new Promise<void>((resolve) => inst.client.once('connect', () => resolve()));
  await waitFor(() => io.of('/').adapter.rooms.get('r')?.size === 1, 2_000, `${name}'s client in its room`);
  inst.close = async () => {
    inst.client.close();
    await new Promise<void>((resolve) => io.close(() => resolve()));
    await fanout.close();
  };
  return inst;
}

const listen = (inst: Instance, channel: string) =>
  inst.fanout.subscribe(channel, (bytes, origin) => inst.bytes.push(`${channel} ${origin} ${Buffer.from(bytes).toString('utf8')}`));
const say = (inst: Instance, channel: string, text: string) => inst.fanout.publish(channel, new TextEncoder().encode(text));

describe('the Redis fan-out across a Redis restart', () => {
  let redis: TestRedis;
  const instances: Instance[] = [];
  let a: Instance;
  let b: Instance;
  const unhandled: unknown[] = [];
  const onUnhandled = (err: unknown) => unhandled.push(err);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    redis = await startRedis();
    a = await startInstance('a', redis.url);
    b = await startInstance('b', redis.url);
    instances.push(a, b);
    for (const i of [a, b]) listen(i, 'agenda');
  });
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.close()));
    await redis?.stop();
    process.off('unhandledRejection', onUnhandled);
  });

  const healthy = (list: Instance[]) => list.every((i) => i.fanout.health().status === 'ok');

  /**
   * Sent once each, with no retry: a message published after both instances say 'ok' must
   * arrive, or 'ok' would be a lie (connected but not subscribed is exactly the bug to catch).
   */
  const expectFlow = async (from: Instance, to: Instance, tag: string, channel: string | null = 'agenda') => {
    from.io.to('r').emit('news', `news ${tag}`);
    (from.io as unknown as { serverSideEmit(e: string, m: string): void }).serverSideEmit('peer', `peer ${tag}`);
    if (channel !== null) say(from, channel, `bytes ${tag}`);
    await waitFor(() => to.news.includes(`news ${tag}`), 3_000, `${to.name}'s socket to get a broadcast from ${from.name} (${tag})`);
    await waitFor(() => to.peers.includes(`peer ${tag}`), 3_000, `${to.name} to get a serverSideEmit from ${from.name} (${tag})`);
    if (channel === null) return;
    await waitFor(
      () => to.bytes.includes(`${channel} ${from.fanout.instanceId} bytes ${tag}`),
      3_000,
      `${to.name} to get bytes from ${from.name} (${tag})`,
    );
    // The publisher hears itself too, tagged as its own, so that it can ignore it.
    await waitFor(
      () => from.bytes.includes(`${channel} ${from.fanout.instanceId} bytes ${tag}`),
      3_000,
      `${from.name} to get its own bytes (${tag})`,
    );
  };

  it('carries broadcasts, serverSideEmit and bytes between instances, with origins', async () => {
    expect(a.fanout.relaysToOtherInstances).toBe(true);
    expect(a.fanout.instanceId).not.toBe(b.fanout.instanceId);
    expect(healthy([a, b])).toBe(true);
    await expectFlow(a, b, 'before');
    await expectFlow(b, a, 'before, back');
    // Binary bytes arrive exactly, not as text.
    const raw = new Uint8Array([0, 255, 1, 254, 10, 13]);
    const got: Uint8Array[] = [];
    const stop = b.fanout.subscribe('raw', (bytes, origin) => {
      if (origin !== b.fanout.instanceId) got.push(bytes);
    });
    a.fanout.publish('raw', raw);
    await waitFor(() => got.length === 1, 3_000, 'raw bytes');
    expect([...got[0]!]).toEqual([...raw]);
    stop();
    // After unsubscribing nothing more arrives on that handler (checked with a message that
    // another subscriber does receive, so the test does not wait for an absence).
    const after: string[] = [];
    b.fanout.subscribe('raw', () => after.push('x'));
    a.fanout.publish('raw', raw);
    await waitFor(() => after.length === 1, 3_000, 'the second subscriber');
    expect(got).toHaveLength(1);
  });

  const outage = async (label: string, takeAway: () => Promise<void>) => {
    const reconnectsBefore = [a.reconnects, b.reconnects];
    await takeAway();
    await waitFor(() => [a, b].every((i) => i.fanout.health().status === 'degraded'), 5_000, 'both to say degraded');
    expect(a.fanout.health()).toMatchObject({ fanout: 'redis', status: 'degraded', reason: 'redis_unavailable' });
    // While Redis is away: publishing neither throws nor queues (dropped, at most once), and a
    // subscription made now must hold once Redis returns.
    a.io.to('r').emit('news', `lost ${label}`);
    say(a, 'agenda', `lost ${label}`);
    for (const i of [a, b]) listen(i, `during ${label}`);
    await redis.start();
    const back = Date.now();
    await waitFor(() => healthy([a, b]), HEAL_MS, 'both to say ok again');
    const healedMs = Date.now() - back;
    expect(a.reconnects).toBe(reconnectsBefore[0]! + 1);
    expect(b.reconnects).toBe(reconnectsBefore[1]! + 1);
    await expectFlow(a, b, `after ${label}`);
    await expectFlow(b, a, `after ${label}, back`);
    await expectFlow(a, b, `after ${label}, new channel`, `during ${label}`);
    console.log(`[${label}] the fan-out said ok ${healedMs} ms after Redis returned, and carried everything at once`);
  };

  it('resubscribes after Redis is killed (kill -9) and restarted', async () => {
    await outage('kill -9', () => redis.stop());
  });

  it('resubscribes after a graceful SHUTDOWN and restart', async () => {
    await outage('SHUTDOWN', async () => {
      spawnSync('redis-cli', ['-p', String(redis.port), 'shutdown', 'nosave']);
      await redis.stop();
    });
  });

  it('an instance started while Redis is down subscribes once Redis appears', async () => {
    await redis.stop();
    await waitFor(() => [a, b].every((i) => i.fanout.health().status === 'degraded'), 5_000, 'both to say degraded');
    // Only the adapter subscribes before Redis appears: node-redis 5 over RESP2 lost subscriptions
    // queued while its first connection attempts failed (any later SUBSCRIBE repaired it, so this
    // instance subscribes to bytes only once the adapter's subscriptions are proven).
    const c = await startInstance('c', redis.url);
    instances.push(c);
    expect(c.fanout.health()).toMatchObject({ status: 'degraded' });
    await redis.start();
    await waitFor(() => healthy([a, b, c]), HEAL_MS, 'all three to say ok');
    await expectFlow(a, c, 'late start', null);
    listen(c, 'agenda');
    await expectFlow(a, c, 'late start, bytes');
    await expectFlow(c, b, 'late start, back');
  });

  it('shares a rate limit between instances, and limits locally while Redis is away', async () => {
    const la = a.fanout.limiter('test', { points: 3, perSeconds: 60 });
    const lb = b.fanout.limiter('test', { points: 3, perSeconds: 60 });
    expect([await la.take('k'), await lb.take('k'), await la.take('k'), await lb.take('k'), await la.take('k')]).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
    await redis.stop();
    const started = Date.now();
    // Redis's window is out of reach: each instance opens a fresh one of its own, at once.
    expect([await la.take('k'), await la.take('k'), await la.take('k'), await la.take('k')]).toEqual([true, true, true, false]);
    expect(await lb.take('k')).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(a.log.some((l) => l.includes('shared rate limit unavailable'))).toBe(true);
    await redis.start();
    await waitFor(() => healthy([a, b]), HEAL_MS, 'both to say ok again');
  });

  it('logged no unhandled rejection', () => {
    expect(unhandled).toEqual([]);
  });
});
