/**
 * The protocol's enums and limits as plain values: `@yishi/protocol/constants`.
 *
 * This file imports nothing, zod least of all, so the web app (whose bundle must stay free of the
 * schema library, test/e2e/bundle.test.ts) and packages/domain take their lists from here instead
 * of copying them. The zod schemas are built from the same arrays (`z.enum(ROLES)`), so each list
 * has one source.
 */

/** Bump whenever the wire changes (protocol-version.test.ts enforces it); the socket handshake checks it. */
export const PROTOCOL_VERSION = 14;

// ---- errors ----

/** Every failure a client can see. The web app translates each code; the message is for logs. */
export const ERROR_CODES = [
  'invalid_input',
  'unauthenticated',
  'forbidden',
  'not_found',
  'conflict',
  'invalid_transition',
  'rate_limited',
  'payload_too_large',
  'bad_origin',
  'too_many_connections', // live connections per session or per address are capped
  'protocol_mismatch', // the client was built for another PROTOCOL_VERSION: it must reload
  'setup_done',
  'bad_credentials',
  'internal',
  // Votes and polls
  'poll_not_open', // not opened yet, or closed already
  'not_eligible', // not in this poll's electorate (e.g. a resident in a members-only poll)
  'already_voted', // one person, one vote: a second ballot is refused
  'credential_required', // this poll needs a voting code from the facilitator
  'bad_credential', // unknown or revoked voting code
  'change_not_allowed', // secret ballots change only with the receipt issued at casting
  'wrong_shape',
  'unknown_option',
  'duplicate_option',
  'too_many_choices',
  'score_out_of_range',
  'missing_score',
  'not_supported', // in-room counts for ranked or score polls
  'wrong_electorate',
  'inconsistent_ballots',
  'exceeds_electorate',
  // A member counts once: by hand in the room or online, never both (issue 7)
  'voters_mismatch', // the members named in the room are not as many as the people counted
  'duplicate_voter',
  'not_a_member', // a name in the room that is not a member of this council
  'voted_online', // a member named in the room has already voted online
  'counted_in_room', // a member counted by hand in the room votes online
  // Council settings
  'group_not_empty', // a group with members cannot be deleted: move them first
  'meeting_closed', // the meeting is closed: its record no longer changes
  // The floor (issue 11: speaker queue)
  'floor_closed', // the facilitator closed the list of speakers for this item
  'already_in_queue', // one raised hand per person per item
  'not_current_item', // the floor is on another agenda item now (the page is out of date)
  // Agenda (issue 10)
  'meeting_not_live', // the agenda is run (current item, next, defer) only while the meeting is live
  'unknown_item', // no agenda item with that id in this meeting's agenda
  'stage_not_allowed', // the item's stage does not allow that (e.g. deferring an item being voted on)
  'proposals_closed', // members propose items only before the meeting starts
  'proposal_decided', // the proposal was accepted or declined already
  // Opinions (issue 11)
  'thread_not_open', // the meeting is not published yet (draft): its threads open when it is scheduled
  'muted', // a moderator muted this resident session for the rest of the meeting
  'edit_window_closed', // an opinion can be edited only within 10 minutes of posting
  'opinion_gone', // the opinion was withdrawn or hidden: it cannot be edited, seconded or replied to
  'own_opinion', // one's own opinion cannot be seconded or reported
  'already_seconded',
  'not_seconded',
  'already_reported',
  'already_hidden',
  'not_hidden',
  'anonymous_not_allowed', // the facilitator has not allowed residents to post anonymously
  'not_a_resident', // only a resident session can be muted or verified as a household
  // Consensus checks (issue 12)
  'check_closed', // a position, round or amendment for a closed consensus check
  'invalid_level', // a position outside the gradient 1-5
  'resident_block', // residents take part as advisory: they cannot block (level 5)
  'reason_required', // a block (level 5) must come with a reason
  'check_not_closed', // a motion poll is made from a closed check that did not reach consensus
  'consensus_reached', // a check that reached consensus is not turned into a motion poll
] as const;
type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * The codes a refused Socket.IO handshake carries as its error message (server/src/realtime/
 * socket-server.ts). A browser can read these; a refusal before the upgrade (rate_limited) it cannot.
 */
