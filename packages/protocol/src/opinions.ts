/**
 * The opinions feature on the wire (issue 11): threaded opinions per agenda item and the
 * meeting's general thread, seconding (附议), reports, moderation, the facilitator's digest and
 * the opinion "on the floor".
 *
 * A thread is a log: every change to an opinion (posted, edited, withdrawn, hidden, seconded,
 * reported) takes the next number of its meeting's sequence (`rev`). A client follows one thread
 * (`opinions:follow`), receives the changes after the last number it holds, coalesced
 * (`opinions:entries`), pages back with `before`, and after a reconnect asks for what came after
 * its last number (`opinions:since`): no gap, no duplicate. Whole threads are never resent.
 */
import { z } from 'zod';
import { HIDE_REASONS, MODERATION_ACTIONS, OPINION_LIMITS, STANCES, TEXT_LIMITS } from './constants.ts';
import { GroupId, MeetingId, MemberId, ResidentId } from './ids.ts';
import { Code, Line } from './text.ts';

export const Stance = z.enum(STANCES);
export type Stance = z.infer<typeof Stance>;

export const HideReason = z.enum(HIDE_REASONS);
export type HideReason = z.infer<typeof HideReason>;

export const OpinionId = z.string().uuid().brand<'OpinionId'>();
export type OpinionId = z.infer<typeof OpinionId>;

/**
 * An agenda item's id, or null for the meeting's general thread. Agenda item ids are the agenda
 * document's (`id` of each item, issue 10).
 */
export const ThreadItemId = Code(1, 64).nullable();
export type ThreadItemId = z.infer<typeof ThreadItemId>;

/** C0 and C1 controls except the line feed and tab; carriage returns are folded into line feeds first. */
const CONTROL_BUT_NEWLINE = /(?![\n\t])\p{Cc}/u;
const VISIBLE = /[^\p{Cc}\p{Cf}\p{Z}\p{Default_Ignorable_Code_Point}\s]/u;

/**
 * What a person writes in a thread: plain text, line breaks kept (CR LF and CR become LF),
 * trimmed, at most OPINION_LIMITS.textChars characters, something visible, no other control
 * characters. Never HTML: clients render it as text.
 */
export const OpinionText = z
  .string()
  .transform((s) => s.replace(/\r\n?/g, '\n').trim())
  .pipe(
    z
      .string()
      .min(1)
      .max(OPINION_LIMITS.textChars)
      .refine((s) => !CONTROL_BUT_NEWLINE.test(s), 'control characters are not allowed')
      .refine((s) => VISIBLE.test(s), 'must contain visible characters'),
  );

/** Who wrote an opinion, as a reader is allowed to see it. */
export const OpinionAuthor = z.object({
  kind: z.enum(['member', 'resident']),
  /**
   * The member's name or the resident's display name; null for an anonymous resident's post in
   * the public form (moderators see the name).
   */
  name: z.string().nullable(),
  /** The member's stakeholder group; null for residents (their own group). */
  groupId: GroupId.nullable(),
  /** A resident who entered a household voting code in this meeting. */
  verified: z.boolean(),
  /** Posted anonymously (a resident, when the facilitator allows it). */
  anonymous: z.boolean(),
  /**
   * `m:<memberId>` or `r:<residentId>`, so a client knows its own posts; null for an anonymous
   * post in the public form.
   */
  ref: z.string().nullable(),
});
export type OpinionAuthor = z.infer<typeof OpinionAuthor>;

export const OpinionState = z.enum(['visible', 'withdrawn', 'hidden']);
export type OpinionState = z.infer<typeof OpinionState>;

/** One opinion or reply in its current state: the entry a thread's log carries. */
export const Opinion = z.object({
  id: OpinionId,
  meetingId: MeetingId,
  itemId: ThreadItemId,
  /** Its place in the meeting's sequence when posted (threads are ordered and paged by it). */
  seq: z.number().int(),
  /** The meeting's sequence number of its last change: clients keep the highest. */
  rev: z.number().int(),
  parentId: OpinionId.nullable(),
  /** 0 for a top-level opinion, 1 for a reply to it, and so on. */
  depth: z.number().int().min(0),
  /** Who the parent's author is, for "replying to …" (null when anonymous or top-level). */
  replyingTo: z.string().nullable(),
  /** Top-level opinions only. */
  stance: Stance.nullable(),
  /**
   * The text; null when withdrawn, and when hidden in the public form (the author and the
   * moderators still get it).
   */
  text: z.string().nullable(),
  author: OpinionAuthor,
  createdAt: z.string(),
  /** Set when the author edited it. */
  editedAt: z.string().nullable(),
  state: OpinionState,
  /** Why a moderator hid it (everyone sees this). */
  hidden: z.object({ reason: HideReason, note: z.string().nullable() }).nullable(),
  seconds: z.number().int().min(0),
  /** Reports: in the moderators' form only. */
  reports: z.number().int().min(0).optional(),
});
export type Opinion = z.infer<typeof Opinion>;

