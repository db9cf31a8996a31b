import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestRedis } from '../support/redis.ts';
import type { ServerProcess } from '../support/server-process.ts';
import { startTwoInstances, type TwoInstances } from '../support/two-instances.ts';

/**
 * Rate limits on sign-in and joining hold for the whole deployment, not per instance: a client
 * alternating between two instances behind a load balancer gets the configured rate once. When
 * Redis goes away each instance limits on its own, and requests are still answered.
 */
describe('rate limits shared through Redis', () => {
  const RATE = 12;
  let servers: TwoInstances;
  let redis: TestRedis;
  let a: ServerProcess;
  let b: ServerProcess;

  beforeAll(async () => {
    // As behind a proxy on this host: its X-Forwarded-For is believed (the password test sends
    // guesses from many addresses, as a botnet would).
    servers = await startTwoInstances({ AUTH_RATE_PER_MINUTE: String(RATE), TRUST_PROXY: 'loopback' });
    ({ redis, a, b } = servers);
  });
  afterAll(async () => {
    await servers?.stop();
  });

  const lookUp = async (base: string) => (await fetch(`${base}/api/join/ZZZZZZ`)).status;

  it('counts requests to both instances against one bucket per address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < RATE + 4; i++) statuses.push(await lookUp(i % 2 === 0 ? a.url : b.url));
    // The first RATE find no meeting (404); after that both instances refuse (429). Per instance,
    // each would have allowed RATE, and none of these 16 would have been refused.
    expect(statuses.slice(0, RATE)).toEqual(Array(RATE).fill(404));
    expect(statuses.slice(RATE)).toEqual([429, 429, 429, 429]);
    const body = await (await fetch(`${b.url}/api/join/ZZZZZZ`)).json();
    expect(body).toMatchObject({ error: { code: 'rate_limited' } });
  });

  it('limits password guesses per login across instances', async () => {
    const guess = (base: string) =>
      fetch(`${base}/api/auth/password`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.0.0.${Math.floor(Math.random() * 200) + 1}` },
        body: JSON.stringify({ login: 'wang', password: 'not the password' }),
      }).then(async (r) => ((await r.json()) as { error?: { code: string } }).error?.code);
    const codes: (string | undefined)[] = [];
    for (let i = 0; i < 12; i++) codes.push(await guess(i % 2 === 0 ? a.url : b.url));
    // Ten guesses a minute per login, whichever instance and address they come from.
    expect(codes.filter((c) => c === 'bad_credentials')).toHaveLength(10);
    expect(codes.slice(10)).toEqual(['rate_limited', 'rate_limited']);
  });

  it('keeps answering when Redis is gone, limiting on each instance', async () => {
    await redis.stop();
    const started = Date.now();
    // Redis's bucket is out of reach: each instance starts a fresh local one.
    expect(await lookUp(a.url)).toBe(404);
    expect(await lookUp(b.url)).toBe(404);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(a.output()).toContain('shared rate limit unavailable');
    await redis.start();
  });
});
