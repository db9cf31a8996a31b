import { z } from 'zod';
import { ERROR_CODES } from './constants.ts';

/** Every failure a client can see (the list, with why each exists, is ERROR_CODES in constants.ts). */
export const ErrorCode = z.enum(ERROR_CODES);
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
