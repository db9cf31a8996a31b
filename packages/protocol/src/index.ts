/**
 * The one source of wire messages shared by server and web: zod schemas and their types, one
 * file per feature (meetings, attendance, polls, councils, auth), assembled in events.ts and
 * views.ts. The plain enums and limits (and PROTOCOL_VERSION) are in constants.ts, which the web
 * app imports as `@yishi/protocol/constants` to keep zod out of its bundle.
 */
export * from './constants.ts';
export * from './ids.ts';
export * from './text.ts';
export * from './errors.ts';
export * from './councils.ts';
export * from './auth.ts';
export * from './meetings.ts';
export * from './attendance.ts';
export * from './poll-definition.ts';
export * from './poll-tally.ts';
export * from './polls.ts';
export * from './agenda.ts';
export * from './opinions.ts';
export * from './view-snapshot.ts';
export * from './views.ts';
export * from './events.ts';
