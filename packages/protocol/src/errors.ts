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
  'setup_done',
  'bad_credentials',
  'internal',
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
