/** A poll's count as it stands: per electorate, per option, with the outcome once closed. */
import { z } from 'zod';
import { ANONYMITY_WARNINGS, POLL_LIMITS } from './constants.ts';
import { MemberId } from './ids.ts';
import { Electorate, OptionId, OptionKey, PollId, PollKind, PollState } from './poll-definition.ts';

/** One row per option, in ballot order: online ballots, the in-room column, and their sum. */
export const OptionCount = z.object({
  option: OptionKey,
  online: z.number().int().min(0),
  inRoom: z.number().int().min(0),
  total: z.number().int().min(0),
});
export type OptionCount = z.infer<typeof OptionCount>;

/** One instant-runoff round: every continuing option's votes, before this round's elimination. */
export const IrvRound = z.object({
  round: z.number().int().min(1),
  counts: z.array(z.object({ optionId: OptionId, votes: z.number().int().min(0) })),
  /** Ballots with no continuing option left, accumulated over all rounds so far. */
  exhausted: z.number().int().min(0),
  /** Eliminated at the end of this round; null in the last round. */
  eliminated: OptionId.nullable(),
});
export type IrvRound = z.infer<typeof IrvRound>;

export const ScoreRow = z.object({
  optionId: OptionId,
  sum: z.number().int().min(0),
  /** Null while no ballot is in. */
  average: z.number().min(0).max(POLL_LIMITS.maxScore).nullable(),
});
export type ScoreRow = z.infer<typeof ScoreRow>;

export const TallyResults = z.discriminatedUnion('kind', [
  /** Motions, single and multiple choice. */
  z.object({ kind: z.literal('counts'), options: z.array(OptionCount) }),
  z.object({
    kind: z.literal('ranked'),
    rounds: z.array(IrvRound),
    winner: OptionId.nullable(),
    /** Options still level when the count had to stop; empty unless the runoff ended in a tie. */
    tied: z.array(OptionId),
  }),
  z.object({ kind: z.literal('score'), options: z.array(ScoreRow) }),
]);
export type TallyResults = z.infer<typeof TallyResults>;

/** The numbers an outcome was decided on, so the screen can say "7 of 10, 7 needed". */
export const OutcomeBasis = z.object({
  quorum: z.object({ required: z.number().int(), actual: z.number().int(), met: z.boolean() }).nullable(),
  threshold: z.object({ support: z.number().int(), base: z.number().int(), required: z.number().int() }).nullable(),
});
export type OutcomeBasis = z.infer<typeof OutcomeBasis>;

export const PollOutcome = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('passed'), basis: OutcomeBasis }),
  /** A motion short of its threshold, or a poll where no option reached it or no one voted. */
  z.object({ kind: z.literal('failed'), basis: OutcomeBasis }),
  z.object({ kind: z.literal('no_quorum'), basis: OutcomeBasis }),
  z.object({ kind: z.literal('winner'), optionId: OptionId, basis: OutcomeBasis }),
  z.object({ kind: z.literal('tie'), optionIds: z.array(OptionId).min(2), basis: OutcomeBasis }),
]);
export type PollOutcome = z.infer<typeof PollOutcome>;

/** Secret ballots only: ANONYMITY_WARNINGS says what each means. */
export const AnonymityWarning = z.enum(ANONYMITY_WARNINGS);
export type AnonymityWarning = z.infer<typeof AnonymityWarning>;

export const ElectorateTally = z.object({
  electorate: Electorate,
  /**
   * Who could vote: the council's members; for residents with voting codes, the codes issued
   * plus the residents counted by hand in the room (so turnout never exceeds it). 0 when unknown.
   */
  electorateSize: z.number().int().min(0),
  /**
   * False when nobody can say how many could vote (residents of an open, unverified poll): show
   * the turnout alone, never as a fraction.
   */
  electorateKnown: z.boolean(),
  online: z.number().int().min(0),
  inRoom: z.number().int().min(0),
  /** online + inRoom, shown against electorateSize. */
  turnout: z.number().int().min(0),
  inRoomEnteredBy: MemberId.nullable(),
  /** Null while results are hidden until close. */
  results: TallyResults.nullable(),
  /** Set on close. */
  outcome: PollOutcome.nullable(),
  warning: AnonymityWarning.nullable(),
});
export type ElectorateTally = z.infer<typeof ElectorateTally>;

/** The coalesced live view of one poll; clients keep the highest version (see views.ts). */
export const TallySnapshot = z.object({
  pollId: PollId,
  kind: PollKind,
  state: PollState,
  version: z.number().int().min(0),
  electorates: z.array(ElectorateTally),
});
export type TallySnapshot = z.infer<typeof TallySnapshot>;
