import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { quorumRequired, quorumStatus } from './quorum.ts';

describe('quorum', () => {
  it('rounds a share up: half of 7 members needs 4', () => {
    expect(quorumRequired({ kind: 'share', percent: 50 }, 7)).toBe(4);
    expect(quorumRequired({ kind: 'share', percent: 50 }, 8)).toBe(4);
    expect(quorumRequired({ kind: 'share', percent: 67 }, 3)).toBe(3);
    expect(quorumRequired({ kind: 'share', percent: 100 }, 0)).toBe(0);
  });

  it('takes a count as it is', () => {
    expect(quorumStatus({ kind: 'count', count: 5 }, 20, 5)).toEqual({ required: 5, present: 5, members: 20, met: true });
    expect(quorumStatus({ kind: 'count', count: 5 }, 20, 4).met).toBe(false);
  });

  it('is met exactly when present reaches the required share (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 500 }), (percent, total, present) => {
        const s = quorumStatus({ kind: 'share', percent }, total, present);
        expect(s.met).toBe(present * 100 >= percent * total);
      }),
    );
  });
});
