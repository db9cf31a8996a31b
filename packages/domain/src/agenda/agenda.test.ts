import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AGENDA_STAGES } from '@yishi/protocol/constants';
import { AGENDA_MOVES, afterMove, itemStage } from './stages.ts';
import { nextItem, previousItem } from './order.ts';
import { clockOffset, elapsedMs, serverTime, stopClock, timeLeft } from './timer.ts';

describe('agenda stages', () => {
  it('follows the attached polls first: voting while one is open, decided once one closed', () => {
    expect(itemStage('pending', [])).toBe('pending');
    expect(itemStage('discussing', [{ state: 'draft' }])).toBe('discussing');
    expect(itemStage('discussing', [{ state: 'open' }])).toBe('voting');
    expect(itemStage('deferred', [{ state: 'closed' }, { state: 'open' }])).toBe('voting');
    expect(itemStage('discussing', [{ state: 'closed' }, { state: 'draft' }])).toBe('decided');
    expect(itemStage('deferred', [])).toBe('deferred');
  });

  it('lets any item become current, and defers only what is not voted on, decided or deferred', () => {
    for (const s of AGENDA_STAGES) expect(afterMove(s, 'start')).toBe('discussing');
    expect(afterMove('pending', 'defer')).toBe('deferred');
    expect(afterMove('discussing', 'defer')).toBe('deferred');
    expect(afterMove('voting', 'defer')).toBeNull();
    expect(afterMove('decided', 'defer')).toBeNull();
    expect(afterMove('deferred', 'defer')).toBeNull();
  });

  it('has a rule for every move from every stage', () => {
    for (const m of Object.keys(AGENDA_MOVES) as (keyof typeof AGENDA_MOVES)[])
      for (const s of AGENDA_STAGES)
        expect(AGENDA_MOVES[m][s] === null || ['pending', 'discussing', 'deferred'].includes(AGENDA_MOVES[m][s]!)).toBe(true);
  });
});

describe('agenda order', () => {
  const items = [
    { id: 'a', stage: 'decided' as const },
    { id: 'b', stage: 'deferred' as const },
    { id: 'c', stage: 'pending' as const },
    { id: 'd', stage: 'pending' as const },
  ];

  it('next: the following item whatever its stage, none after the last, and from none the first not yet handled', () => {
    expect(nextItem(items, 'a')).toBe('b');
    expect(nextItem(items, 'c')).toBe('d');
    expect(nextItem(items, 'd')).toBeNull();
    expect(nextItem(items, null)).toBe('c');
    expect(nextItem(items, 'gone')).toBe('c');
    expect(nextItem([{ id: 'a', stage: 'decided' }], null)).toBeUndefined();
    expect(nextItem([], null)).toBeUndefined();
  });

  it('previous: the one before, nothing before the first, and from none the last started one', () => {
    expect(previousItem(items, 'c')).toBe('b');
    expect(previousItem(items, 'a')).toBeUndefined();
    expect(previousItem(items, null, new Set(['a', 'c']))).toBe('c');
    expect(previousItem(items, null)).toBe('d');
    expect(previousItem([], null)).toBeUndefined();
  });

  it('never leaves the agenda: next and previous name an item of it, null or undefined', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 3 }), { maxLength: 8 }),
        fc.option(fc.string({ maxLength: 3 })),
        (ids, current) => {
          const list = ids.map((id, i) => ({ id, stage: AGENDA_STAGES[i % AGENDA_STAGES.length]! }));
          const n = nextItem(list, current);
          const p = previousItem(list, current);
          if (n) expect(ids).toContain(n);
          if (p) expect(ids).toContain(p);
          if (n && current !== null && ids.includes(current)) expect(ids.indexOf(n)).toBe(ids.indexOf(current) + 1);
        },
      ),
    );
  });
});

describe('agenda timer', () => {
  const start = 1_700_000_000_000;

  it('counts down the planned time and shows the overrun once it has run out', () => {
    const clock = { minutes: 10, spentMs: 0, resumedAt: start };
    expect(timeLeft(clock, start + 4 * 60_000)).toEqual({ plannedMs: 600_000, elapsedMs: 240_000, leftMs: 360_000, overrunMs: 0, running: true });
    expect(timeLeft(clock, start + 12 * 60_000)).toMatchObject({ leftMs: 0, overrunMs: 120_000 });
  });

  it('keeps the time of earlier stretches and stops when the item stops being current', () => {
    const stopped = stopClock({ minutes: 5, spentMs: 30_000, resumedAt: start }, start + 60_000);
    expect(stopped).toEqual({ minutes: 5, spentMs: 90_000, resumedAt: null });
    expect(timeLeft(stopped, start + 10 * 60_000)).toMatchObject({ elapsedMs: 90_000, leftMs: 210_000, running: false });
    expect(elapsedMs({ minutes: 1, spentMs: 0, resumedAt: start }, start - 500)).toBe(0);
  });

  it('corrects a screen whose clock is off: the largest sample wins, and the countdown reads as on the server', () => {
    // The screen's clock is 90 s behind; snapshots arrive 200 ms and 40 ms after they were stamped.
    const behind = -90_000;
    const o1 = clockOffset(start, start + 200 + behind);
    const o2 = clockOffset(start + 5_000, start + 5_000 + 40 + behind, o1);
    expect(o2).toBe(90_000 - 40);
    expect(clockOffset(start + 6_000, start + 6_000 + 900 + behind, o2)).toBe(o2);
    const clock = { minutes: 2, spentMs: 0, resumedAt: start };
    const screenNow = start + 60_000 + behind;
    expect(Math.abs(timeLeft(clock, serverTime(screenNow, o2)).leftMs - 60_000)).toBeLessThanOrEqual(40);
  });
});
