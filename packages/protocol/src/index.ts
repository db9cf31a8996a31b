/**
 * The one source of wire messages shared by server and web.
 * Bump PROTOCOL_VERSION whenever a schema changes shape (protocol.test.ts enforces it).
 */
export const PROTOCOL_VERSION = 11;

export * from './ids.ts';
export * from './errors.ts';
export * from './council.ts';
export * from './auth.ts';
export * from './meeting.ts';
export * from './views.ts';
export * from './events.ts';
export * from './limits.ts';
export * from './poll.ts';
export * from './votes.ts';
export * from './text.ts';
