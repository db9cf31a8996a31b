import type { Logger } from '../log.ts';

/**
 * The logger for one socket event: a child carrying the meeting's (and poll's) id when the payload names it,
 * so an operator can follow one meeting through the log. Read from the raw payload because a
 * failure may come before (or from) parsing; ids are UUIDs, kept whole by the redaction.
 */
export function logFor(log: Logger, payload: unknown): Logger {
  if (payload === null || typeof payload !== 'object') return log;
  const bindings: Record<string, string> = {};
  for (const key of ['meetingId', 'pollId'] as const) {
    const id = (payload as Record<string, unknown>)[key];
    if (typeof id === 'string' && id.length <= 64) bindings[key] = id;
  }
  return Object.keys(bindings).length > 0 ? log.child(bindings) : log;
}
