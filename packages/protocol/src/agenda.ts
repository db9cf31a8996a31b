/**
 * The agenda feature on the wire (issue 10), apart from the documents themselves (agenda-doc.ts):
 * running the room by the agenda (the current item, next / previous / jump, deferring), members'
 * proposals, and the `agenda` live view that everyone in a meeting follows without Yjs.
 *
 * The current item, the items' stages and their discussion times are server state (rows, with a
 * version; every move logged in meeting_log), never document content.
 */
import { z } from 'zod';
import { AGENDA_LIMITS, AGENDA_STAGES, OUTCOME_KINDS, PROPOSAL_STATES } from './constants.ts';
import { AGENDA_ITEM_KINDS } from './agenda-doc.ts';
import { YJS_LIMITS } from './limits.ts';
import { MeetingId, MemberId } from './ids.ts';
import { Electorate, PollId, PollState } from './poll-definition.ts';
import { Line } from './text.ts';

/**
 * An agenda item's id, as the agenda document's item map holds it under `id` (the client that
 * adds an item makes it, e.g. a UUID): printable ASCII without spaces, at most 64 characters.
 */
export const AgendaItemId = z
  .string()
  .min(1)
  .max(YJS_LIMITS.itemIdChars)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');
export type AgendaItemId = z.infer<typeof AgendaItemId>;

/** An item's kind (通报 / 讨论 / 表决): the agenda document's `kind` (AGENDA_ITEM_KINDS, agenda-doc.ts). */
export const AgendaItemKind = z.enum(AGENDA_ITEM_KINDS);
export type AgendaItemKind = z.infer<typeof AgendaItemKind>;

export const AgendaStage = z.enum(AGENDA_STAGES);
export type AgendaStage = z.infer<typeof AgendaStage>;

const id = <B extends string>(_brand: B) => z.string().uuid().brand<B>();
export const ProposalId = id('ProposalId');
export type ProposalId = z.infer<typeof ProposalId>;

export const ProposalState = z.enum(PROPOSAL_STATES);
export type ProposalState = z.infer<typeof ProposalState>;

/** A version of the run state: every move bumps it; 0 before the first. */
const RunVersion = z.number().int().min(0);

/** Several lines a person typed (an item's details): trimmed, line breaks and tabs allowed, no other control characters. */
const Paragraphs = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .refine((s) => !/[\p{Cc}]/u.test(s.replace(/[\n\t]/g, '')), 'control characters are not allowed');

/** Planned minutes of an item. */
export const AgendaMinutes = z.number().int().min(0).max(YJS_LIMITS.maxMinutes);

// ---- the agenda view ----

/** A poll attached to an item (details, tallies and ballots: the polls and tallies views). */
export const AgendaItemPoll = z.object({ pollId: PollId, title: z.string(), state: PollState });
export type AgendaItemPoll = z.infer<typeof AgendaItemPoll>;

/** The outcome of a closed poll attached to an item, as the public record says it. */
export const AgendaItemDecision = z.object({
  pollId: PollId,
  title: z.string(),
  outcomes: z.array(z.object({ electorate: Electorate, kind: z.enum(OUTCOME_KINDS), labels: z.array(z.string()) })),
});
export type AgendaItemDecision = z.infer<typeof AgendaItemDecision>;

/**
 * One item as everyone sees it: the document's fields (plain text), then the server's state.
 * Times are milliseconds since the epoch by the server's clock (see AgendaView.serverNow).
 */
export const AgendaItemView = z.object({
  id: AgendaItemId,
  title: z.string(),
  details: z.string(),
  kind: AgendaItemKind,
  minutes: AgendaMinutes,
  presenter: z.string(),
  links: z.array(z.string()),
  stage: AgendaStage,
  /** When its discussion first started; null until it is first made current. */
  startedAt: z.number().nullable(),
  /** When its discussion last ended; null while it is current, or before it started. */
  endedAt: z.number().nullable(),
  /** Discussion time spent before the current stretch (an item gone back to keeps its time). */
  spentMs: z.number().int().min(0),
  /** When the current stretch began: set only while it is the current item. */
  resumedAt: z.number().nullable(),
  /** Polls attached to it, in creation order. */
  polls: z.array(AgendaItemPoll),
  /** Outcomes of its closed polls, in closing order. */
  decisions: z.array(AgendaItemDecision),
});
export type AgendaItemView = z.infer<typeof AgendaItemView>;

