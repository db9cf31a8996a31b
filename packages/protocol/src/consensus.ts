/**
 * Consensus checks on the wire (issue 12): a facilitator opens a check on an agenda item's
 * proposal; members (and residents, if the check includes them, as advisory) each hold one
 * position on a five-level gradient, changeable while the check is open; the `consensus` live
 * view carries counts only (names only for a named check), small groups hidden
 * (packages/domain consensus/suppression.ts), the council's rule evaluated live, and the rounds
 * recorded so far.
 */
import { z } from 'zod';
import { BUILTIN_GROUPS, CONSENSUS_CHECK_STATES, CONSENSUS_LIMITS } from './constants.ts';
import { MeetingId } from './ids.ts';
import { Poll } from './polls.ts';
import { AgendaItemId } from './agenda.ts';

export const ConsensusCheckId = z.string().uuid().brand<'ConsensusCheckId'>();
export type ConsensusCheckId = z.infer<typeof ConsensusCheckId>;

/** C0 and C1 controls other than line breaks and tabs: a proposal has paragraphs. */
const CONTROL_BUT_LINES = /(?![\n\t])\p{Cc}/u;
/** Text of several lines a person typed: trimmed, something visible, no control characters but line breaks. */
const Paragraphs = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !CONTROL_BUT_LINES.test(s), 'control characters are not allowed');

/** The council's rule (council settings); see CONSENSUS_RULE_DEFAULTS. */
export const ConsensusRule = z.object({
  agreePercent: z.number().int().min(1).max(100),
  groupPercent: z.number().int().min(0).max(100),
  participationPercent: z.number().int().min(0).max(100),
  suppressBelow: z.number().int().min(CONSENSUS_LIMITS.minSuppressBelow).max(CONSENSUS_LIMITS.maxSuppressBelow),
});
export type ConsensusRule = z.infer<typeof ConsensusRule>;

/** Counts at levels 1..5 (index 0 is level 1, index 4 a block). */
export const Distribution = z.tuple([
  z.number().int().min(0),
  z.number().int().min(0),
  z.number().int().min(0),
  z.number().int().min(0),
  z.number().int().min(0),
]);

/** One condition of the rule, for the reasons in words (packages/domain consensus/rule.ts#Criterion). */
export const Criterion = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('no_block'), met: z.boolean(), blocks: z.number().int().nullable() }),
  z.object({ kind: z.literal('members_agree'), met: z.boolean(), percent: z.number().int().nullable(), required: z.number().int() }),
  z.object({
    kind: z.literal('group_agree'),
    met: z.boolean(),
    groupId: z.string(),
    percent: z.number().int().nullable(),
    required: z.number().int(),
  }),
  z.object({ kind: z.literal('hidden_groups_agree'), met: z.boolean(), groups: z.number().int(), required: z.number().int() }),
  z.object({
    kind: z.literal('participation'),
    met: z.boolean(),
    participating: z.number().int(),
    present: z.number().int(),
    percent: z.number().int(),
    required: z.number().int(),
  }),
]);

/** What everyone sees of a check's positions at one moment (domain publicConsensus). */
export const ConsensusFigures = z.object({
  participants: z.number().int().min(0),
  overall: Distribution.nullable(),
  groups: z.array(
    z.object({
      groupId: z.string(),
      name: z.string(),
      builtin: z.enum(BUILTIN_GROUPS).nullable(),
      participants: z.number().int().min(0),
      counts: Distribution.nullable(),
      /** small: fewer participants than the council's threshold; merged: hidden so that a small group cannot be recovered. */
      hidden: z.enum(['small', 'merged']).nullable(),
    }),
  ),
  residents: z.object({ participants: z.number().int().min(0), counts: Distribution.nullable() }).nullable(),
  membersPresent: z.number().int().min(0),
  state: z.object({ reached: z.boolean(), criteria: z.array(Criterion) }),
});
export type ConsensusFigures = z.infer<typeof ConsensusFigures>;

export const ConsensusRound = z.object({
  round: z.number().int().min(1),
  proposalVersion: z.number().int().min(1),
  recordedAt: z.string(),
  figures: ConsensusFigures,
});
export type ConsensusRound = z.infer<typeof ConsensusRound>;

/** A block's reason or a reservation, under the member's name (posted to the item's thread). */
export const ConsensusStatement = z.object({
  name: z.string(),
  kind: z.enum(['block', 'reservation']),
  text: z.string(),
  round: z.number().int(),
  at: z.string(),
});

export const ConsensusCheck = z.object({
  id: ConsensusCheckId,
  meetingId: MeetingId,
  itemId: z.string(),
  state: z.enum(CONSENSUS_CHECK_STATES),
  /** Named: everyone sees who holds which position (like a roll call). Otherwise counts only. */
  named: z.boolean(),
  /** Residents take part too, shown apart as advisory. */
  residents: z.boolean(),
  round: z.number().int().min(1),
  /** Whether the current round's figures are recorded already. */
  roundRecorded: z.boolean(),
  proposal: z.object({ version: z.number().int().min(1), text: z.string() }),
  /** Earlier versions of the proposal, oldest first. */
  proposals: z.array(z.object({ version: z.number().int().min(1), text: z.string(), at: z.string() })),
  rule: ConsensusRule,
  openedAt: z.string(),
  /** Live while open; the final figures once closed. */
  figures: ConsensusFigures,
  rounds: z.array(ConsensusRound),
  /** Named checks only: who holds which position (member names; residents by display name). */
  positions: z.array(z.object({ name: z.string(), groupId: z.string().nullable(), level: z.number().int() })).nullable(),
  statements: z.array(ConsensusStatement),
  outcome: z.object({ reached: z.boolean(), text: z.string(), closedAt: z.string() }).nullable(),
  /** The motion poll made from this check, if any. */
  pollId: z.string().nullable(),
});
export type ConsensusCheck = z.infer<typeof ConsensusCheck>;

