import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { connectionPresent, membersPresent } from './attendance.ts';

const rules = { graceMs: 60_000, staleMs: 60_000 };
const t0 = 1_000_000;

describe('attendance from the record', () => {
  it('a member is present from arrival until a grace after departure', () => {
    const c = { memberId: 'a', arrivedAt: t0, departedAt: null, seenAt: t0 };
    expect(connectionPresent(c, t0 - 1, rules)).toBe(false);
    expect(connectionPresent(c, t0 + 10_000, rules)).toBe(true);
    const left = { ...c, departedAt: t0 + 10_000 };
    // A phone that dropped a moment ago still counts.
    expect(connectionPresent(left, t0 + 30_000, rules)).toBe(true);
    expect(connectionPresent(left, t0 + 70_001, rules)).toBe(false);
    // Leaving on purpose is leaving at once.
    expect(connectionPresent({ ...left, deliberate: true }, t0 + 10_001, rules)).toBe(false);
  });

  it('an open connection of an instance that stopped confirming it ends after stale + grace', () => {
    const c = { memberId: 'a', arrivedAt: t0, departedAt: null, seenAt: t0 + 15_000 };
    expect(connectionPresent(c, t0 + 15_000 + 120_000, rules)).toBe(true);
    expect(connectionPresent(c, t0 + 15_000 + 120_001, rules)).toBe(false);
  });

  it('counts each member once, online on several devices or in the room as well', () => {
    const conns = [
      { memberId: 'a', arrivedAt: t0, departedAt: null, seenAt: t0 },
      { memberId: 'a', arrivedAt: t0, departedAt: t0 + 5, seenAt: t0 },
      { memberId: 'b', arrivedAt: t0, departedAt: t0 + 1, seenAt: t0 },
    ];
    const r = membersPresent(conns, new Set(['a', 'c']), t0 + 10, rules);
    expect([...r.online].sort()).toEqual(['a', 'b']);
    expect([...r.present].sort()).toEqual(['a', 'b', 'c']);
  });

  it('present is never more than the members named in the rows (property)', () => {
    const conn = fc.record({
      memberId: fc.constantFrom('a', 'b', 'c', 'd'),
      arrivedAt: fc.integer({ min: 0, max: 1000 }),
      departedAt: fc.option(fc.integer({ min: 0, max: 2000 })),
      seenAt: fc.integer({ min: 0, max: 2000 }),
    });
    fc.assert(
      fc.property(fc.array(conn), fc.integer({ min: 0, max: 5000 }), (conns, now) => {
        const r = membersPresent(conns, new Set(), now, { graceMs: 100, staleMs: 100 });
        expect(r.present.size).toBeLessThanOrEqual(new Set(conns.map((c) => c.memberId)).size);
      }),
    );
  });
});
