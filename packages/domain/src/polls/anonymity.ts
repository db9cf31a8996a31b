import type { AnonymityWarning, BallotChoice, Secrecy } from '@yishi/protocol';

/**
 * Below this many, a secret ballot protects no one: with two voters each knows the other's
 * choice from the result, with one the result is the vote.
 */
export const MIN_ANONYMOUS_GROUP = 3;

/** Share of the electorate (in percent) that must have voted before who-has-voted is shown. */
export const DEFAULT_HAS_VOTED_PERCENT = 20;

/**
 * How many ballots must be in before a secret poll shows who has voted:
 * max(3, ceil(percent% of the electorate)), as Loomio does. Early on, the list of voters next
 * to a live tally would tell which way the first few voted.
 * Integer arithmetic: 0.1 * 30 is 3.0000000000000004 in floating point, and would round up.
 */
export function hasVotedThreshold(electorateSize: number, percent: number = DEFAULT_HAS_VOTED_PERCENT): number {
  return Math.max(MIN_ANONYMOUS_GROUP, Math.ceil((percent * electorateSize) / 100));
}

export interface HasVotedInput {
  secrecy: Secrecy;
  electorateSize: number;
  /** Ballots cast so far. */
  voted: number;
  percent?: number;
}

/**
 * Whether the who-has-voted list may be shown while the poll is open. Roll call names every
 * voter anyway. An electorate smaller than 3 never reaches the threshold, so its list stays
 * hidden while the poll is open. Even above the threshold the server should publish the list
 * with the coalesced tally, never one name per ballot, or the tally's step gives the vote away.
 */
export function hasVotedVisible(input: HasVotedInput): boolean {
  if (input.secrecy === 'roll_call') return true;
  return input.voted >= hasVotedThreshold(input.electorateSize, input.percent);
}

export interface WarningInput {
  secrecy: Secrecy;
  electorateSize: number;
  /** The valid online ballots so far; hand counts are public by nature and not included. */
  choices: readonly BallotChoice[];
}

/**
 * The warning a secret poll shows when its result would reveal how people voted. The rule,
 * first match wins:
 *   1. small_electorate: fewer than 3 people could vote. Shown before anyone votes, so the
 *      facilitator can switch to roll call or accept it knowingly.
 *   2. few_ballots: 1 or 2 ballots are in. One ballot is its voter's choice; with two, each
 *      voter can read the other's.
 *   3. unanimous: 3 or more ballots, all identical. Anyone who knows a person voted knows
 *      what they chose.
 * None for roll call (nothing is secret) or before any ballot in a large enough electorate.
 * `unanimous` is read from the ballots, so it must not be shown while results are hidden
 * (see visibleSnapshot in tally.ts); the other two follow from turnout, which is always shown.
 */
export function smallElectorateWarning(input: WarningInput): AnonymityWarning | null {
  if (input.secrecy === 'roll_call') return null;
  if (input.electorateSize < MIN_ANONYMOUS_GROUP) return 'small_electorate';
  const n = input.choices.length;
  if (n === 0) return null;
  if (n < MIN_ANONYMOUS_GROUP) return 'few_ballots';
  const first = choiceKey(input.choices[0]!);
  return input.choices.every((c) => choiceKey(c) === first) ? 'unanimous' : null;
}

/** A canonical form of a choice: two ballots that mean the same give the same key. */
export function choiceKey(choice: BallotChoice): string {
  switch (choice.kind) {
    case 'motion':
      return `motion:${choice.choice}`;
    case 'single':
      return `single:${choice.optionId}`;
    case 'multiple':
      return `multiple:${[...choice.optionIds].sort().join(',')}`;
    case 'ranked':
      return `ranked:${choice.ranking.join(',')}`;
    case 'score':
      return `score:${[...choice.scores]
        .sort((a, b) => (a.optionId < b.optionId ? -1 : a.optionId > b.optionId ? 1 : 0))
        .map((s) => `${s.optionId}=${s.score}`)
        .join(',')}`;
  }
}
