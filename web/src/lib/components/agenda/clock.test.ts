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
  it('counts the planned time down and shows an overrun', () => {
    const start = '2026-11-27T10:00:00.000Z';
    const t0 = Date.parse(start);
    expect(itemTimer(null, null, 10, t0)).toBeNull();
    expect(itemTimer(start, null, 10, t0 + 4 * 60_000)).toEqual({ elapsedMs: 240_000, leftMs: 360_000, over: false });
    expect(itemTimer(start, null, 10, t0 + 12 * 60_000)).toMatchObject({ leftMs: -120_000, over: true });
    // Ended: frozen at the end, whatever the time now.
    expect(itemTimer(start, '2026-11-27T10:03:00.000Z', 10, t0 + 60 * 60_000)).toMatchObject({ elapsedMs: 180_000 });
  });
  it('formats durations', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(65_999)).toBe('1:05');
    expect(formatDuration(-125_000)).toBe('2:05');
    expect(formatDuration(3_725_000)).toBe('1:02:05');
  });
});
