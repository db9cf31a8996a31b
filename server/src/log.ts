import pino, { type DestinationStream } from 'pino';
import type { Config } from './config.ts';
import { REDACT_PATHS, redact, redactText } from './log-redact.ts';

export { redact, redactText } from './log-redact.ts';

export type LogFields = Record<string, unknown>;
type Level = 'error' | 'warn' | 'info' | 'debug';

/** What any logger offers: one method per level, a message and optional fields (an `err` is logged with its stack). */
export interface LogSink {
  error(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  child?(bindings: LogFields): LogSink;
}

export interface Logger extends LogSink {
  /** A logger whose every line also carries `bindings` (a request id, a meeting id). */
  child(bindings: LogFields): Logger;
}

const LEVELS: readonly Level[] = ['error', 'warn', 'info', 'debug'];

/**
 * Any logger, with every message, field and binding run through `redact` first. `startApp` wraps
 * the logger it is given in this, so no code path (a handler's catch, a failed query, a pool
 * error) can log a choice, a receipt or a token, whichever logger is plugged in. A sink without
 * `child` gets its bindings merged into each line's fields.
 */
export function withRedaction(inner: LogSink): Logger {
  if ((inner as { redacting?: true }).redacting) return inner as Logger;
  const out = {} as Logger;
  for (const l of LEVELS) {
    out[l] = (msg, fields) => inner[l](redactText(msg), fields === undefined ? undefined : (redact(fields) as LogFields));
  }
  out.child = (bindings) => {
    const safe = redact(bindings) as LogFields;
    if (inner.child) return withRedaction(inner.child(safe));
    const merged = {} as LogSink;
    for (const l of LEVELS) merged[l] = (msg, fields) => inner[l](msg, { ...safe, ...fields });
    return withRedaction(merged);
  };
  return Object.assign(out, { redacting: true as const });
}

/** pino behind the Logger interface: fields first, then the message, as pino wants them. */
function fromPino(p: pino.Logger): Logger {
  const out = {} as Logger;
  for (const l of LEVELS) out[l] = (msg, fields) => (fields === undefined ? p[l](msg) : p[l](fields, '%s', msg));
  out.child = (bindings) => fromPino(p.child(bindings));
  return out;
}

/**
 * One JSON line per event (pino), redacted twice over: every field and message by `redact` (any
 * depth, free text, error stacks), then pino's `redact` paths for the known secret field names.
 * Writes synchronously to stdout by default, so the last lines before `process.exit` are kept.
 */
export function createLogger(level: Config['LOG_LEVEL'], destination: DestinationStream = pino.destination({ fd: 1, sync: true })): Logger {
  return withRedaction(fromPino(pino(pinoOptions(level), destination)));
}

/** The pino options: ISO times, level names, and the path redaction (exported for its test). */
export function pinoOptions(level: Config['LOG_LEVEL']): pino.LoggerOptions {
  return {
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    // Errors arrive already read through by `redact` ({name, message, code, stack}, cleaned):
    // pino's own error serializer would rename and re-copy them.
    serializers: { err: (e: unknown) => e },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
}
