import type { Config } from './config.ts';

const LEVELS = { error: 0, warn: 1, info: 2, debug: 3 } as const;
type Level = keyof typeof LEVELS;

export interface Logger {
  error(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
}

/** One JSON line per event on stdout. Never pass ballot contents or tokens in fields. */
export function createLogger(level: Config['LOG_LEVEL']): Logger {
  const max = LEVELS[level];
  const write = (l: Level) => (msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS[l] > max) return;
    process.stdout.write(JSON.stringify({ t: new Date().toISOString(), level: l, msg, ...fields }) + '\n');
  };
  return { error: write('error'), warn: write('warn'), info: write('info'), debug: write('debug') };
}
