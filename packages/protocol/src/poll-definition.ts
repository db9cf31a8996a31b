/** What a poll is: its definition, rules, ballots and hand counts. Its live count is poll-tally.ts, its events polls.ts. */
import { z } from 'zod';
import {
  ABSTENTION_RULES,
  BALLOT_ERROR_CODES,
  ELECTORATES,
  ELIGIBILITIES,
  IN_ROOM_ERROR_CODES,
  MOTION_CHOICES,
  POLL_KINDS,
  POLL_LIMITS,
  POLL_STATES,
  RESULTS_VISIBILITIES,
  SECRECIES,
  THRESHOLD_BASES,
} from './constants.ts';
import { MemberId } from './ids.ts';

// Branded like ids.ts; kept with the polls.
const id = <B extends string>(_brand: B) => z.string().uuid().brand<B>();

export const PollId = id('PollId');
export type PollId = z.infer<typeof PollId>;
export const OptionId = id('OptionId');
export type OptionId = z.infer<typeof OptionId>;

export const PollKind = z.enum(POLL_KINDS);
export type PollKind = z.infer<typeof PollKind>;

export const PollState = z.enum(POLL_STATES);
export type PollState = z.infer<typeof PollState>;

/** A motion's options are fixed (赞成/反对/弃权), so they are keys, not generated ids. */
export const MotionChoice = z.enum(MOTION_CHOICES);
export type MotionChoice = z.infer<typeof MotionChoice>;

/** What a tally row is keyed by: a motion's fixed choice or an option's id. */
export const OptionKey = z.union([MotionChoice, OptionId]);
export type OptionKey = z.infer<typeof OptionKey>;

export const PollOption = z.object({
  id: OptionId,
  label: z.string().trim().min(1).max(POLL_LIMITS.labelChars),
});
export type PollOption = z.infer<typeof PollOption>;

/** members: binding, council members only. everyone: advisory, residents too, tallied apart. */
export const Eligibility = z.enum(ELIGIBILITIES);
export type Eligibility = z.infer<typeof Eligibility>;

/** The groups tallied separately; an `everyone` poll has both, a `members` poll only members. */
export const Electorate = z.enum(ELECTORATES);
export type Electorate = z.infer<typeof Electorate>;

/** roll_call: the record names who chose what. secret: a detached ballot box (DESIGN.md 6). */
export const Secrecy = z.enum(SECRECIES);
export type Secrecy = z.infer<typeof Secrecy>;

export const ResultsVisibility = z.enum(RESULTS_VISIBILITIES);
export type ResultsVisibility = z.infer<typeof ResultsVisibility>;

/** A minimum as a fixed number or as a share of a whole (rounded up, as council quorum is). */
export const Minimum = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('count'), count: z.number().int().min(0).max(POLL_LIMITS.maxQuorumCount) }),
  z.object({ kind: z.literal('share'), percent: z.number().int().min(1).max(100) }),
]);
export type Minimum = z.infer<typeof Minimum>;

export const PollQuorum = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }),
  /** Ballots cast in the electorate (online plus in-room); a share is of the electorate size. */
  z.object({ kind: z.literal('ballots_cast'), min: Minimum }),
  /** Members present in the meeting; a share is of all the council's members. */
  z.object({ kind: z.literal('members_present'), min: Minimum }),
]);
export type PollQuorum = z.infer<typeof PollQuorum>;

/**
 * How much support passes. simple_majority: more than half; two_thirds: at least two thirds;
 * percent: at least that percent. Every rule needs at least one vote in favour.
 */
export const ThresholdShare = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('simple_majority') }),
  z.object({ kind: z.literal('two_thirds') }),
  z.object({ kind: z.literal('percent'), percent: z.number().int().min(1).max(100) }),
]);
export type ThresholdShare = z.infer<typeof ThresholdShare>;

export const Threshold = z.object({
  share: ThresholdShare,
  /** Of the ballots cast, or of the whole electorate (absent voters then count against). */
  base: z.enum(THRESHOLD_BASES),
  /**
   * Motions only. in_base: an abstention counts in the base, so it weighs like a no.
   * excluded: abstainers are taken out of the base, whichever base it is.
   */
  abstentions: z.enum(ABSTENTION_RULES),
});
export type Threshold = z.infer<typeof Threshold>;

export const PollRule = z.object({
  quorum: PollQuorum,
  /**
   * Required for a motion. For single, multiple and ranked polls it is optional: null means the
   * plurality (or the instant-runoff winner) wins. Score polls have none: the best average wins.
   */
  threshold: Threshold.nullable(),
});
export type PollRule = z.infer<typeof PollRule>;

const Title = z.string().trim().min(1).max(POLL_LIMITS.titleChars);
const Options = z.array(PollOption).min(2).max(POLL_LIMITS.maxOptions);

const common = {
  id: PollId,
  title: Title,
  eligibility: Eligibility,
  secrecy: Secrecy,
  results: ResultsVisibility,
  rule: PollRule,
};

