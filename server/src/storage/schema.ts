import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgSequence,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { ConsensusRule, Quorum } from '@yishi/protocol';

/** The one SQL schema, for PGlite and PostgreSQL alike. Migrations: `pnpm --filter @yishi/server db:generate`. */

export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

export const councils = pgTable('councils', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull(),
  quorum: jsonb('quorum').$type<Quorum>().notNull(),
  /** When a consensus check has reached consensus; null: the defaults (CONSENSUS_RULE_DEFAULTS). */
  consensusRule: jsonb('consensus_rule').$type<ConsensusRule>(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const groups = pgTable('groups', {
  id: uuid('id').primaryKey(),
  councilId: uuid('council_id')
    .notNull()
    .references(() => councils.id),
  name: text('name').notNull(),
  builtin: text('builtin'),
  position: integer('position').notNull(),
});

export const members = pgTable(
  'members',
  {
    id: uuid('id').primaryKey(),
    councilId: uuid('council_id')
      .notNull()
      .references(() => councils.id),
    groupId: uuid('group_id')
      .notNull()
      .references(() => groups.id),
    name: text('name').notNull(),
    role: text('role').notNull(),
    login: text('login').unique(),
    passwordHash: text('password_hash'),
    /** SHA-256 of the personal sign-in link's token; null when revoked. */
    linkTokenHash: text('link_token_hash').unique(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('members_council_idx').on(t.councilId)],
);

export const meetings = pgTable(
  'meetings',
  {
    id: uuid('id').primaryKey(),
    councilId: uuid('council_id')
      .notNull()
      .references(() => councils.id),
    title: text('title').notNull(),
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    place: text('place').notNull().default(''),
    mode: text('mode').notNull(),
    state: text('state').notNull(),
    joinCode: text('join_code').notNull().unique(),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('meetings_council_idx').on(t.councilId)],
);

export const residents = pgTable('residents', {
  id: uuid('id').primaryKey(),
  meetingId: uuid('meeting_id')
    .notNull()
    .references(() => meetings.id),
  displayName: text('display_name').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const sessions = pgTable('sessions', {
  /** SHA-256 of the cookie value: a database leak does not leak live sessions. */
  tokenHash: text('token_hash').primaryKey(),
  memberId: uuid('member_id').references(() => members.id),
  residentId: uuid('resident_id').references(() => residents.id),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
});

/** Members the facilitator marked present in the room (not everyone has a phone). */
export const attendance = pgTable(
  'attendance',
  {
    meetingId: uuid('meeting_id')
      .notNull()
      .references(() => meetings.id),
    memberId: uuid('member_id')
      .notNull()
      .references(() => members.id),
    inRoom: boolean('in_room').notNull(),
    markedBy: uuid('marked_by').references(() => members.id),
    markedAt: timestamp('marked_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.meetingId, t.memberId] })],
);

/**
 * Attendance as a record (DESIGN.md 11): one row per live connection of a member to a meeting,
 * from arrival to departure. `seenAt` is the holding instance's heartbeat, so the open rows of
 * an instance that died stop counting (packages/domain attendance.ts). Quorum is computed from
 * these rows and the in-room marks, never from the sockets of the moment.
 */
export const memberConnections = pgTable(
  'member_connections',
  {
    id: uuid('id').primaryKey(),
    meetingId: uuid('meeting_id')
      .notNull()
      .references(() => meetings.id),
    memberId: uuid('member_id')
      .notNull()
      .references(() => members.id),
    /** The instance holding the socket: its heartbeat refreshes seenAt. */
    instanceId: text('instance_id').notNull(),
    arrivedAt: timestamp('arrived_at', { withTimezone: true }).notNull().defaultNow(),
    departedAt: timestamp('departed_at', { withTimezone: true }),
    /** Left on purpose (closed the meeting, signed out): no grace, unlike a dropped phone. */
    deliberate: boolean('deliberate').notNull().default(false),
    seenAt: timestamp('seen_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('member_connections_meeting_idx').on(t.meetingId), index('member_connections_instance_idx').on(t.instanceId)],
);

/** What happened to a meeting and who did it: the start of the public record. */
export const meetingLog = pgTable(
  'meeting_log',
  {
    id: serial('id').primaryKey(),
    meetingId: uuid('meeting_id')
      .notNull()
      .references(() => meetings.id),
    actorMemberId: uuid('actor_member_id').references(() => members.id),
    action: text('action').notNull(),
    detail: jsonb('detail')
      .$type<Record<string, unknown>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('meeting_log_meeting_idx').on(t.meetingId)],
);

// ---- Votes and polls ----

export const polls = pgTable(
  'polls',
  {
    id: uuid('id').primaryKey(),
    meetingId: uuid('meeting_id')
      .notNull()
      .references(() => meetings.id),
    /** The PollDefinition, fixed once the poll opens. */
    definition: jsonb('definition').notNull(),
    state: text('state').notNull(),
    residentAccess: text('resident_access').notNull(),
    closesAt: timestamp('closes_at', { withTimezone: true }),
    agendaItemId: text('agenda_item_id'),
    createdBy: uuid('created_by').references(() => members.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** Set on close: the tally and outcome as decided by packages/domain. */
    result: jsonb('result'),
  },
  (t) => [index('polls_meeting_idx').on(t.meetingId)],
);

/**
 * Who has voted in a poll: an irreversible mark per voter (m:<member>, c:<voting code>,
 * r:<resident, for open unverified polls>). No time, no choice: it cannot be joined to a
 * secret ballot. The idempotency key makes a retried submission harmless.
 */
export const voterRoll = pgTable(
  'voter_roll',
  {
    pollId: uuid('poll_id')
      .notNull()
      .references(() => polls.id),
    voterKey: text('voter_key').notNull(),
    electorate: text('electorate').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
  },
  (t) => [primaryKey({ columns: [t.pollId, t.voterKey] })],
);

/**
 * The secret ballot box: what was chosen, under a random id. No voter, no timestamp, no
 * sequence. The receipt hash lets the holder of the receipt (and nobody else) change it.
 */
export const ballotBox = pgTable(
  'ballot_box',
  {
    id: uuid('id').primaryKey(),
    pollId: uuid('poll_id')
      .notNull()
      .references(() => polls.id),
    electorate: text('electorate').notNull(),
    choice: jsonb('choice').notNull(),
    receiptHash: text('receipt_hash').unique(),
  },
  (t) => [index('ballot_box_poll_idx').on(t.pollId)],
);

/** Roll-call ballots: named on purpose, the record shows who voted what. */
export const namedBallots = pgTable(
  'named_ballots',
  {
    pollId: uuid('poll_id')
      .notNull()
      .references(() => polls.id),
    voterKey: text('voter_key').notNull(),
    voterName: text('voter_name').notNull(),
    electorate: text('electorate').notNull(),
    choice: jsonb('choice').notNull(),
  },
  (t) => [primaryKey({ columns: [t.pollId, t.voterKey] })],
);

/** On close, every ballot copied here in a random order: the permanent record of the poll. */
export const finalBallots = pgTable(
  'final_ballots',
  {
    pollId: uuid('poll_id')
      .notNull()
      .references(() => polls.id),
    position: integer('position').notNull(),
    electorate: text('electorate').notNull(),
    choice: jsonb('choice').notNull(),
    /** Roll-call only. */
    voterName: text('voter_name'),
  },
  (t) => [primaryKey({ columns: [t.pollId, t.position] })],
);

/** One-time voting codes for residents, stored hashed; each is good for one ballot per poll. */
export const votingCodes = pgTable(
  'voting_codes',
  {
    id: uuid('id').primaryKey(),
    meetingId: uuid('meeting_id')
      .notNull()
      .references(() => meetings.id),
    codeHash: text('code_hash').notNull().unique(),
    label: text('label'),
    issuedBy: uuid('issued_by').references(() => members.id),
    issuedAt: timestamp('issued_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('voting_codes_meeting_idx').on(t.meetingId)],
);

/** Hand or paper counts from the room, per poll and electorate, with who entered them. */
export const inRoomCounts = pgTable(
  'in_room_counts',
  {
    pollId: uuid('poll_id')
      .notNull()
      .references(() => polls.id),
    electorate: text('electorate').notNull(),
    ballots: integer('ballots').notNull(),
    counts: jsonb('counts').notNull(),
    /** Members only: who was counted by hand (never what each chose). */
    voters: jsonb('voters')
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    enteredBy: uuid('entered_by')
      .notNull()
      .references(() => members.id),
    enteredAt: timestamp('entered_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.pollId, t.electorate] })],
);

/** Decisions recorded on a meeting, e.g. a poll's outcome on close. */
export const decisions = pgTable(
  'decisions',
  {
    id: uuid('id').primaryKey(),
    meetingId: uuid('meeting_id')
      .notNull()
      .references(() => meetings.id),
    pollId: uuid('poll_id').references(() => polls.id),
    title: text('title').notNull(),
    outcome: jsonb('outcome').notNull(),
    /** The attendance the outcome was decided on: { present, members, required }, from the record at close. */
    attendance: jsonb('attendance').$type<{ present: number; members: number; required: number }>(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('decisions_meeting_idx').on(t.meetingId)],
);

/**
 * Deadlines, kept so they survive restarts and are acted on once across instances
 * (scheduler/scheduler.ts): a poll's closing time today; speaking timers and time boxes later.
 * One row per (kind, subject); a claim (claimed_at, claim_token) is a lease: a claimer that dies
 * leaves a claim that another instance takes over once it is older than the lease.
 */
export const deadlines = pgTable(
  'deadlines',
  {
    kind: text('kind').notNull(),
    subject: text('subject').notNull(),
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    claimedAt: timestamp('claimed_at', { withTimezone: true }),
    claimedBy: text('claimed_by'),
    claimToken: uuid('claim_token'),
    attempts: integer('attempts').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.kind, t.subject] }), index('deadlines_due_at_idx').on(t.dueAt)],
);

/**
 * Versions of derived live views (presence, polls, tallies), taken when a computation starts,
 * so that they order across instances whatever their clocks say (realtime/live-views.ts). It
 * starts above any wall-clock reading in ms the views carried before, which clients still hold.
 */
export const viewVersion = pgSequence('view_version', { startWith: 2_000_000_000_000, cache: 1 });

// ---- Yjs documents (agenda and notes, issue 10; server/src/features/agenda/yjs/) ----

/** Raw bytes (a Yjs update or state), as Uint8Array on both drivers. */
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  toDriver: (v) => (Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength)),
  fromDriver: (v) => (v instanceof Uint8Array ? v : new Uint8Array(v as ArrayBuffer)),
});

/**
 * One row per Yjs room (`meetings/<id>/agenda`, `meetings/<id>/notes`): `head`, the last sequence
 * number given to an update of the room (its row lock orders appends across instances), and the
 * compacted state: `snapshot` holds every update up to `snapshot_seq`, whose rows are deleted.
 */
export const yjsDocs = pgTable('yjs_docs', {
  room: text('room').primaryKey(),
  head: bigint('head', { mode: 'number' }).notNull().default(0),
  snapshot: bytea('snapshot'),
  snapshotSeq: bigint('snapshot_seq', { mode: 'number' }).notNull().default(0),
  compactedAt: timestamp('compacted_at', { withTimezone: true }),
});

/** Accepted updates since the room's snapshot, in the order they were stored (`seq`, from 1 per room). */
export const yjsUpdates = pgTable(
  'yjs_updates',
  {
    room: text('room').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    update: bytea('update').notNull(),
    storedAt: timestamp('stored_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.room, t.seq] })],
);

// ---- Agenda (issue 10): the room run by the agenda; the documents themselves are Yjs (features/agenda/yjs) ----

/**
 * A meeting's run state: the current agenda item and the version every move bumps (a move names
 * the version it saw: two facilitators cannot skip two items by pressing "next" together). No
 * row until the first move (version 0).
 */
export const agendaRuns = pgTable('agenda_runs', {
  meetingId: uuid('meeting_id')
    .primaryKey()
    .references(() => meetings.id),
  /** An item id of the agenda document, or null: no item is current. */
  currentItemId: text('current_item_id'),
  version: integer('version').notNull().default(0),
});

/**
 * Each agenda item's server state, once the facilitator has moved it: the stage the moves set
 * (pending, discussing, deferred; voting and decided follow its polls, packages/domain
 * agenda/stages.ts) and its discussion times by the database's clock.
 */
export const agendaItemRuns = pgTable(
  'agenda_item_runs',
  {
    meetingId: uuid('meeting_id')
      .notNull()
      .references(() => meetings.id),
    itemId: text('item_id').notNull(),
    stage: text('stage').notNull(),
    /** When discussion first started. */
    startedAt: timestamp('started_at', { withTimezone: true, precision: 3 }),
    /** When it last ended (null while current). */
    endedAt: timestamp('ended_at', { withTimezone: true, precision: 3 }),
    /** Discussion time of the stretches before the current one. */
    spentMs: integer('spent_ms').notNull().default(0),
    /** Start of the current stretch; set only while the item is current. */
    resumedAt: timestamp('resumed_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [primaryKey({ columns: [t.meetingId, t.itemId] })],
);

/** Members' proposed items (rows, not Yjs): an editor accepts one into the agenda document or declines it with a reason. */
export const agendaProposals = pgTable(
  'agenda_proposals',
  {
    id: uuid('id').primaryKey(),
    meetingId: uuid('meeting_id')
      .notNull()
      .references(() => meetings.id),
    proposerId: uuid('proposer_id')
      .notNull()
      .references(() => members.id),
    title: text('title').notNull(),
    details: text('details').notNull(),
    kind: text('kind').notNull(),
    minutes: integer('minutes').notNull(),
    state: text('state').notNull(),
    reason: text('reason'),
    /** The agenda item made from it on acceptance. */
    itemId: text('item_id'),
    decidedBy: uuid('decided_by').references(() => members.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
  },
  (t) => [index('agenda_proposals_meeting_idx').on(t.meetingId)],
);

// ---- Opinions (issue 11): features/opinions/store.ts ----

/**
 * Per meeting: the sequence every change to its threads takes a number from (the row is locked by
 * each change until it commits, so numbers commit in order and a reader that sees n has seen
 * everything below it), whether residents may post anonymously, and the opinion on the floor.
 */
export const opinionMeetings = pgTable('opinion_meetings', {
  meetingId: uuid('meeting_id')
    .primaryKey()
    .references(() => meetings.id),
  seq: integer('seq').notNull().default(0),
  anonymousAllowed: boolean('anonymous_allowed').notNull().default(false),
  floorOpinionId: uuid('floor_opinion_id'),
  floorAt: timestamp('floor_at', { withTimezone: true }),
});

/**
 * Opinions and replies. `thread` is the agenda item's id, '' for the meeting's general thread.
 * `seq` is its number when posted (order and pages), `rev` the number of its last change (what a
 * client missed is rev > its cursor), `content_rev` of its last change other than counts.
 * Nothing is deleted: withdrawn and hidden opinions stay, as placeholders on the wire.
 */
export const opinions = pgTable(
  'opinions',
  {
    id: uuid('id').primaryKey(),
    meetingId: uuid('meeting_id')
      .notNull()
      .references(() => meetings.id),
    thread: text('thread').notNull(),
    seq: integer('seq').notNull(),
    rev: integer('rev').notNull(),
    contentRev: integer('content_rev').notNull(),
    parentId: uuid('parent_id'),
    depth: integer('depth').notNull().default(0),
    replyingTo: text('replying_to'),
    stance: text('stance'),
    text: text('text').notNull(),
    /** m:<memberId> or r:<residentId>. */
    authorRef: text('author_ref').notNull(),
    authorMemberId: uuid('author_member_id').references(() => members.id),
    authorResidentId: uuid('author_resident_id').references(() => residents.id),
    authorName: text('author_name').notNull(),
    authorGroupId: uuid('author_group_id'),
    verified: boolean('verified').notNull().default(false),
    anonymous: boolean('anonymous').notNull().default(false),
    /** The client's key for this post: a resend after a lost ack finds it. */
    clientKey: uuid('client_key').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    editedAt: timestamp('edited_at', { withTimezone: true }),
    withdrawnAt: timestamp('withdrawn_at', { withTimezone: true }),
    hiddenReason: text('hidden_reason'),
    hiddenNote: text('hidden_note'),
    hiddenBy: uuid('hidden_by').references(() => members.id),
    hiddenAt: timestamp('hidden_at', { withTimezone: true }),
    seconds: integer('seconds').notNull().default(0),
    reports: integer('reports').notNull().default(0),
  },
  (t) => [
    uniqueIndex('opinions_meeting_seq_idx').on(t.meetingId, t.seq),
    index('opinions_thread_rev_idx').on(t.meetingId, t.thread, t.rev),
    index('opinions_thread_seq_idx').on(t.meetingId, t.thread, t.seq),
    uniqueIndex('opinions_client_key_idx').on(t.meetingId, t.authorRef, t.clientKey),
  ],
);

/** Seconds (附议): one per participant (m:<id> or r:<id>) per opinion. */
export const opinionSeconds = pgTable(
  'opinion_seconds',
  {
    opinionId: uuid('opinion_id')
      .notNull()
      .references(() => opinions.id),
    voterRef: text('voter_ref').notNull(),
  },
  (t) => [primaryKey({ columns: [t.opinionId, t.voterRef] })],
);

/** Reports: one per participant per opinion; moderators see the count. */
export const opinionReports = pgTable(
  'opinion_reports',
  {
    opinionId: uuid('opinion_id')
      .notNull()
      .references(() => opinions.id),
    reporterRef: text('reporter_ref').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.opinionId, t.reporterRef] })],
);

/** A resident session's standing in its meeting's threads: muted by a moderator, verified by a voting code. */
export const opinionResidents = pgTable('opinion_residents', {
  residentId: uuid('resident_id')
    .primaryKey()
    .references(() => residents.id),
  meetingId: uuid('meeting_id')
    .notNull()
    .references(() => meetings.id),
  mutedAt: timestamp('muted_at', { withTimezone: true }),
  verifiedAt: timestamp('verified_at', { withTimezone: true }),
});

/** Every moderation action: who, when, what, why. Council members read it as the meeting's moderation log. */
export const opinionModerationLog = pgTable(
  'opinion_moderation_log',
  {
    id: serial('id').primaryKey(),
    meetingId: uuid('meeting_id')
      .notNull()
      .references(() => meetings.id),
    actorMemberId: uuid('actor_member_id')
      .notNull()
      .references(() => members.id),
    action: text('action').notNull(),
    opinionId: uuid('opinion_id'),
    residentId: uuid('resident_id'),
    reason: text('reason'),
    note: text('note'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('opinion_moderation_log_meeting_idx').on(t.meetingId)],
);

// ---- The floor (issue 11: speaker queue and timers) ----

/** A meeting's floor rules: speaking time per kind, and whether residents may ask to speak. */
export const floorSettings = pgTable('floor_settings', {
  meetingId: uuid('meeting_id')
    .primaryKey()
    .references(() => meetings.id),
  residentsMaySpeak: boolean('residents_may_speak').notNull().default(false),
  /** Seconds per kind (FloorLimits); a new meeting's are DEFAULT_FLOOR_LIMITS. */
  limits: jsonb('limits').$type<Record<string, number>>().notNull(),
  /** What the room display shows (protocol DISPLAY_MODES): a meeting-level choice, here beside the floor's rules. */
  displayMode: text('display_mode').notNull().default('auto'),
});

/** One agenda item's list of speakers: closed when the facilitator says no more hands. */
export const floorLists = pgTable(
  'floor_lists',
  {
    meetingId: uuid('meeting_id')
      .notNull()
      .references(() => meetings.id),
    /** The agenda item's id; '' for the meeting's floor without an agenda item. */
    itemKey: text('item_key').notNull(),
    closed: boolean('closed').notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.meetingId, t.itemKey] })],
);

/**
 * Every hand raised and every speech: the queue is the `waiting` rows, the current speech the one
 * `speaking` row of the meeting (a speech's timer is started_at + limit_seconds, the database's
 * clock), the item's record the `spoken` rows in order. Lowered and removed hands stay, marked.
 */
export const floorRequests = pgTable(
  'floor_requests',
  {
    id: uuid('id').primaryKey(),
    meetingId: uuid('meeting_id')
      .notNull()
      .references(() => meetings.id),
    itemKey: text('item_key').notNull(),
    kind: text('kind').notNull(),
    /** Exactly one of member, resident or guest name says who. */
    memberId: uuid('member_id').references(() => members.id),
    residentId: uuid('resident_id').references(() => residents.id),
    /** The name shown: the member's or resident's when the hand went up, or the guest's. */
    name: text('name').notNull(),
    /** The member's stakeholder group when the hand went up (the balance counts by it). */
    groupId: uuid('group_id'),
    /** The facilitator who added this hand for someone in the room; null when raised by its owner. */
    addedBy: uuid('added_by').references(() => members.id),
    /** Order in the queue (packages/domain floor/queue.ts): the request time in ms, or the facilitator's position. */
    rank: doublePrecision('rank').notNull(),
    requestedAt: timestamp('requested_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    /** waiting, speaking, spoken, lowered (by its owner), removed (by the facilitator). */
    state: text('state').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true, precision: 3 }),
    limitSeconds: integer('limit_seconds'),
    endedAt: timestamp('ended_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [
    index('floor_requests_item_idx').on(t.meetingId, t.itemKey, t.state),
    // One raised hand per person per item, and one speech at a time per meeting, whichever instance asks.
    uniqueIndex('floor_requests_member_waiting')
      .on(t.meetingId, t.itemKey, t.memberId)
      .where(sql`state = 'waiting' AND member_id IS NOT NULL`),
    uniqueIndex('floor_requests_resident_waiting')
      .on(t.meetingId, t.itemKey, t.residentId)
      .where(sql`state = 'waiting' AND resident_id IS NOT NULL`),
    uniqueIndex('floor_requests_one_speaker')
      .on(t.meetingId)
      .where(sql`state = 'speaking'`),
  ],
);

// ---- Consensus checks (issue 12) ----

/**
 * A consensus check on an agenda item: the proposal's current text and version, the council's
 * rule frozen at opening, the current round. The outcome (reached or not, the final figures per
 * group and the proposal text) is written on close.
 */
export const consensusChecks = pgTable(
  'consensus_checks',
  {
    id: uuid('id').primaryKey(),
    meetingId: uuid('meeting_id')
      .notNull()
      .references(() => meetings.id),
    itemId: text('item_id').notNull(),
    state: text('state').notNull(),
    named: boolean('named').notNull(),
    residents: boolean('residents').notNull(),
    rule: jsonb('rule').$type<ConsensusRule>().notNull(),
    round: integer('round').notNull().default(1),
    proposalVersion: integer('proposal_version').notNull().default(1),
    createdBy: uuid('created_by').references(() => members.id),
    openedAt: timestamp('opened_at', { withTimezone: true }).notNull().defaultNow(),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    /** On close: { reached, text, aggregate } (aggregate: counts per group, residents, members present). */
    outcome: jsonb('outcome'),
    pollId: uuid('poll_id').references(() => polls.id),
  },
  (t) => [index('consensus_checks_meeting_idx').on(t.meetingId)],
);

/** Every version of a check's proposal (the first one included), never changed once written. */
export const consensusProposals = pgTable(
  'consensus_proposals',
  {
    checkId: uuid('check_id')
      .notNull()
      .references(() => consensusChecks.id),
    version: integer('version').notNull(),
    text: text('text').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.checkId, t.version] })],
);

/**
 * Each participant's current position while a check is open (m:<member id> or r:<resident id>),
 * with the group it counts in ('residents' for residents). An anonymous check's rows are deleted
 * on close: only the aggregates of its rounds and outcome remain. A named check keeps them.
 * The idempotency key of the last change makes its retry harmless.
 */
export const consensusPositions = pgTable(
  'consensus_positions',
  {
    checkId: uuid('check_id')
      .notNull()
      .references(() => consensusChecks.id),
    participant: text('participant').notNull(),
    groupKey: text('group_key').notNull(),
    level: integer('level').notNull(),
    idempotencyKey: uuid('idempotency_key').notNull(),
  },
  (t) => [primaryKey({ columns: [t.checkId, t.participant] })],
);

/** A round's figures, frozen when recorded: counts per group and for residents, never who. */
export const consensusRounds = pgTable(
  'consensus_rounds',
  {
    checkId: uuid('check_id')
      .notNull()
      .references(() => consensusChecks.id),
    round: integer('round').notNull(),
    proposalVersion: integer('proposal_version').notNull(),
    aggregate: jsonb('aggregate').notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.checkId, t.round] })],
);

/**
 * Block reasons and reservations, under the member's name: they are posted to the item's thread
 * (opinions, issue 11) and are public by design. Kept here until the opinions service takes them
 * (posted_at set once it has).
 */
export const consensusStatements = pgTable(
  'consensus_statements',
  {
    id: uuid('id').primaryKey(),
    checkId: uuid('check_id')
      .notNull()
      .references(() => consensusChecks.id),
    memberId: uuid('member_id')
      .notNull()
      .references(() => members.id),
    kind: text('kind').notNull(),
    text: text('text').notNull(),
    round: integer('round').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    postedAt: timestamp('posted_at', { withTimezone: true }),
  },
  (t) => [index('consensus_statements_check_idx').on(t.checkId)],
);
