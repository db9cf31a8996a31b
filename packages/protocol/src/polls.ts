/**
 * The polls feature on the wire: polls as stored, their socket events and results, and the two
 * live views (`polls` and `tallies`). What a poll is lives in poll-definition.ts and poll-tally.ts.
 */
import { z } from 'zod';
import { AgendaItemId } from './agenda.ts';
import { LIMITS, POLL_LIMITS, RESIDENT_ACCESS_METHODS, TEXT_LIMITS } from './constants.ts';
import { MeetingId, MemberId } from './ids.ts';
import {
  BallotChoice,
  Electorate,
  Eligibility,
  OptionKey,
  PollDefinition,
  PollId,
  PollKind,
  PollRule,
  PollState,
  ResultsVisibility,
  Secrecy,
  refinePollDefinition,
} from './poll-definition.ts';
import { ElectorateTally, TallyResults, TallySnapshot } from './poll-tally.ts';
import { Code, Line } from './text.ts';

/** How residents prove they may vote in an `everyone` poll (RESIDENT_ACCESS_METHODS). */
export const ResidentAccess = z.enum(RESIDENT_ACCESS_METHODS);
export type ResidentAccess = z.infer<typeof ResidentAccess>;

/** A poll as stored: its fixed definition plus where it stands. */
export const Poll = z.object({
  meetingId: MeetingId,
  definition: PollDefinition,
  state: PollState,
  residentAccess: ResidentAccess,
  /** When the server closes it by itself; null for closing by hand. */
  closesAt: z.string().nullable(),
  /** The agenda item this poll is attached to, if any (its stage follows the poll: agenda.ts). */
  agendaItemId: z.string().nullable(),
  createdAt: z.string(),
});
export type Poll = z.infer<typeof Poll>;

/** The same fields as a definition, minus the ids the server assigns; options by label. */
export const CreatePollBody = z
  .object({
    meetingId: MeetingId,
    title: Line(1, POLL_LIMITS.titleChars),
    kind: PollKind,
    options: z.array(Line(1, POLL_LIMITS.labelChars)).max(POLL_LIMITS.maxOptions).default([]),
    maxChoices: z.number().int().min(1).max(POLL_LIMITS.maxOptions).optional(),
    eligibility: Eligibility,
    secrecy: Secrecy,
    results: ResultsVisibility,
    rule: PollRule,
    residentAccess: ResidentAccess.default('voting_code'),
    closesAt: z.string().datetime({ offset: true }).nullable().default(null),
    /** The agenda item it is attached to (it must exist: unknown_item), or none. */
    agendaItemId: AgendaItemId.nullable().default(null),
  })
  .superRefine((b, ctx) => {
    if (b.kind === 'motion' && b.options.length > 0)
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'a motion has the fixed options yes/no/abstain' });
    if (b.kind !== 'motion' && b.options.length < 2) ctx.addIssue({ code: 'custom', path: ['options'], message: 'at least two options' });
    if (b.kind === 'multiple' && b.maxChoices === undefined)
      ctx.addIssue({ code: 'custom', path: ['maxChoices'], message: 'multiple choice needs maxChoices' });
    refinePollDefinition(
      {
        kind: b.kind,
        options: b.options.map((l, i) => ({ id: String(i) + l })),
        ...(b.maxChoices !== undefined ? { maxChoices: b.maxChoices } : {}),
        rule: b.rule,
      },
      ctx,
    );
  });
export type CreatePollBody = z.input<typeof CreatePollBody>;

/** Who has voted, by name: always for roll-call, for secret polls only once it reveals nothing. */
export const VoterList = z.object({
  electorate: Electorate,
  names: z.array(z.string()),
});

/** A roll-call ballot in the record: the name next to the choice, by design. */
export const NamedBallot = z.object({
  name: z.string(),
  electorate: Electorate,
  /** Null for a member counted by hand in the room: their choice is in the room's counts only. */
  choice: BallotChoice.nullable(),
  /** Counted by hand in the room rather than voting online. */
  inRoom: z.boolean(),
});
export type NamedBallot = z.infer<typeof NamedBallot>;

