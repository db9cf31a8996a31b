/**
 * What must never reach a log: anything that carries a ballot's choice, its position in the
 * record, a token, a voting code or a receipt. Kept apart from the logger so that whichever
 * logger the server uses (pino, log.ts) runs every line through `redact` first. pino's own `redact`
 * paths (SECRET_FIELDS below) are a second line at fixed depths; this walk is the first because it
 * masks a secret field at any depth and cleans free text (messages, error texts, stacks, URLs),
 * which path redaction cannot see into.
 */

const MASK = '[redacted]';

/** Field names whose values are masked whole, at any depth (any key containing one of these). */
const SECRET_KEY = /choice|choices|ranking|scores|position|token|receipt|code|secret|password|params|idempotency|cookie|authorization/i;

/**
 * The same names as exact fields, for pino's path redaction (log.ts): at the top of a line and one
 * level down, plus the request headers a request log would carry.
 */
export const SECRET_FIELDS = [
  'choice',
  'choices',
  'ranking',
  'scores',
  'position',
  'token',
  'receipt',
  'receiptHash',
  'votingCode',
  'joinCode',
  'secret',
  'password',
  'params',
  'idempotencyKey',
  'cookie',
  'authorization',
] as const;
export const REDACT_PATHS: string[] = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
];

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

/** A URL's query values (a sign-in link's token, a setup link's): the names stay, the values go. */
const QUERY_VALUE = /([?&][\w.-]+=)[^\s&#"'<>]+/g;

export function redactText(s: string): string {
  let out = s;
  for (const re of PARAM_TAILS) out = out.replace(re, `$1 ${MASK}`);
  out = out.replace(QUERY_VALUE, `$1${MASK}`);
  // UUIDs (poll, meeting ids) are useful to an operator and secret to no one; keep them whole.
  const keep: string[] = [];
  out = out.replace(UUID, (u) => `\u0000${keep.push(u) - 1}\u0000`);
  out = out.replace(OPAQUE, (run) => (looksOpaque(run) ? MASK : run));
  // eslint-disable-next-line no-control-regex -- NUL is the placeholder's delimiter: it cannot occur in a log line
  return out.replace(/\u0000(\d+)\u0000/g, (_, i: string) => keep[Number(i)]!);
}

/**
 * An error's stack with its message cleaned like any text; the frames (lines starting with "at")
 * are code locations and stay whole, so a failed query's stack survives the cut of its params.
 */
function redactStack(e: Error): string | undefined {
  if (typeof e.stack !== 'string') return undefined;
  const lines = e.stack.split('\n');
  const firstFrame = lines.findIndex((l) => /^\s+at /.test(l));
  const head = firstFrame < 0 ? lines : lines.slice(0, firstFrame);
  const frames = firstFrame < 0 ? [] : lines.slice(firstFrame).map((l) => (/^\s+at /.test(l) ? l : redactText(l)));
  return [redactText(head.join('\n')), ...frames].join('\n');
}

/** A copy of `value` safe to log: secret fields masked, free text cleaned, errors read through (stack kept). */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return MASK;
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    const e = value as Error & { cause?: unknown; code?: unknown; constraint?: unknown };
    const stack = redactStack(e);
    return {
      name: e.name,
      message: redactText(e.message),
      ...(typeof e.code === 'string' ? { code: e.code } : {}),
      // A database error's constraint name says what was violated, never a value.
      ...(typeof e.constraint === 'string' ? { constraint: e.constraint } : {}),
      ...(stack ? { stack } : {}),
      ...(e.cause !== undefined ? { cause: redact(e.cause, depth + 1) } : {}),
    };
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? MASK : redact(v, depth + 1);
  return out;
}
