import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { choiceKey, hasVotedThreshold, hasVotedVisible, smallElectorateWarning } from './anonymity.ts';
import { opt } from './test-fixtures.ts';
import type { BallotChoice } from '@yishi/protocol';

const yes: BallotChoice = { kind: 'motion', choice: 'yes' };
const no: BallotChoice = { kind: 'motion', choice: 'no' };
const secret = (electorateSize: number, choices: BallotChoice[]) => smallElectorateWarning({ secrecy: 'secret', electorateSize, choices });

describe('who has voted', () => {
  it('needs max(3, ceil(20% of the electorate)) ballots', () => {
    expect(hasVotedThreshold(0)).toBe(3);
    expect(hasVotedThreshold(15)).toBe(3);
    expect(hasVotedThreshold(16)).toBe(4);
    expect(hasVotedThreshold(500)).toBe(100);
    expect(hasVotedThreshold(30, 10)).toBe(3); // not 4: 10% of 30 is exactly 3
  });

  it('stays hidden below the threshold, shows from it, always shows for roll call', () => {
    expect(hasVotedVisible({ secrecy: 'secret', electorateSize: 20, voted: 3 })).toBe(false);
    expect(hasVotedVisible({ secrecy: 'secret', electorateSize: 20, voted: 4 })).toBe(true);
    expect(hasVotedVisible({ secrecy: 'roll_call', electorateSize: 20, voted: 0 })).toBe(true);
  });

  it('never shows for an electorate of 2, even when both voted', () => {
    expect(hasVotedVisible({ secrecy: 'secret', electorateSize: 2, voted: 2 })).toBe(false);
  });

  it('threshold is at least 3 and at least the share, for any electorate', () => {
    fc.assert(
      fc.property(fc.nat({ max: 100_000 }), fc.integer({ min: 1, max: 100 }), (size, percent) => {
        const t = hasVotedThreshold(size, percent);
        expect(t).toBeGreaterThanOrEqual(3);
        expect(100 * t).toBeGreaterThanOrEqual(percent * size);
        if (t > 3) expect(100 * (t - 1)).toBeLessThan(percent * size);
      }),
    );
  });
});

describe('smallElectorateWarning', () => {
  it('warns from the start when fewer than 3 can vote', () => {
    expect(secret(2, [])).toBe('small_electorate');
    expect(secret(0, [])).toBe('small_electorate');
  });

  it('warns while only 1 or 2 ballots are in', () => {
    expect(secret(10, [])).toBeNull();
    expect(secret(10, [yes])).toBe('few_ballots');
    expect(secret(10, [yes, no])).toBe('few_ballots');
    expect(secret(10, [yes, no, no])).toBeNull();
  });

  it('warns when 3 or more ballots are identical', () => {
    expect(secret(10, [yes, yes, yes])).toBe('unanimous');
  });

  it('reads multiple-choice and score ballots by meaning, not order', () => {
    const m = (...i: number[]): BallotChoice => ({ kind: 'multiple', optionIds: i.map(opt) });
    expect(secret(10, [m(0, 1), m(1, 0), m(0, 1)])).toBe('unanimous');
    const r = (...i: number[]): BallotChoice => ({ kind: 'ranked', ranking: i.map(opt) });
    expect(secret(10, [r(0, 1), r(1, 0), r(0, 1)])).toBeNull();
    const s = (a: number, b: number, flip = false): BallotChoice => {
      const scores = [
        { optionId: opt(0), score: a },
        { optionId: opt(1), score: b },
      ];
      return { kind: 'score', scores: flip ? scores.reverse() : scores };
    };
    expect(choiceKey(s(1, 2))).toBe(choiceKey(s(1, 2, true)));
    expect(choiceKey(s(1, 2))).not.toBe(choiceKey(s(2, 1)));
  });

  it('never warns on roll call: nothing is secret', () => {
    expect(smallElectorateWarning({ secrecy: 'roll_call', electorateSize: 1, choices: [yes] })).toBeNull();
  });
});
