import { describe, expect, it } from 'vitest';
import { waitFor } from '../../test/support/ports.ts';
import { localLimiter, steadyLimiter } from './rate-limit.ts';

describe('a local limit', () => {
  it('allows `points` per key in a window, then refuses until the window ends', async () => {
    const l = localLimiter({ points: 3, perSeconds: 1 });
    const first = await Promise.all([1, 2, 3, 4, 5].map(() => l.take('a')));
    expect(first).toEqual([true, true, true, false, false]);
    expect(await l.take('b')).toBe(true);
    // The window opened at the first take: within about a second, 'a' may act again.
    const started = Date.now();
    await waitFor(() => l.take('a'), 3_000, 'the window to end');
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('forgets a key that is gone', async () => {
    const l = localLimiter({ points: 1, perSeconds: 60 });
    expect(await l.take('socket')).toBe(true);
    expect(await l.take('socket')).toBe(false);
    l.forget('socket');
    await waitFor(() => l.take('socket'), 1_000, 'a fresh window');
  });
});

describe('a steady local limit', () => {
  it('lets the burst in once, then only the rate', async () => {
    const l = steadyLimiter({ perSecond: 3, burst: 8 });
    const take = (n: number) => Promise.all(Array.from({ length: n }, () => l.take('k')));
    const count = (xs: boolean[]) => xs.filter(Boolean).length;
    expect(count(await take(12))).toBe(8);
    // The next second allows the rate only: the burst does not come back with it.
    await waitFor(() => l.take('k'), 3_000, 'the next second');
    expect(count(await take(10))).toBe(2);
    // Another key has its own.
    expect(count(await Promise.all(Array.from({ length: 12 }, () => l.take('other'))))).toBe(8);
    l.forget('k');
    expect(count(await take(12))).toBe(8);
  });
});