export const PollView = z.object({
  poll: Poll,
  /** Results are null inside while hidden until close; turnout always shows. */
  tally: TallySnapshot,
  /** Null while revealing who voted would tell how a small group voted. */
  voters: z.array(VoterList).nullable(),
  /** Roll-call polls: who chose what, live. Empty for secret polls. */
  named: z.array(NamedBallot),
  /** Labelled results: open_unverified resident ballots are one per browser, not per person. */
  unverified: z.boolean(),
  /** Set once the poll's outcome is recorded as a decision of the meeting (on close). */
  decision: z
    .object({
      recordedAt: z.string(),
      /**
       * The attendance the outcome was decided on, from the meeting's attendance record at close:
       * members present, the council's members, and the council's quorum. Null for decisions
       * recorded before attendance was stored.
       */
      attendance: z.object({ present: z.number().int().min(0), members: z.number().int().min(0), required: z.number().int().min(0) }).nullable(),
    })
    .nullable(),
});
export type PollView = z.infer<typeof PollView>;

export const PollsView = z.object({ polls: z.array(PollView) });
export type PollsView = z.infer<typeof PollsView>;

/**
 * One electorate of a live tally, compact: what a push to thousands of phones carries while a
 * poll is open. Motions, single and multiple choice send their counts as plain arrays in ballot
 * order (packages/domain compact-tally.ts turns them back into a TallySnapshot); ranked and
 * score polls send their results as they are. Turnout is online + inRoom; an open poll has no
 * outcome.
 */
export const LiveElectorate = ElectorateTally.omit({ turnout: true, results: true, outcome: true, electorateKnown: true }).extend({
  /** Sent only when false (an unverified residents' electorate): the push to every phone stays small. */
  electorateKnown: z.literal(false).optional(),
  /** Per option, in ballot order; null while results are hidden, or for ranked and score polls. */
  counts: z.object({ online: z.array(z.number().int().min(0)), inRoom: z.array(z.number().int().min(0)) }).nullable(),
  /** Ranked and score results; null while hidden, or for polls counted in `counts`. */
  results: TallyResults.nullable(),
});
export type LiveElectorate = z.infer<typeof LiveElectorate>;

export const LiveTally = z.object({
  pollId: PollId,
  kind: PollKind,
  /** The tally's version: a client shows whichever of this and the polls view's tally is newer. */
  version: z.number().int().min(0),
  electorates: z.array(LiveElectorate),
});
export type LiveTally = z.infer<typeof LiveTally>;

/**
 * The tallies of a meeting's open polls, and nothing else. Pushed on every ballot (coalesced);
 * the polls view, ten times larger, only when polls themselves change (created, opened, closed,
 * hand counts, a member's ballot that changes who has voted).
 */
export const TalliesView = z.object({ tallies: z.array(LiveTally) });
export type TalliesView = z.infer<typeof TalliesView>;

// ---- socket payloads ----

export const CastBallot = z.object({
  pollId: PollId,
  choice: BallotChoice,
  /** The same key on a retry makes the retry harmless (DESIGN.md 5). */
  idempotencyKey: z.string().uuid(),
  /** A resident's one-time voting code, when the poll asks for one. */
  votingCode: Code(TEXT_LIMITS.votingCodeMinChars, TEXT_LIMITS.votingCodeMaxChars).optional(),
  /** To change a secret ballot: the receipt issued when it was cast. */
  receipt: z.string().min(16).max(100).optional(),
});
export type CastBallot = z.infer<typeof CastBallot>;

