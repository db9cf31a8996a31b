import fc from 'fast-check';
import { FLOOR_KINDS } from '@yishi/protocol/constants';
import { describe, expect, it } from 'vitest';
import { floorBalance, GUESTS, RESIDENTS } from './balance.ts';
import { roundTripOffset, countdownCue, formatCountdown, remainingMs, speechEndsAt, spokenSeconds } from './countdown.ts';
import { moveInOrder, nextInQueue, orderRanks, queueOrder, rankForNewHand, speechLimit, type QueueEntry } from './queue.ts';

const T0 = Date.UTC(2026, 10, 27, 11, 0, 0);
const hand = (id: string, kind: QueueEntry['kind'], at: number): QueueEntry => ({ id, kind, requestedAt: T0 + at, rank: rankForNewHand(T0 + at) });

const entries = fc
  .uniqueArray(fc.record({ id: fc.uuid(), kind: fc.constantFrom(...FLOOR_KINDS), at: fc.integer({ min: 0, max: 3_600_000 }) }), {
    selector: (e) => e.id,
    maxLength: 30,
  })
  .map((list) => list.map((e) => hand(e.id, e.kind, e.at)));

describe('the speaker queue', () => {
  it('hears a point of order first, then hands in the order they went up', () => {
    const q = [hand('a', 'speak', 0), hand('b', 'question', 1000), hand('c', 'point_of_order', 2000), hand('d', 'reply', 3000)];
    expect(queueOrder(q).map((e) => e.id)).toEqual(['c', 'a', 'b', 'd']);
    expect(nextInQueue(q)?.id).toBe('c');
    expect(nextInQueue([])).toBeUndefined();
  });

  it('puts every point of order before every other hand, and keeps request order within each (property)', () => {
    fc.assert(
      fc.property(entries, (q) => {
        const ordered = queueOrder(q);
        expect(ordered).toHaveLength(q.length);
        const firstOther = ordered.findIndex((e) => e.kind !== 'point_of_order');
        if (firstOther >= 0) expect(ordered.slice(firstOther).every((e) => e.kind !== 'point_of_order')).toBe(true);
        for (let i = 1; i < ordered.length; i++) {
          const [a, b] = [ordered[i - 1]!, ordered[i]!];
          if ((a.kind === 'point_of_order') === (b.kind === 'point_of_order')) expect(a.requestedAt).toBeLessThanOrEqual(b.requestedAt);
        }
      }),
    );
  });

  it("follows the facilitator's reorder, keeps points of order on top, and puts later hands after it (property)", () => {
    fc.assert(
      fc.property(entries, fc.integer(), (q, seed) => {
        // Any permutation of the waiting hands, as the facilitator might send it.
        const wanted = [...q].map((e) => e.id).sort((a, b) => ((a.charCodeAt(0) * seed) % 7) - ((b.charCodeAt(0) * seed) % 7));
        const ranks = orderRanks(q, wanted)!;
        expect(ranks).not.toBeNull();
        const placed = q.map((e) => ({ ...e, rank: ranks.get(e.id)! }));
        const got = queueOrder(placed).map((e) => e.id);
        const kind = new Map(q.map((e) => [e.id, e.kind]));
        const isPoo = (id: string) => kind.get(id) === 'point_of_order';
        expect(got).toEqual([...wanted.filter(isPoo), ...wanted.filter((id) => !isPoo(id))]);
        // A hand raised afterwards goes behind every placed hand of its band.
        const late = hand('zz-late', 'speak', 4_000_000);
        const withLate = queueOrder([...placed, late]).map((e) => e.id);
        expect(withLate.at(-1)).toBe('zz-late');
      }),
    );
  });

  it('refuses a reorder that does not name every waiting hand exactly once', () => {
    const q = [hand('a', 'speak', 0), hand('b', 'speak', 1)];
    expect(orderRanks(q, ['a'])).toBeNull();
    expect(orderRanks(q, ['a', 'a'])).toBeNull();
    expect(orderRanks(q, ['a', 'x'])).toBeNull();
    expect(orderRanks(q, ['b', 'a', 'c'])).toBeNull();
    expect(orderRanks(q, ['b', 'a'])).toEqual(
      new Map([
        ['b', 0],
        ['a', 1],
      ]),
    );
  });

  it('moves one hand up or down, and not past either end', () => {
    expect(moveInOrder(['a', 'b', 'c'], 'c', -1)).toEqual(['a', 'c', 'b']);
    expect(moveInOrder(['a', 'b', 'c'], 'a', 1)).toEqual(['b', 'a', 'c']);
    expect(moveInOrder(['a', 'b', 'c'], 'a', -1)).toEqual(['a', 'b', 'c']);
    expect(moveInOrder(['a', 'b', 'c'], 'c', 1)).toEqual(['a', 'b', 'c']);
    expect(moveInOrder(['a', 'b'], 'x', 1)).toEqual(['a', 'b']);
  });

  it("takes each kind's time limit from the meeting's", () => {
    const limits = { speak: 180, reply: 60, point_of_order: 60, question: 90 };
    expect(speechLimit('speak', limits)).toBe(180);
    expect(speechLimit('point_of_order', limits)).toBe(60);
    expect(speechLimit('question', limits)).toBe(90);
  });
});

