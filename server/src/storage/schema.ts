import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, primaryKey, serial, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { Quorum } from '@yishi/protocol';

/** The one SQL schema, for PGlite and PostgreSQL alike. Migrations: `pnpm --filter @yishi/server db:generate`. */

export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

export const councils = pgTable('councils', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull(),
  quorum: jsonb('quorum').$type<Quorum>().notNull(),
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
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('meeting_log_meeting_idx').on(t.meetingId)],
);