export const HANDSHAKE_ERROR_CODES = [
  'bad_origin',
  'protocol_mismatch',
  'too_many_connections',
  'unauthenticated',
  'internal',
] as const satisfies readonly ErrorCode[];
export type HandshakeErrorCode = (typeof HANDSHAKE_ERROR_CODES)[number];

/** What a client sends as Socket.IO's handshake `auth` (the web app: its build's PROTOCOL_VERSION). */
export interface HandshakeAuth {
  protocolVersion: number;
}

export const handshakeAuth = (): HandshakeAuth => ({ protocolVersion: PROTOCOL_VERSION });

/**
 * Whether a handshake's `auth` comes from a client built for this protocol. A missing version is
 * a mismatch: every client of this protocol sends one, so one without it was built before the check.
 */
export function protocolMatches(auth: unknown): boolean {
  return typeof auth === 'object' && auth !== null && (auth as Partial<HandshakeAuth>).protocolVersion === PROTOCOL_VERSION;
}

// ---- limits ----

/** Size limits enforced by the server; small on purpose (see DESIGN.md decision 7). */
export const LIMITS = {
  /** Largest Socket.IO message in bytes. */
  socketMessageBytes: 16 * 1024,
  /** Largest HTTP JSON body in bytes. */
  httpBodyBytes: 32 * 1024,
  /** Voting-code labels per codes:issue message: 100 x 40 three-byte characters is ~12 KB. */
  codeLabelsPerMessage: 100,
  /** Voting codes issued by one codes:issue message. */
  codesPerIssue: 2000,
} as const;

/** What people type, in characters after trimming: the schemas refuse more, the forms stop there. */
export const TEXT_LIMITS = {
  /** Council, group, member and admin names. */
  nameChars: 80,
  meetingTitleChars: 200,
  placeChars: 200,
  /** The name a resident joins a meeting under. */
  displayNameChars: 40,
  loginMinChars: 3,
  loginMaxChars: 40,
  /** Signing in accepts any non-empty password up to the maximum; setting one needs the minimum. */
  passwordMinChars: 8,
  passwordMaxChars: 200,
  joinCodeMinChars: 4,
  joinCodeMaxChars: 12,
  votingCodeMinChars: 4,
  votingCodeMaxChars: 32,
  /** A household label printed on a voting-code slip (e.g. 3-201). */
  codeLabelChars: 40,
} as const;

/** A council's quorum as a number of members present. */
export const QUORUM_LIMITS = { maxCount: 10_000 } as const;

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
  /** Largest fixed minimum in a poll's quorum (ballots cast or members present). */
  maxQuorumCount: 100_000,
} as const;

/** Join codes avoid look-alike characters (0/O, 1/I/L) so they can be read aloud in a noisy room. */
export const JOIN_CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const JOIN_CODE_LENGTH = 6;

// ---- councils ----

/** Built-in stakeholder groups from the source essay; the UI translates them by key. */
export const BUILTIN_GROUPS = [
  'residents_committee', // 居委会
  'owners_committee', // 业委会
  'property_management', // 物业
  'social_organisations', // 社会组织
  'local_units', // 驻地单位
  'residents', // 居民
] as const;

export const ROLES = ['admin', 'facilitator', 'secretary', 'member'] as const;

// ---- meetings ----

export const MEETING_STATES = ['draft', 'scheduled', 'live', 'adjourned', 'closed'] as const;
export const MEETING_MODES = ['in_person', 'online', 'hybrid'] as const;

// ---- polls ----

