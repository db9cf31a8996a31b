import { z } from 'zod';

/**
 * Every setting Yishi reads, from an env passed in (tests supply their own).
 * Unset means the embedded default: one process, PGlite in DATA_DIR, in-memory fan-out.
 */
const ConfigSchema = z.object({
  /** Port to listen on. Default 3000; 0 picks a free port (tests). */
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Interface to bind. Default 0.0.0.0 so phones on the room's network can reach it. */
  HOST: z.string().default('0.0.0.0'),
  /** Where PGlite keeps its files when DATABASE_URL is unset. Default ./data. */
  DATA_DIR: z.string().default('./data'),
  /** postgres://… to use PostgreSQL instead of PGlite (needed for more than one instance). */
  DATABASE_URL: z.string().url().optional(),
  /**
   * redis://… to fan out live updates between instances; unset keeps fan-out in memory. Redis 6
   * or later (the subscriber speaks RESP3, see fanout/redis-client.ts).
   */
  REDIS_URL: z.string().url().optional(),
  /**
   * Comma-separated origins allowed to open a websocket and to build links, e.g.
   * https://yishi.example.org. Unset: only same-origin pages (Origin host equals Host).
   * The first entry is used for every link and QR code. Unset: the address the browser used, or,
   * when that is localhost, the first LAN address (http/link-origin.ts), so phones can open them.
   */
  PUBLIC_ORIGIN: z
    .string()
    .optional()
    .transform((s) =>
      (s ?? '')
        .split(',')
        .map((o) => o.trim().replace(/\/$/, ''))
        .filter(Boolean),
    ),
  /** error | warn | info | debug. Default info. */
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  /**
   * Joins and sign-ins allowed per client address per minute. Default 300: a whole room of
   * residents on one Wi-Fi shares one address, while 300 guesses a minute cannot find a join code.
   */
  AUTH_RATE_PER_MINUTE: z.coerce.number().int().min(1).default(300),
  /** Opinions and replies one session may post per minute, across instances (issue 11). */
  OPINION_POSTS_PER_MINUTE: z.coerce.number().int().min(1).default(5),
  /** Seconds (附议) and reports one session may make per minute, across instances. */
  OPINION_SECONDS_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  /**
   * Which proxies' X-Forwarded-For to believe, in express's `trust proxy` syntax: a hop count
   * (`1`), or addresses/subnets (`loopback`, `172.16.0.0/12`). Unset: none, and the client address
   * is the TCP peer's. Set it only when a proxy (nginx in docker-compose) is in front: otherwise
   * every phone could name its own address and walk past the per-address limits.
   */
  TRUST_PROXY: z.string().optional(),
  /**
   * Live connections (websockets) one session may hold at once, across all instances. Default 8:
   * a resident may have a few tabs open, a facilitator the meeting page and the room display.
   */
  SOCKETS_PER_SESSION: z.coerce.number().int().min(1).default(8),
  /**
   * Live connections from one client address at once, across all instances. Default 600: a room
   * of residents behind one Wi-Fi shares an address (NAT), so this is generous; it stops one
   * machine from holding thousands of sockets with many sessions.
   */
  SOCKETS_PER_ADDRESS: z.coerce.number().int().min(1).default(600),
  /**
   * Seconds a live connection may stay without following any meeting before it is closed.
   * Default 60: the web app joins a meeting right after connecting.
   */
  SOCKET_IDLE_SECONDS: z.coerce.number().min(0.1).default(60),
  /** Where the built web app lives (adapter-node output). Default web/build beside server/. */
  WEB_BUILD_DIR: z.string().optional(),
});

export type Config = z.infer<typeof ConfigSchema>;

export function loadConfig(env: Record<string, string | undefined>): Config {
  // Treat empty strings like unset, as docker-compose passes them through.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ConfigSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid configuration:\n${lines}`);
  }
  return parsed.data;
}
