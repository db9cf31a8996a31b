import type { z } from 'zod';
import { AppError } from '../errors.ts';

/** Parses untrusted input; a failure becomes invalid_input naming the bad fields, and changes nothing. */
export function parse<S extends z.ZodTypeAny>(schema: S, input: unknown): z.infer<S> {
  const r = schema.safeParse(input);
  if (!r.success) {
    const fields = [...new Set(r.error.issues.map((i) => i.path.join('.') || '(root)'))];
    throw new AppError('invalid_input', 'invalid input', fields);
  }
  return r.data;
}