export const POLL_KINDS = ['motion', 'single', 'multiple', 'ranked', 'score'] as const;
export const POLL_STATES = ['draft', 'open', 'closed'] as const;
/** A motion's options are fixed (赞成/反对/弃权), so they are keys, not generated ids. */
export const MOTION_CHOICES = ['yes', 'no', 'abstain'] as const;
/** members: binding, council members only. everyone: advisory, residents too, tallied apart. */
export const ELIGIBILITIES = ['members', 'everyone'] as const;
/** The groups tallied separately; an `everyone` poll has both, a `members` poll only members. */
export const ELECTORATES = ['members', 'residents'] as const;
/** roll_call: the record names who chose what. secret: a detached ballot box (DESIGN.md 6). */
export const SECRECIES = ['secret', 'roll_call'] as const;
export const RESULTS_VISIBILITIES = ['live', 'hidden_until_close'] as const;
/**
 * How residents prove they may vote in an `everyone` poll.
 * voting_code: a one-time code from the facilitator (a printed QR slip or a code at the door),
 * good for one ballot per poll. open_unverified: one ballot per browser, and the result says so.
 */
export const RESIDENT_ACCESS_METHODS = ['voting_code', 'open_unverified'] as const;
/** A threshold's base: the ballots cast, or the whole electorate (absent voters then count against). */
export const THRESHOLD_BASES = ['ballots_cast', 'electorate'] as const;
/** Motions only: whether abstentions stay in the threshold's base or are taken out of it. */
export const ABSTENTION_RULES = ['in_base', 'excluded'] as const;
export const OUTCOME_KINDS = ['passed', 'failed', 'no_quorum', 'winner', 'tie'] as const;
/**
 * Secret ballots only, see packages/domain anonymity.ts. small_electorate: fewer than 3 could
 * vote; few_ballots: fewer than 3 ballots are in; unanimous: every ballot is the same.
 */
export const ANONYMITY_WARNINGS = ['small_electorate', 'few_ballots', 'unanimous'] as const;

/** Why a ballot was refused; each is also an ErrorCode, which the web app translates. */
export const BALLOT_ERROR_CODES = [
  'wrong_shape', // not the poll's kind, or empty where a choice is needed
  'unknown_option', // an option of another poll, or none at all
  'duplicate_option',
  'too_many_choices',
  'score_out_of_range',
  'missing_score', // a score ballot must rate every option
] as const satisfies readonly ErrorCode[];

/** Why in-room counts were refused; each is also an ErrorCode. */
export const IN_ROOM_ERROR_CODES = [
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
] as const satisfies readonly ErrorCode[];

// ---- the floor (issue 11: speaker queue and timers) ----

/**
 * What a raised hand asks for. point_of_order (程序问题) goes to the top of the queue; reply is a
 * reply to the current speaker; question a question; speak an ordinary turn.
 */
export const FLOOR_KINDS = ['speak', 'reply', 'point_of_order', 'question'] as const;
/** Speaking time per kind in seconds, set per meeting; these are a new meeting's. */
export const DEFAULT_FLOOR_LIMITS = { speak: 180, reply: 60, point_of_order: 60, question: 60 } as const;
export const FLOOR_LIMITS = {
  minSeconds: 10,
  maxSeconds: 3600,
  /** Waiting hands per item: far above any real room, a bound for the view's size. */
  maxQueue: 200,
  /** A guest's name, as the facilitator types it. */
  guestNameChars: 40,
  /** The speaker's cue: this many seconds left. */
  warnSeconds: 30,
} as const;
/**
 * What the room display shows, as the facilitator chooses it: `auto` lets the display decide
 * (agenda strip, polls, the consensus map, the floor); the others hold it on one thing, with a
 * calm empty state when that thing is absent rather than switching by itself.
 */
export const DISPLAY_MODES = ['auto', 'agenda', 'poll', 'opinion', 'join'] as const;

// ---- consensus (issue 12) ----

/**
 * The five-step gradient of agreement, as levels 1-5: 1 完全赞同 wholehearted support, 2 赞同但有保留
 * support with reservations, 3 不反对 can live with it (stand aside), 4 不赞同 disagree, 5 反对 block
 * (members only, with a reason). Levels 1-3 count as agreement for the council's rule.
 */
