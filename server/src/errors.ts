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
  setup_done: 409,
  bad_credentials: 401,
  internal: 500,
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
