import { describe, expect, it } from 'vitest';
import { makePoll, opt, uuid } from './test-fixtures.ts';
import { validateBallot } from './validate-ballot.ts';
import type { BallotChoice, OptionId } from '@yishi/protocol';

const code = (r: ReturnType<typeof validateBallot>) => (r.ok ? 'ok' : r.error.code);
const foreign = uuid(9999) as OptionId;

describe('validateBallot', () => {
  it('accepts each kind in its own shape', () => {
    expect(code(validateBallot(makePoll('motion'), { kind: 'motion', choice: 'abstain' }))).toBe('ok');
    expect(code(validateBallot(makePoll('single'), { kind: 'single', optionId: opt(2) }))).toBe('ok');
    expect(code(validateBallot(makePoll('multiple'), { kind: 'multiple', optionIds: [opt(0), opt(2)] }))).toBe('ok');
    expect(code(validateBallot(makePoll('ranked'), { kind: 'ranked', ranking: [opt(1)] }))).toBe('ok');
    const scores = [0, 1, 2].map((i) => ({ optionId: opt(i), score: i * 2 + 1 }));
    expect(code(validateBallot(makePoll('score'), { kind: 'score', scores }))).toBe('ok');
  });

  it('refuses a ballot of another kind as wrong_shape', () => {
    expect(code(validateBallot(makePoll('single'), { kind: 'motion', choice: 'yes' }))).toBe('wrong_shape');
    expect(code(validateBallot(makePoll('motion'), { kind: 'single', optionId: opt(0) }))).toBe('wrong_shape');
  });

  it('refuses empty multiple and ranked ballots as wrong_shape', () => {
    expect(code(validateBallot(makePoll('multiple'), { kind: 'multiple', optionIds: [] }))).toBe('wrong_shape');
    expect(code(validateBallot(makePoll('ranked'), { kind: 'ranked', ranking: [] }))).toBe('wrong_shape');
  });

  it('refuses an option of another poll and names it', () => {
    const r = validateBallot(makePoll('single'), { kind: 'single', optionId: foreign });
    expect(r).toEqual({ ok: false, error: { code: 'unknown_option', optionId: foreign } });
    expect(code(validateBallot(makePoll('ranked'), { kind: 'ranked', ranking: [opt(0), foreign] }))).toBe('unknown_option');
    expect(code(validateBallot(makePoll('multiple'), { kind: 'multiple', optionIds: [foreign] }))).toBe('unknown_option');
  });

  it('refuses a duplicate option', () => {
    expect(code(validateBallot(makePoll('multiple'), { kind: 'multiple', optionIds: [opt(1), opt(1)] }))).toBe('duplicate_option');
    expect(code(validateBallot(makePoll('ranked'), { kind: 'ranked', ranking: [opt(0), opt(1), opt(0)] }))).toBe('duplicate_option');
    const scores = [0, 1, 1, 2].map((i) => ({ optionId: opt(i), score: 3 }));
    expect(code(validateBallot(makePoll('score'), { kind: 'score', scores }))).toBe('duplicate_option');
  });

  it('refuses more than maxChoices, accepts exactly maxChoices', () => {
    const poll = makePoll('multiple', { options: 4, maxChoices: 2 });
    expect(code(validateBallot(poll, { kind: 'multiple', optionIds: [opt(0), opt(1)] }))).toBe('ok');
    expect(code(validateBallot(poll, { kind: 'multiple', optionIds: [opt(0), opt(1), opt(2)] }))).toBe('too_many_choices');
  });

  it('refuses scores outside 0..5 and fractional scores, even unparsed', () => {
    const poll = makePoll('score', { options: 2 });
    for (const bad of [-1, 6, 2.5, Number.NaN]) {
      const choice = {
        kind: 'score',
        scores: [
          { optionId: opt(0), score: 3 },
          { optionId: opt(1), score: bad },
        ],
      } as BallotChoice;
      expect(validateBallot(poll, choice)).toEqual({
        ok: false,
        error: { code: 'score_out_of_range', optionId: opt(1) },
      });
    }
  });

  it('accepts a partial ranking but requires every option scored', () => {
    expect(code(validateBallot(makePoll('ranked', { options: 5 }), { kind: 'ranked', ranking: [opt(4)] }))).toBe('ok');
    const r = validateBallot(makePoll('score'), { kind: 'score', scores: [{ optionId: opt(0), score: 5 }] });
    expect(r).toEqual({ ok: false, error: { code: 'missing_score', optionId: opt(1) } });
  });
});