export const AgendaView = z.object({
  /**
   * The server's clock when this snapshot was computed (ms since the epoch). A snapshot may be
   * served up to about a second after that (live-views.ts#recent), so a client estimating its
   * offset from it should keep the largest `serverNow - receivedAt` it has seen (a late delivery only makes it smaller) (packages/domain
   * agenda/timer.ts#clockOffset).
   */
  serverNow: z.number(),
  /** The run state's version: send it back as expectedVersion with the next move. */
  runVersion: RunVersion,
  currentItemId: AgendaItemId.nullable(),
  /** In the agenda document's order. */
  items: z.array(AgendaItemView),
});
export type AgendaView = z.infer<typeof AgendaView>;

// ---- proposals ----

export const Proposal = z.object({
  id: ProposalId,
  meetingId: MeetingId,
  proposer: z.object({ memberId: MemberId, name: z.string() }),
  title: z.string(),
  details: z.string(),
  kind: AgendaItemKind,
  minutes: AgendaMinutes,
  state: ProposalState,
  /** Why it was declined (the proposer sees it); null otherwise. */
  reason: z.string().nullable(),
  /** The agenda item it became, once accepted. */
  itemId: AgendaItemId.nullable(),
  createdAt: z.string(),
  decidedAt: z.string().nullable(),
});
export type Proposal = z.infer<typeof Proposal>;

export const ProposeItemBody = z.object({
  meetingId: MeetingId,
  title: Line(1, AGENDA_LIMITS.proposalTitleChars),
  details: Paragraphs(AGENDA_LIMITS.proposalDetailsChars).default(''),
  kind: AgendaItemKind,
  minutes: AgendaMinutes,
});
export type ProposeItemBody = z.input<typeof ProposeItemBody>;

// ---- the feature's events, results and views ----

/** What a move returns: the run state's new version and current item (the view follows by push). */
const RunResult = z.object({ version: RunVersion, currentItemId: AgendaItemId.nullable() });

export const agendaEvents = {
  /** Make an item current (a jump), or none (null). The current one's discussion ends. */
  'agenda:goto': z.object({ meetingId: MeetingId, itemId: AgendaItemId.nullable(), expectedVersion: RunVersion }),
  /** The item after the current one in the agenda's order (with none current: the first not yet decided or deferred). */
  'agenda:next': z.object({ meetingId: MeetingId, expectedVersion: RunVersion }),
  /** The item before the current one. */
  'agenda:previous': z.object({ meetingId: MeetingId, expectedVersion: RunVersion }),
  /** Put an item off; if it is current, its discussion ends and no item is current. */
  'agenda:defer': z.object({ meetingId: MeetingId, itemId: AgendaItemId, expectedVersion: RunVersion }),
  /** A member proposes an item, before the meeting starts. */
  'agenda:propose': ProposeItemBody,
  /** The proposals the caller may see: all of them for an editor, one's own for anyone else. */
  'agenda:proposals': z.object({ meetingId: MeetingId }),
  /** An editor accepts a proposal: the server adds it to the end of the agenda document. */
  'agenda:accept': z.object({ proposalId: ProposalId }),
  /** An editor declines a proposal, with a reason its proposer sees. */
  'agenda:decline': z.object({ proposalId: ProposalId, reason: Line(1, AGENDA_LIMITS.declineReasonChars) }),
} as const;

export const agendaResults = {
  'agenda:goto': RunResult,
  'agenda:next': RunResult,
  'agenda:previous': RunResult,
  'agenda:defer': RunResult,
  'agenda:propose': z.object({ proposal: Proposal }),
  'agenda:proposals': z.object({ proposals: z.array(Proposal) }),
  'agenda:accept': z.object({ proposal: Proposal }),
  'agenda:decline': z.object({ proposal: Proposal }),
} as const satisfies Record<keyof typeof agendaEvents, z.ZodTypeAny>;

/**
 * Server to client: a meeting's proposals changed (one was made, accepted or declined). Carries
 * no proposal, so it goes to the meeting's room and to the proposer's own sockets; who may see
 * proposals asks again with agenda:proposals.
 */
export const agendaServerEvents = {
  'agenda:proposals-changed': z.object({ meetingId: MeetingId }),
} as const;

export const agendaViews = {
  agenda: AgendaView,
} as const;
