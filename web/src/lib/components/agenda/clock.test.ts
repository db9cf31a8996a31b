import { describe, expect, it } from 'vitest';
import { ClockOffset, formatDuration, itemTimer } from './clock.ts';

describe('ClockOffset', () => {
  it('takes the sample least delayed in transit', () => {
    const c = new ClockOffset();
    expect(c.offset).toBe(0);
    c.sample(10_000, 4_000); // server 6 s ahead, seen late
    c.sample(20_000, 13_500); // 6.5 s ahead: the better estimate
    c.sample(30_000, 24_900);
    expect(c.offset).toBe(6_500);
    expect(c.now(1_000)).toBe(7_500);
  });
});

describe('itemTimer', () => {
  it('counts the planned time down, shows an overrun, and keeps earlier stretches', () => {
    const t0 = 1_800_000_000_000;
    expect(itemTimer({ minutes: 10, spentMs: 0, resumedAt: null, startedAt: null }, t0)).toBeNull();
    expect(itemTimer({ minutes: 10, spentMs: 0, resumedAt: t0, startedAt: t0 }, t0 + 4 * 60_000)).toEqual({
      elapsedMs: 240_000,
      leftMs: 360_000,
      over: false,
      running: true,
    });
    expect(itemTimer({ minutes: 10, spentMs: 0, resumedAt: t0, startedAt: t0 }, t0 + 12 * 60_000)).toMatchObject({ leftMs: -120_000, over: true });
    // Not current: frozen at the time spent, whatever the time now.
    expect(itemTimer({ minutes: 10, spentMs: 180_000, resumedAt: null, startedAt: t0 }, t0 + 3_600_000)).toMatchObject({
      elapsedMs: 180_000,
      running: false,
    });
    // Gone back to: the earlier stretch counts.
    expect(itemTimer({ minutes: 5, spentMs: 120_000, resumedAt: t0, startedAt: t0 - 600_000 }, t0 + 60_000)).toMatchObject({
      elapsedMs: 180_000,
      leftMs: 120_000,
    });
  });
  it('formats durations', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(65_999)).toBe('1:05');
    expect(formatDuration(-125_000)).toBe('2:05');
    expect(formatDuration(3_725_000)).toBe('1:02:05');
  });
});