/** Counts only, for an opinion whose content the receiver already holds (see opinions:entries). */
export const OpinionCounts = z.object({
  id: OpinionId,
  rev: z.number().int(),
  seconds: z.number().int().min(0),
  reports: z.number().int().min(0).optional(),
});
export type OpinionCounts = z.infer<typeof OpinionCounts>;

/** A thread's identity on the wire. */
const ThreadRef = z.object({ meetingId: MeetingId, itemId: ThreadItemId });

/** A page of a thread's log. */
export const OpinionPage = z.object({
  entries: z.array(Opinion),
  /** True when the server stopped at the page size: ask again from the last entry. */
  more: z.boolean(),
});

/** What a follower learns about itself: whether it may post, and how it appears. */
export const OpinionSelf = z.object({
  /** This resident session was muted by a moderator. */
  muted: z.boolean(),
  /** This resident entered a voting code in this meeting. */
  verified: z.boolean(),
  /** m:<id> or r:<id>: which posts are mine (anonymous ones too: the page results mark them). */
  ref: z.string(),
  /** Ids of my anonymous posts among the entries returned (the public form hides who wrote them). */
  mine: z.array(OpinionId),
});
export type OpinionSelf = z.infer<typeof OpinionSelf>;

/** The opinion shown large on the room display. */
export const FloorOpinion = z.object({
  opinionId: OpinionId,
  itemId: ThreadItemId,
  stance: Stance.nullable(),
  text: z.string(),
  author: OpinionAuthor,
  seconds: z.number().int().min(0),
  since: z.string(),
});
export type FloorOpinion = z.infer<typeof FloorOpinion>;

/** One line of the moderation log: who, when, what, why. */
export const ModerationEntry = z.object({
  id: z.number().int(),
  at: z.string(),
  action: z.enum(MODERATION_ACTIONS),
  actor: z.object({ memberId: MemberId, name: z.string() }),
  opinionId: OpinionId.nullable(),
  /** The resident muted or unmuted, or the hidden opinion's author as moderators see them. */
  subject: z.string().nullable(),
  reason: HideReason.nullable(),
  note: z.string().nullable(),
});
export type ModerationEntry = z.infer<typeof ModerationEntry>;

/** The `opinions` view: the meeting's settings, what is on the floor, each thread's size. */
export const OpinionsView = z.object({
  anonymousAllowed: z.boolean(),
  floor: FloorOpinion.nullable(),
  /** Visible opinions and replies per thread (itemId null: the general thread). */
  threads: z.array(z.object({ itemId: ThreadItemId, count: z.number().int().min(0) })),
});
export type OpinionsView = z.infer<typeof OpinionsView>;

/** The `opinionDigest` view (keyed by item id, or `general`): for the facilitator. */
export const OpinionDigest = z.object({
  itemId: ThreadItemId,
  /** Top-level visible opinions by stance and group; `group` is a group id or `residents`. */
  counts: z.array(z.object({ stance: Stance, group: z.string(), count: z.number().int().min(1) })),
  total: z.number().int().min(0),
  replies: z.number().int().min(0),
  /** The most seconded visible opinions (moderators' form). */
  top: z.array(Opinion),
});
export type OpinionDigest = z.infer<typeof OpinionDigest>;

/** The `moderation` view: the meeting's moderation log and its muted sessions, for council members. */
export const ModerationView = z.object({
  entries: z.array(ModerationEntry),
  muted: z.array(z.object({ residentId: ResidentId, name: z.string(), at: z.string() })),
});
export type ModerationView = z.infer<typeof ModerationView>;

/** The key of the general thread's digest (an item's digest is keyed by its id). */
export const GENERAL_THREAD_KEY = 'general';

// ---- the feature's events, results and views ----

const OnOpinion = z.object({ meetingId: MeetingId, opinionId: OpinionId });