export const CastResult = z.object({
  /** recorded: stored now. unchanged: this exact submission was stored before (a retry). changed: a ballot was replaced. */
  status: z.enum(['recorded', 'unchanged', 'changed']),
  /** Secret polls: keep it private to change your ballot before close. Shown once. */
  receipt: z.string().nullable(),
});
export type CastResult = z.infer<typeof CastResult>;

/**
 * Server to the casting socket: this secret ballot is valid and waits in memory until it can be
 * sealed (written) together with ballots of at least `sealAt` - 1 other voters, or at close.
 * Not counted yet; the ack of `ballot:cast` follows once it is.
 */
export const BallotHeld = z.object({ pollId: PollId, sealAt: z.number().int().min(1) });
export type BallotHeld = z.infer<typeof BallotHeld>;

export const InRoomCountsBody = z.object({
  pollId: PollId,
  electorate: Electorate,
  ballots: z.number().int().min(0).max(POLL_LIMITS.maxInRoomCount),
  counts: z.array(z.object({ option: OptionKey, count: z.number().int().min(0).max(POLL_LIMITS.maxInRoomCount) })).max(POLL_LIMITS.maxOptions),
  /** Members: who was counted by hand, one per person counted. Residents are never named. */
  voters: z.array(MemberId).max(POLL_LIMITS.maxInRoomVoters).default([]),
});
export type InRoomCountsBody = z.infer<typeof InRoomCountsBody>;

export const IssueCodesBody = z.object({
  meetingId: MeetingId,
  count: z.number().int().min(1).max(LIMITS.codesPerIssue),
  /**
   * Optional household labels printed on the slips (e.g. 3-201), one per code. At most
   * LIMITS.codeLabelsPerMessage, so that the largest message fits in one socket message (a larger
   * one would close the facilitator's socket unanswered); the web app sends longer lists in parts.
   */
  labels: z.array(Line(1, TEXT_LIMITS.codeLabelChars)).max(LIMITS.codeLabelsPerMessage).optional(),
});
export type IssueCodesBody = z.infer<typeof IssueCodesBody>;

export const VotingCodeSlip = z.object({ code: z.string(), label: z.string().nullable() });
export type VotingCodeSlip = z.infer<typeof VotingCodeSlip>;

export const MyBallotQuery = z.object({
  pollId: PollId,
  votingCode: Code(TEXT_LIMITS.votingCodeMinChars, TEXT_LIMITS.votingCodeMaxChars).optional(),
});

// ---- the feature's events, results and views ----

/** Client to server; every ack carries a Result of pollResults[event]. */
export const pollEvents = {
  'poll:create': CreatePollBody,
  'poll:open': z.object({ pollId: PollId }),
  'poll:close': z.object({ pollId: PollId }),
  'ballot:cast': CastBallot,
  /** Whether I (or this voting code) have voted in a poll: after a reload, the page asks. */
  'ballot:mine': MyBallotQuery,
  'inroom:set': InRoomCountsBody,
  'codes:issue': IssueCodesBody,
} as const;

export const pollResults = {
  'poll:create': z.object({ poll: Poll }),
  'poll:open': z.object({ poll: Poll }),
  'poll:close': z.object({ poll: Poll }),
  'ballot:cast': CastResult,
  /** inRoom: counted by hand in the room (members), so no online ballot. */
  'ballot:mine': z.object({ voted: z.boolean(), inRoom: z.boolean() }),
  'inroom:set': z.null(),
  'codes:issue': z.object({ slips: z.array(VotingCodeSlip) }),
} as const satisfies Record<keyof typeof pollEvents, z.ZodTypeAny>;

/** Server to client, besides the live views. */
export const pollServerEvents = {
  'ballot:held': BallotHeld,
  /**
   * To a member's other sockets (their other tabs and devices) after they voted as a member in a
   * poll: that they voted, never what. Those pages stop offering the ballot.
   */
  'ballot:voted': z.object({ pollId: PollId }),
} as const;

export const pollViews = {
  polls: PollsView,
  tallies: TalliesView,
} as const;