export const CONSENSUS_LEVELS = [1, 2, 3, 4, 5] as const;
export const CONSENSUS_BLOCK = 5;
/** The highest level that counts as agreement (1-3). */
export const CONSENSUS_AGREE_MAX = 3;
export const CONSENSUS_CHECK_STATES = ['open', 'closed'] as const;
/**
 * The council's rule, by default: no block; >= 75% of participating members at 1-3; in every
 * stakeholder group with participants >= 50% at 1-3; >= 50% of the members present take part.
 * Groups with fewer than `suppressBelow` participants show only how many took part (never below 3).
 */
export const CONSENSUS_RULE_DEFAULTS = { agreePercent: 75, groupPercent: 50, participationPercent: 50, suppressBelow: 3 } as const;
export const CONSENSUS_LIMITS = {
  proposalChars: 2000,
  /** A block's reason, a reservation. */
  statementChars: 500,
  minSuppressBelow: 3,
  maxSuppressBelow: 50,
  /** Rounds of one check. */
  maxRounds: 50,
} as const;

// ---- agenda documents (Yjs, issue 10) ----

export * from './limits.ts';
export * from './agenda-doc.ts';
export * from './agenda-order.ts';

// ---- agenda (issue 10) ----

// AGENDA_ITEM_KINDS (an item's kind, 通报 / 讨论 / 表决) is the agenda document's `kind`: agenda-doc.ts, re-exported above.
/**
 * Where an item stands in the meeting. pending: not reached yet; discussing: discussion has
 * started (it is current, or was and ended without a vote); voting: a poll attached to it is
 * open; decided: a poll attached to it closed (its outcome shown); deferred: put off by the
 * facilitator. voting and decided follow the attached polls; the others the facilitator's moves.
 */
export const AGENDA_STAGES = ['pending', 'discussing', 'voting', 'decided', 'deferred'] as const;
/** A member's proposed item: waiting for an editor, accepted into the agenda, or declined with a reason. */
export const PROPOSAL_STATES = ['pending', 'accepted', 'declined'] as const;

/** Limits of the agenda's server-side state and of proposals (the document's own limits: limits.ts). */
export const AGENDA_LIMITS = {
  proposalTitleChars: 200,
  proposalDetailsChars: 2_000,
  declineReasonChars: 500,
  /** Pending proposals one member may have in one meeting. */
  pendingProposalsPerMember: 20,
} as const;

// ---- opinions (issue 11) ----

/** The stance a top-level opinion carries (支持 / 反对 / 担忧 / 提问 / 建议); replies carry none. */
export const STANCES = ['support', 'oppose', 'concern', 'question', 'suggestion'] as const;
/** Why a moderator hid an opinion; `other` needs a note. Everyone sees the reason. */
export const HIDE_REASONS = ['off_topic', 'personal_attack', 'private_information', 'duplicate', 'advertising', 'other'] as const;
/** The key of the general thread's digest view (an item's digest is keyed by the item's id). */
export const GENERAL_THREAD_KEY = 'general';
/** Actions in a meeting's moderation log. */
export const MODERATION_ACTIONS = ['hide', 'unhide', 'mute', 'unmute', 'anonymous_allowed', 'anonymous_disallowed'] as const;

export const OPINION_LIMITS = {
  /** Plain text, line breaks kept. */
  textChars: 2_000,
  /** A moderator's note (the text of reason `other`, or a note on a mute). */
  noteChars: 200,
  /** An author may edit within this long of posting (by the database's clock). */
  editWindowMs: 10 * 60_000,
  /** Replies are shown at most this deep; deeper ones sit at this depth with "replying to …". */
  displayDepth: 3,
  /** Entries per page (older pages, catch-up). */
  pageSize: 100,
  /** Opinions per session per minute, shared across instances. */
  postsPerMinute: 5,
  /** Seconds (附议) and reports per session per minute. */
  secondsPerMinute: 30,
  /** Most seconded opinions in an item's digest. */
  digestTop: 5,
  /** Moderation log entries in the moderation view (the newest). */
  logEntries: 500,
} as const;