/** The kinds as plain objects, before the cross-field checks. */
const PollDefinitionShapes = [
  z.object({ ...common, kind: z.literal('motion') }),
  z.object({ ...common, kind: z.literal('single'), options: Options }),
  z.object({
    ...common,
    kind: z.literal('multiple'),
    options: Options,
    maxChoices: z.number().int().min(1).max(POLL_LIMITS.maxOptions),
  }),
  z.object({ ...common, kind: z.literal('ranked'), options: Options }),
  z.object({ ...common, kind: z.literal('score'), options: Options }),
] as const;

/**
 * The checks no single field can make. Exported so a create-poll body (the same fields
 * without ids) can run the same rules: `.superRefine(refinePollDefinition)`.
 */
export function refinePollDefinition(
  poll: { kind: PollKind; options?: { id: string }[]; maxChoices?: number; rule: { threshold: unknown } },
  ctx: z.RefinementCtx,
): void {
  const ids = (poll.options ?? []).map((o) => o.id);
  if (new Set(ids).size !== ids.length) {
    ctx.addIssue({ code: 'custom', path: ['options'], message: 'option ids must be distinct' });
  }
  if (poll.maxChoices !== undefined && poll.maxChoices > ids.length) {
    ctx.addIssue({ code: 'custom', path: ['maxChoices'], message: 'maxChoices exceeds the options' });
  }
  if (poll.kind === 'motion' && poll.rule.threshold === null) {
    ctx.addIssue({ code: 'custom', path: ['rule', 'threshold'], message: 'a motion needs a threshold' });
  }
  if (poll.kind === 'score' && poll.rule.threshold !== null) {
    ctx.addIssue({ code: 'custom', path: ['rule', 'threshold'], message: 'a score poll has no threshold' });
  }
}

/**
 * A poll's definition, fixed once it opens. Option order is the order on the ballot and is
 * also the last step of the instant-runoff tie-break, so it is part of the definition.
 */
export const PollDefinition = z.discriminatedUnion('kind', [...PollDefinitionShapes]).superRefine(refinePollDefinition);
export type PollDefinition = z.infer<typeof PollDefinition>;

/**
 * A voter's choice, one shape per kind. The schema checks shape and size only; whether the
 * ids belong to this poll, are distinct and fit maxChoices is checked against the definition
 * in packages/domain (validateBallot), which returns a typed BallotError.
 */
export const BallotChoice = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('motion'), choice: MotionChoice }),
  z.object({ kind: z.literal('single'), optionId: OptionId }),
  z.object({ kind: z.literal('multiple'), optionIds: z.array(OptionId).min(1).max(POLL_LIMITS.maxOptions) }),
  /** Most preferred first; may stop before ranking every option. */
  z.object({ kind: z.literal('ranked'), ranking: z.array(OptionId).min(1).max(POLL_LIMITS.maxOptions) }),
  /** Every option rated once, 0..5. */
  z.object({
    kind: z.literal('score'),
    scores: z
      .array(z.object({ optionId: OptionId, score: z.number().int().min(0).max(POLL_LIMITS.maxScore) }))
      .min(1)
      .max(POLL_LIMITS.maxOptions),
  }),
]);
export type BallotChoice = z.infer<typeof BallotChoice>;
export type ChoiceOf<K extends PollKind> = Extract<BallotChoice, { kind: K }>;

/** Why a ballot was refused (BALLOT_ERROR_CODES); the web app translates each code. */
export const BallotErrorCode = z.enum(BALLOT_ERROR_CODES);
export type BallotErrorCode = z.infer<typeof BallotErrorCode>;

export const BallotError = z.object({ code: BallotErrorCode, optionId: z.string().optional() });
export type BallotError = z.infer<typeof BallotError>;

/**
 * Hand or paper counts entered by the facilitator for one electorate in a hybrid meeting.
 * `ballots` is how many people were counted: for a motion or single choice it must equal the
 * sum of the counts, for multiple choice it cannot be read from them. Ranked and score polls
 * take no in-room counts, because a show of hands cannot express a ranking or a score.
 */
export const InRoomCounts = z.object({
  electorate: Electorate,
  ballots: z.number().int().min(0).max(POLL_LIMITS.maxInRoomCount),
  counts: z.array(z.object({ option: OptionKey, count: z.number().int().min(0).max(POLL_LIMITS.maxInRoomCount) })).max(POLL_LIMITS.maxOptions),
  /**
   * Members only: who was counted by hand (the facilitator ticks names), so that nobody counts
   * twice. It is the voter roll of the room, never what each chose; empty for residents.
   */
  voters: z.array(MemberId).max(POLL_LIMITS.maxInRoomVoters),
  enteredBy: MemberId,
});
export type InRoomCounts = z.infer<typeof InRoomCounts>;

/** Why in-room counts were refused. */
export const InRoomErrorCode = z.enum(IN_ROOM_ERROR_CODES);
export type InRoomErrorCode = z.infer<typeof InRoomErrorCode>;
