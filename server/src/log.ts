import type { Config } from './config.ts';
import { redact, redactText } from './log-redact.ts';

export { redact, redactText } from './log-redact.ts';

const LEVELS = { error: 0, warn: 1, info: 2, debug: 3 } as const;
type Level = keyof typeof LEVELS;

export interface Logger {
  error(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
}

/**
 * Any logger, with every message and field run through `redact` first. `startApp` wraps the
 * logger it is given in this, so no code path (a handler's catch, a failed query, a pool
 * error) can log a choice, a receipt or a token, whichever logger is plugged in.
 */
export function withRedaction(inner: Logger): Logger {
  if ((inner as { redacting?: true }).redacting) return inner;
  const wrap = (l: Level) => (msg: string, fields?: Record<string, unknown>) =>
    inner[l](redactText(msg), fields === undefined ? undefined : (redact(fields) as Record<string, unknown>));
  return Object.assign({ error: wrap('error'), warn: wrap('warn'), info: wrap('info'), debug: wrap('debug') }, { redacting: true as const });
}

/** One JSON line per event on stdout, redacted. */
export function createLogger(level: Config['LOG_LEVEL']): Logger {
  const max = LEVELS[level];
  const write = (l: Level) => (msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS[l] > max) return;
    process.stdout.write(JSON.stringify({ t: new Date().toISOString(), level: l, msg, ...fields }) + '\n');
  };
  return withRedaction({ error: write('error'), warn: write('warn'), info: write('info'), debug: write('debug') });
}
