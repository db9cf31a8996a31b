import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViewSnapshot } from '@yishi/protocol';
import { connected, emit, type YishiClientSocket } from '../support/client.ts';
import { setUpCouncil } from '../support/council.ts';
import { waitFor } from '../support/ports.ts';
import { createFreshDatabase, type TestDatabase } from '../support/postgres.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';

const SKEW = fileURLToPath(new URL('../support/skewed-clock.mjs', import.meta.url));

/**
 * Derived views (presence, polls, tallies) computed on different instances order by when their
 * computation started, not by each instance's clock: instance B runs 30 s behind here, and the
 * views computed alternately on A and B must still carry increasing versions (with clock
 * readings as versions, every view from B would look older and clients would drop it).
 */
describe('view versions order across instances whatever their clocks', () => {
  let redis: TestRedis;
  let db: TestDatabase;
  let a: ServerProcess;
  let b: ServerProcess;
  const sockets: YishiClientSocket[] = [];

  beforeAll(async () => {
    [redis, db] = await Promise.all([startRedis(), createFreshDatabase()]);
    const env = { DATABASE_URL: db.url, REDIS_URL: redis.url };
    [a, b] = await Promise.all([
      startServerProcess(env),
      startServerProcess({ ...env, NODE_OPTIONS: `--import ${SKEW}`, YISHI_TEST_CLOCK_SKEW_MS: '-30000' }),
    ]);
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
    await db?.drop();
  });

  it('presence computed alternately on each instance carries increasing versions', async () => {
    const c = await setUpCouncil(a.url, a.setupUrl ?? b.setupUrl!);
    const m = await c.facilitator.ok('POST', '/api/meetings', { title: '时钟偏差', startsAt: '2026-12-01T19:00:00+08:00', mode: 'hybrid' });
    const open = async (base: string) => {
      const s = c.member.socket({ base });
      sockets.push(s);
      await connected(s);
      return s;
    };
    // The observer sees every presence snapshot, in arrival order, without keeping only the highest.
    const observer = c.facilitator.socket({ base: a.url });
    sockets.push(observer);
    const seen: number[] = [];
    observer.on('view', (v: ViewSnapshot) => {
      if (v.kind === 'presence' && v.meetingId === m.id) seen.push(v.version);
    });
    await connected(observer);
    expect(await emit(observer, 'meeting:join', { meetingId: m.id })).toMatchObject({ ok: true });
    await waitFor(() => seen.length >= 1, 10_000, 'the first presence view');

    // Each join is computed on the instance the joining socket is on (it invalidates there);
    // wait for its snapshot before the next, so computations alternate A, B, A, B...
    for (let i = 0; i < 6; i++) {
      const before = seen.length;
      const s = await open(i % 2 === 0 ? b.url : a.url);
      expect(await emit(s, 'meeting:join', { meetingId: m.id })).toMatchObject({ ok: true });
      await waitFor(() => seen.length > before, 10_000, `the presence view after join ${i + 1}`);
    }
    for (let i = 1; i < seen.length; i++) expect(seen[i], `view ${i} of ${JSON.stringify(seen)}`).toBeGreaterThan(seen[i - 1]!);
  });
});
