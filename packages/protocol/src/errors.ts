import { z } from 'zod';

/** Every failure a client can see. The web app translates each code; the message is for logs. */
export const ErrorCode = z.enum([
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
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ApiError = z.object({
  code: ErrorCode,
  message: z.string().optional(),
  /** For invalid_input: which fields were wrong (zod paths joined with "."). */
  fields: z.array(z.string()).optional(),
});
export type ApiError = z.infer<typeof ApiError>;

/** Socket acks and HTTP error bodies share one shape. */
export type Result<T> = { ok: true; data: T } | { ok: false; error: ApiError };

export const ok = <T>(data: T): Result<T> => ({ ok: true, data });
export const fail = (code: ErrorCode, message?: string, fields?: string[]): Result<never> => ({
  ok: false,
  error: { code, ...(message ? { message } : {}), ...(fields ? { fields } : {}) },
});
