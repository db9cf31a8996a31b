import type { BallotChoice, BallotError, PollDefinition } from '@yishi/protocol';
import { POLL_LIMITS } from '@yishi/protocol/constants';

export type BallotCheck = { ok: true; choice: BallotChoice } | { ok: false; error: BallotError };

const refuse = (code: BallotError['code'], optionId?: string): BallotCheck => ({
  ok: false,
  error: optionId === undefined ? { code } : { code, optionId },
});

/**
 * Checks a ballot against the poll it is cast in. The wire schema has already checked the
 * shape; this checks what only the definition knows: the kind, that every id is one of this
 * poll's options (an id from another poll is refused, not ignored), no id twice, at most k
 * choices, and every option scored once. Scores are range-checked again here so a caller that
 * builds a choice without parsing it cannot slip a 6 into the sums.
 */
export function validateBallot(poll: PollDefinition, choice: BallotChoice): BallotCheck {
  if (poll.kind !== choice.kind) return refuse('wrong_shape');
  switch (choice.kind) {
    case 'motion':
      return { ok: true, choice };
    case 'single':
      return known(poll).has(choice.optionId) ? { ok: true, choice } : refuse('unknown_option', choice.optionId);
    case 'multiple': {
      const bad = checkIds(poll, choice.optionIds);
      if (bad) return bad;
      if (poll.kind === 'multiple' && choice.optionIds.length > poll.maxChoices) return refuse('too_many_choices');
      return { ok: true, choice };
    }
    case 'ranked': {
      // A partial ranking is fine: the ballot exhausts once its ranked options are out.
      const bad = checkIds(poll, choice.ranking);
      return bad ?? { ok: true, choice };
    }
    case 'score': {
      for (const s of choice.scores) {
        if (!Number.isInteger(s.score) || s.score < 0 || s.score > POLL_LIMITS.maxScore) {
          return refuse('score_out_of_range', s.optionId);
        }
      }
      const bad = checkIds(
        poll,
        choice.scores.map((s) => s.optionId),
      );
      if (bad) return bad;
      // Every option must be rated: a missing one would be read as 0 by some and as
      // "no opinion" by others, and the averages would not be comparable.
      const rated = new Set<string>(choice.scores.map((s) => s.optionId));
      const missing = optionIds(poll).find((id) => !rated.has(id));
      return missing === undefined ? { ok: true, choice } : refuse('missing_score', missing);
    }
  }
}

function optionIds(poll: PollDefinition): string[] {
  return poll.kind === 'motion' ? [] : poll.options.map((o) => o.id);
}

function known(poll: PollDefinition): Set<string> {
  return new Set(optionIds(poll));
}

function checkIds(poll: PollDefinition, ids: readonly string[]): BallotCheck | null {
  if (ids.length === 0) return refuse('wrong_shape');
  const valid = known(poll);
  const seen = new Set<string>();
  for (const id of ids) {
    if (!valid.has(id)) return refuse('unknown_option', id);
    if (seen.has(id)) return refuse('duplicate_option', id);
    seen.add(id);
  }
  return null;
}
