/**
 * What must never reach a log: anything that carries a ballot's choice, its position in the
 * record, a token, a voting code or a receipt. Kept apart from the logger so that whichever
 * logger the server uses (this JSON one, pino later) runs every line through `redact` first.
 */

const MASK = '[redacted]';

/** Field names whose values are masked whole, at any depth. */
const SECRET_KEY = /choice|choices|ranking|scores|position|token|receipt|code|secret|password|params|idempotency|cookie|authorization/i;

/**
 * The database libraries put the bound parameters into their error text: drizzle's
 * "Failed query: …\nparams: …", node-postgres' "detail: Key (receipt_hash)=(…)", and
 * PostgreSQL's own "Failing row contains (…)". The query text stays (it says what failed);
 * everything after these markers goes.
 */
const PARAM_TAILS: RegExp[] = [/(\bparams:)[\s\S]*$/i, /(Failing row contains)[\s\S]*$/i, /(\bKey \([^)]*\)=)\([\s\S]*?\)/gi, /(\bDETAIL:)[\s\S]*$/i];

/**
 * Long hex (hashes) and base64url (tokens) runs in free text: 24 characters or more, mixing
 * letters and digits (so that a constraint name like ballot_pending_receipt_hash_unique stays).
 */
const OPAQUE = /[A-Za-z0-9_-]{24,}/g;
const looksOpaque = (run: string) => /\d/.test(run) && /[A-Za-z]/.test(run);
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;

export function redactText(s: string): string {
  let out = s;
  for (const re of PARAM_TAILS) out = out.replace(re, `$1 ${MASK}`);
  // UUIDs (poll, meeting ids) are useful to an operator and secret to no one; keep them whole.
  const keep: string[] = [];
  out = out.replace(UUID, (u) => `\u0000${keep.push(u) - 1}\u0000`);
  out = out.replace(OPAQUE, (run) => (looksOpaque(run) ? MASK : run));
  // eslint-disable-next-line no-control-regex -- NUL is the placeholder's delimiter: it cannot occur in a log line
  return out.replace(/\u0000(\d+)\u0000/g, (_, i: string) => keep[Number(i)]!);
}

/** A copy of `value` safe to log: secret fields masked, free text cleaned, errors read through. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return MASK;
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    const e = value as Error & { cause?: unknown; code?: unknown };
    return {
      name: e.name,
      message: redactText(e.message),
      ...(typeof e.code === 'string' ? { code: e.code } : {}),
      ...(e.cause !== undefined ? { cause: redact(e.cause, depth + 1) } : {}),
    };
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? MASK : redact(v, depth + 1);
  return out;
}
