import { z } from 'zod';
import { MemberId } from './ids.ts';

// Branded like ids.ts; kept here so everything about polls lives in one file.
const id = <B extends string>(_brand: B) => z.string().uuid().brand<B>();

export const PollId = id('PollId');
export type PollId = z.infer<typeof PollId>;
export const OptionId = id('OptionId');
export type OptionId = z.infer<typeof OptionId>;

/** Small on purpose: a poll is read on a phone and counted by hand in the room. */
export const POLL_LIMITS = {
  maxOptions: 30,
  labelChars: 200,
  titleChars: 200,
  /** Score ballots rate each option from 0 to this. */
  maxScore: 5,
  /** Largest in-room hand count per option; far above any real room. */
  maxInRoomCount: 100_000,
  /** Members named in one hand count: a council is far smaller. */
  maxInRoomVoters: 1_000,
} as const;

export const PollKind = z.enum(['motion', 'single', 'multiple', 'ranked', 'score']);
export type PollKind = z.infer<typeof PollKind>;

export const PollState = z.enum(['draft', 'open', 'closed']);
export type PollState = z.infer<typeof PollState>;

/** A motion's options are fixed (赞成/反对/弃权), so they are keys, not generated ids. */
export const MotionChoice = z.enum(['yes', 'no', 'abstain']);
export type MotionChoice = z.infer<typeof MotionChoice>;
export const MOTION_CHOICES: readonly MotionChoice[] = MotionChoice.options;

/** What a tally row is keyed by: a motion's fixed choice or an option's id. */
export const OptionKey = z.union([MotionChoice, OptionId]);
export type OptionKey = z.infer<typeof OptionKey>;

export const PollOption = z.object({
  id: OptionId,
  label: z.string().trim().min(1).max(POLL_LIMITS.labelChars),
});
export type PollOption = z.infer<typeof PollOption>;

/** members: binding, council members only. everyone: advisory, residents too, tallied apart. */
export const Eligibility = z.enum(['members', 'everyone']);
export type Eligibility = z.infer<typeof Eligibility>;

/** The groups tallied separately; an `everyone` poll has both, a `members` poll only members. */
export const Electorate = z.enum(['members', 'residents']);
export type Electorate = z.infer<typeof Electorate>;

/** roll_call: the record names who chose what. secret: a detached ballot box (DESIGN.md 6). */
export const Secrecy = z.enum(['secret', 'roll_call']);
export type Secrecy = z.infer<typeof Secrecy>;

export const ResultsVisibility = z.enum(['live', 'hidden_until_close']);
export type ResultsVisibility = z.infer<typeof ResultsVisibility>;

/** A minimum as a fixed number or as a share of a whole (rounded up, as council quorum is). */
export const Minimum = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('count'), count: z.number().int().min(0).max(100_000) }),
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
  base: z.enum(['ballots_cast', 'electorate']),
  /**
   * Motions only. in_base: an abstention counts in the base, so it weighs like a no.
   * excluded: abstainers are taken out of the base, whichever base it is.
   */
  abstentions: z.enum(['in_base', 'excluded']),
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

/** The kinds as plain objects, before the cross-field checks; extend these for other bodies. */
export const PollDefinitionShapes = [
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
export type PollOf<K extends PollKind> = Extract<PollDefinition, { kind: K }>;

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

/** Why a ballot was refused; the web app translates each code. */
export const BallotErrorCode = z.enum([
  'wrong_shape', // not the poll's kind, or empty where a choice is needed
  'unknown_option', // an option of another poll, or none at all
  'duplicate_option',
  'too_many_choices',
  'score_out_of_range',
  'missing_score', // a score ballot must rate every option
]);
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
  counts: z
    .array(z.object({ option: OptionKey, count: z.number().int().min(0).max(POLL_LIMITS.maxInRoomCount) }))
    .max(POLL_LIMITS.maxOptions),
  /**
   * Members only: who was counted by hand (the facilitator ticks names), so that nobody counts
   * twice. It is the voter roll of the room, never what each chose; empty for residents.
   */
  voters: z.array(MemberId).max(POLL_LIMITS.maxInRoomVoters),
  enteredBy: MemberId,
});
export type InRoomCounts = z.infer<typeof InRoomCounts>;

/** Why in-room counts were refused. */
export const InRoomErrorCode = z.enum([
  'not_supported', // ranked and score polls
  'wrong_electorate', // residents' counts for a members-only poll, or for another electorate
  'unknown_option',
  'duplicate_option',
  'inconsistent_ballots', // the counts cannot come from that many people
  'exceeds_electorate', // more members counted in the room than have not voted online
  'voters_mismatch', // members: the names ticked are not as many as the people counted; residents: never named
  'duplicate_voter',
  'not_a_member',
  'voted_online', // a member named in the room has voted online already
]);
export type InRoomErrorCode = z.infer<typeof InRoomErrorCode>;

// ---- Tally snapshots ----

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
  threshold: z
    .object({ support: z.number().int(), base: z.number().int(), required: z.number().int() })
    .nullable(),
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

/**
 * Secret ballots only, see packages/domain anonymity.ts. small_electorate: fewer than 3 could
 * vote; few_ballots: fewer than 3 ballots are in; unanimous: every ballot is the same.
 */
export const AnonymityWarning = z.enum(['small_electorate', 'few_ballots', 'unanimous']);
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