describe('balance', () => {
  it('counts speeches and waiting hands per group and residents, and flags groups that asked and were not heard', () => {
    const rows = floorBalance(['g1', 'g2', 'g3'], ['g1', 'g1', RESIDENTS], ['g2', 'g1', RESIDENTS]);
    expect(rows).toEqual([
      { group: 'g1', spoken: 2, waiting: 1, unheard: false },
      { group: 'g2', spoken: 0, waiting: 1, unheard: true },
      { group: 'g3', spoken: 0, waiting: 0, unheard: false },
      { group: RESIDENTS, spoken: 1, waiting: 1, unheard: false },
    ]);
  });

  it('shows guests only when there are any', () => {
    expect(floorBalance(['g1'], [], []).map((r) => r.group)).toEqual(['g1', RESIDENTS]);
    expect(floorBalance(['g1'], [GUESTS], []).at(-1)).toEqual({ group: GUESTS, spoken: 1, waiting: 0, unheard: false });
  });

  it('adds up to every speech and every hand (property)', () => {
    const key = fc.constantFrom('g1', 'g2', RESIDENTS, GUESTS, 'gone');
    fc.assert(
      fc.property(fc.array(key), fc.array(key), (spoken, waiting) => {
        const rows = floorBalance(['g1', 'g2'], spoken, waiting);
        expect(rows.reduce((n, r) => n + r.spoken, 0)).toBe(spoken.length);
        expect(rows.reduce((n, r) => n + r.waiting, 0)).toBe(waiting.length);
        for (const r of rows) expect(r.unheard).toBe(r.waiting > 0 && r.spoken === 0);
      }),
    );
  });
});

describe('countdown', () => {
  const speech = { startedAt: T0, durationSeconds: 180 };

  it('ends at start plus duration', () => {
    expect(speechEndsAt(speech)).toBe(T0 + 180_000);
  });

  it('shows the same time left on a clock 30 s off once corrected by its offset', () => {
    const serverNow = T0 + 60_000;
    for (const skew of [-30_000, 0, 30_000]) {
      const localNow = serverNow + skew; // this device's clock reads `skew` ahead of the server's
      // The server's time read with a 200 ms round trip, answered halfway.
      const offset = roundTripOffset(serverNow, localNow - 100, localNow + 100);
      expect(offset + skew).toBe(0);
      expect(remainingMs(speech, localNow, offset)).toBe(120_000);
      expect(formatCountdown(remainingMs(speech, localNow, offset))).toBe('2:00');
    }
  });

  it('is right within the round trip whatever the skew (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -3_600_000, max: 3_600_000 }),
        fc.integer({ min: 0, max: 2000 }),
        fc.integer({ min: 0, max: 1000 }),
        (skew, rtt, answerAt) => {
          const answeredAt = Math.min(answerAt, rtt); // the server answered somewhere inside the round trip
          const sentAt = T0 + skew;
          const offset = roundTripOffset(T0 + answeredAt, sentAt, sentAt + rtt);
          const localNow = sentAt + rtt;
          const truth = speechEndsAt(speech) - (T0 + rtt);
          expect(Math.abs(remainingMs(speech, localNow, offset) - truth)).toBeLessThanOrEqual(rtt / 2);
        },
      ),
    );
  });

  it('cues at 30 s left and at zero', () => {
    expect(countdownCue(30_001)).toBe('running');
    expect(countdownCue(30_000)).toBe('warning');
    expect(countdownCue(1)).toBe('warning');
    expect(countdownCue(0)).toBe('over');
    expect(countdownCue(-5_000)).toBe('over');
  });

  it('formats time left rounded up and time over with a plus', () => {
    expect(formatCountdown(180_000)).toBe('3:00');
    expect(formatCountdown(179_001)).toBe('3:00');
    expect(formatCountdown(30_000)).toBe('0:30');
    expect(formatCountdown(0)).toBe('0:00');
    expect(formatCountdown(-12_400)).toBe('+0:12');
    expect(formatCountdown(-61_000)).toBe('+1:01');
    expect(spokenSeconds(T0, T0 + 61_600)).toBe(62);
    expect(spokenSeconds(T0, T0 - 5)).toBe(0);
  });
});