export const opinionEvents = {
  /** A top-level opinion (with a stance) or a reply (parentId, no stance). */
  'opinion:post': ThreadRef.extend({
    parentId: OpinionId.optional(),
    stance: Stance.optional(),
    text: OpinionText,
    anonymous: z.boolean().default(false),
    /** Chosen by the client per post: a resend after a lost ack returns the same opinion. */
    clientKey: z.string().uuid(),
  }),
  'opinion:edit': OnOpinion.extend({ text: OpinionText }),
  'opinion:withdraw': OnOpinion,
  /** Second (附议) an opinion, or take it back. */
  'opinion:second': OnOpinion.extend({ seconded: z.boolean() }),
  'opinion:report': OnOpinion,
  /** Moderators: hide with a reason (`other` needs a note). */
  'opinion:hide': OnOpinion.extend({ reason: HideReason, note: Line(0, OPINION_LIMITS.noteChars).optional() }),
  'opinion:unhide': OnOpinion,
  /** Moderators: mute (or unmute) a resident session for the rest of the meeting. */
  'opinion:mute': z.object({ meetingId: MeetingId, residentId: ResidentId, muted: z.boolean(), note: Line(0, OPINION_LIMITS.noteChars).optional() }),
  /** Facilitator: whether residents may post anonymously. */
  'opinion:settings': z.object({ meetingId: MeetingId, anonymousAllowed: z.boolean() }),
  /** Facilitator: put an opinion on the floor (the room display shows it), or take it off (null). */
  'opinion:floor': z.object({ meetingId: MeetingId, opinionId: OpinionId.nullable() }),
  /** A resident proves a household: a voting code of this meeting marks their posts as verified. */
  'opinion:verify': z.object({
    meetingId: MeetingId,
    votingCode: Code(TEXT_LIMITS.votingCodeMinChars, TEXT_LIMITS.votingCodeMaxChars),
  }),
  /**
   * Follow one thread live (the socket joins it; a meeting:join first). Without `after`: the
   * newest page. With `after`: what changed since that number (a reconnect), up to a page.
   */
  'opinions:follow': ThreadRef.extend({ after: z.number().int().min(0).optional() }),
  'opinions:unfollow': ThreadRef,
  /** What changed after `after` (oldest first), up to a page; `more` says to ask again. */
  'opinions:since': ThreadRef.extend({ after: z.number().int().min(0) }),
  /** The page of opinions posted before `before` (by seq), newest first. */
  'opinions:page': ThreadRef.extend({ before: z.number().int().min(0) }),
} as const;

export const opinionResults = {
  'opinion:post': z.object({ opinion: Opinion }),
  'opinion:edit': z.object({ opinion: Opinion }),
  'opinion:withdraw': z.object({ opinion: Opinion }),
  'opinion:second': z.object({ seconds: z.number().int().min(0) }),
  'opinion:report': z.null(),
  'opinion:hide': z.object({ opinion: Opinion }),
  'opinion:unhide': z.object({ opinion: Opinion }),
  'opinion:mute': z.null(),
  'opinion:settings': z.null(),
  'opinion:floor': z.null(),
  'opinion:verify': z.object({ verified: z.literal(true) }),
  'opinions:follow': OpinionPage.extend({
    /** The thread's last number when read: the cursor to continue from. */
    cursor: z.number().int().min(0),
    self: OpinionSelf,
  }),
  'opinions:unfollow': z.null(),
  'opinions:since': OpinionPage.extend({ cursor: z.number().int().min(0), self: OpinionSelf }),
  'opinions:page': OpinionPage.extend({ self: OpinionSelf }),
} as const satisfies Record<keyof typeof opinionEvents, z.ZodTypeAny>;

export const opinionServerEvents = {
  /**
   * The changes to one thread after `from` up to and including `to`, coalesced (a few times a
   * second at most). `entries` are opinions whose content changed (or that the receiver may not
   * hold); `counts` only new counts for the ones whose content has not changed since `from`.
   * A client holding cursor c applies it when from <= c < to; when from > c it missed something
   * and asks `opinions:since {after: c}`; when to <= c it has it already.
   */
  'opinions:entries': ThreadRef.extend({
    from: z.number().int().min(0),
    to: z.number().int().min(0),
    entries: z.array(Opinion),
    counts: z.array(OpinionCounts),
  }),
} as const;

export const opinionViews = {
  opinions: OpinionsView,
  opinionDigest: OpinionDigest,
  moderation: ModerationView,
} as const;
