import type { ErrorCode } from '@yishi/protocol';

const STATUS: Record<ErrorCode, number> = {
  invalid_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid_transition: 409,
  rate_limited: 429,
  payload_too_large: 413,
  bad_origin: 403,
  too_many_connections: 429,
  protocol_mismatch: 409, // refused socket handshakes only (socket-server.ts); never an HTTP answer today
  setup_done: 409,
  bad_credentials: 401,
  internal: 500,
  poll_not_open: 409,
  not_eligible: 403,
  already_voted: 409,
  credential_required: 403,
  bad_credential: 403,
  change_not_allowed: 409,
  wrong_shape: 400,
  unknown_option: 400,
  duplicate_option: 400,
  too_many_choices: 400,
  score_out_of_range: 400,
  missing_score: 400,
  not_supported: 400,
  wrong_electorate: 400,
  inconsistent_ballots: 400,
  exceeds_electorate: 400,
  voters_mismatch: 400,
  duplicate_voter: 400,
  not_a_member: 400,
  voted_online: 409,
  counted_in_room: 409,
  group_not_empty: 409,
  meeting_closed: 409,
  // Agenda (issue 10)
  meeting_not_live: 409,
  unknown_item: 404,
  stage_not_allowed: 409,
  proposals_closed: 409,
  proposal_decided: 409,
  // Opinions (issue 11)
  thread_not_open: 409,
  muted: 403,
  edit_window_closed: 409,
  opinion_gone: 409,
  own_opinion: 409,
  already_seconded: 409,
  not_seconded: 409,
  already_reported: 409,
  already_hidden: 409,
  not_hidden: 409,
  anonymous_not_allowed: 403,
  not_a_resident: 400,
};

/** A failure the client is told about by code. Anything else is a bug and becomes `internal`. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly fields?: string[],
  ) {
    super(message ?? code);
    this.status = STATUS[code];
  }
}
