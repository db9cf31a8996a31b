import { z } from 'zod';

/** C0 and C1 controls, NUL among them: PostgreSQL refuses NUL in text, and none belongs in a line. */
const CONTROL = /\p{Cc}/u;
/** Anything a reader can see: not a control, format or separator character, nor one renderers ignore. */
const VISIBLE = /[^\p{Cc}\p{Cf}\p{Z}\p{Default_Ignorable_Code_Point}\s]/u;

/**
 * One line a person typed: a name, a title, a label. Trimmed; no control characters; when
 * required (min > 0), at least one visible character, so a name of zero-width spaces is refused.
 * Invisible characters inside visible text stay (emoji sequences join with U+200D).
 */
export const Line = (min: number, max: number) =>
  z
    .string()
    .trim()
    .min(min)
    .max(max)
    .refine((s) => !CONTROL.test(s), 'control characters are not allowed')
    .refine((s) => min === 0 || VISIBLE.test(s), 'must contain visible characters');

/** A code or key typed or pasted by a person (join code, voting code): no control characters. */
export const Code = (min: number, max: number) =>
  z
    .string()
    .trim()
    .min(min)
    .max(max)
    .refine((s) => !CONTROL.test(s), 'control characters are not allowed');