export const ConsensusView = z.object({ checks: z.array(ConsensusCheck) });
export type ConsensusView = z.infer<typeof ConsensusView>;

const Count = z.number().int().min(0);
/** 0: shown; 1: hidden, small; 2: hidden, merged (ConsensusFigures groups' `hidden`). */
const HiddenCode = z.union([z.literal(0), z.literal(1), z.literal(2)]);

/**
 * ConsensusFigures in the compact form of the `consensus_live` view (domain consensus/live.ts):
 * the groups are arrays in the order of the full view's `figures.groups` (their ids and names are
 * there), the reasons tuples led by their kind, a group's reason naming it by that index. The
 * same figures, nothing added: what is hidden in one form is hidden in the other.
 */
export const LiveConsensusFigures = z.object({
  n: Count,
  overall: Distribution.nullable(),
  /** [participants, counts or null, hidden] per group. */
  groups: z.array(z.tuple([Count, Distribution.nullable(), HiddenCode])),
  /** [participants, counts or null]. */
  residents: z.tuple([Count, Distribution.nullable()]).nullable(),
  present: Count,
  reached: z.boolean(),
  criteria: z.array(
    z.union([
      z.tuple([z.literal('no_block'), z.boolean(), z.number().int().nullable()]),
      z.tuple([z.literal('members_agree'), z.boolean(), z.number().int().nullable(), z.number().int()]),
      /** [kind, met, group index, percent, required]. */
      z.tuple([z.literal('group_agree'), z.boolean(), Count, z.number().int().nullable(), z.number().int()]),
      z.tuple([z.literal('hidden_groups_agree'), z.boolean(), z.number().int(), z.number().int()]),
      /** [kind, met, participating, present, percent, required]. */
      z.tuple([z.literal('participation'), z.boolean(), z.number().int(), z.number().int(), z.number().int(), z.number().int()]),
    ]),
  ),
});
export type LiveConsensusFigures = z.infer<typeof LiveConsensusFigures>;

/**
 * What changes with every position, and nothing else: the live figures of each open check (and
 * who holds what, for a named check). Pushed on every position (coalesced); the `consensus` view
 * (proposal, its versions, rule, rounds with their figures, statements) only when one of those
 * changes. The full view pushed to 5,000 phones four times a second was 1.9 KB, mostly things
 * that had not changed. Clients show whichever figures are newer (domain withLiveConsensus).
 */
export const ConsensusLiveView = z.object({
  checks: z.array(z.object({ id: ConsensusCheckId, figures: LiveConsensusFigures, positions: ConsensusCheck.shape.positions })),
});
export type ConsensusLiveView = z.infer<typeof ConsensusLiveView>;

// ---- socket payloads ----

export const OpenCheckBody = z.object({
  meetingId: MeetingId,
  itemId: AgendaItemId,
  proposal: Paragraphs(CONSENSUS_LIMITS.proposalChars),
  residents: z.boolean().default(false),
  named: z.boolean().default(false),
});
export type OpenCheckBody = z.input<typeof OpenCheckBody>;

export const SetPositionBody = z.object({
  checkId: ConsensusCheckId,
  /** 1-5; anything else is refused with invalid_level. */
  level: z.number().int(),
  /** Required with a block (5); an optional reservation with 2-4; refused otherwise. */
  reason: Paragraphs(CONSENSUS_LIMITS.statementChars).optional(),
  /** The same key on a retry makes the retry harmless (DESIGN.md 5). */
  idempotencyKey: z.string().uuid(),
});
export type SetPositionBody = z.input<typeof SetPositionBody>;

const CheckRef = z.object({ checkId: ConsensusCheckId });

export const consensusEvents = {
  'consensus:open': OpenCheckBody,
  /** Acknowledged once committed. */
  'consensus:position': SetPositionBody,
  /** My current position (after a reload). */
  'consensus:mine': CheckRef,
  /** Freeze the current round's distribution, with its time. */
  'consensus:record': CheckRef,
  /** A new version of the proposal. */
  'consensus:amend': z.object({ checkId: ConsensusCheckId, proposal: Paragraphs(CONSENSUS_LIMITS.proposalChars) }),
  /** The next round (the current one is recorded first if it is not yet); positions carry over or are reset. */
  'consensus:next': z.object({ checkId: ConsensusCheckId, carryOver: z.boolean() }),
  /** Records the outcome; an anonymous check's link between people and positions is destroyed. */
  'consensus:close': CheckRef,
  /** A closed check that did not reach consensus becomes a members-only, binding motion poll (a draft). */
  'consensus:to_poll': CheckRef,
} as const;

export const consensusResults = {
  'consensus:open': z.object({ checkId: ConsensusCheckId }),
  'consensus:position': z.object({ status: z.enum(['recorded', 'unchanged', 'changed']) }),
  'consensus:mine': z.object({ level: z.number().int().nullable(), round: z.number().int() }),
  'consensus:record': z.object({ round: z.number().int() }),
  'consensus:amend': z.object({ version: z.number().int() }),
  'consensus:next': z.object({ round: z.number().int() }),
  'consensus:close': z.object({ reached: z.boolean() }),
  'consensus:to_poll': z.object({ poll: Poll }),
} as const satisfies Record<keyof typeof consensusEvents, z.ZodTypeAny>;

export const consensusViews = {
  consensus: ConsensusView,
  consensus_live: ConsensusLiveView,
} as const;
