import type { Logger } from '../log.ts';
import type { YishiServer } from '../realtime/types.ts';
import { memoryFanout } from './memory-fanout.ts';
import type { Fanout } from './types.ts';

export type { ByteHandler, Fanout, FanoutHealth } from './types.ts';

/** One place chooses the implementation: Redis when REDIS_URL is set, else Socket.IO's in-memory adapter. */
export async function attachFanout(io: YishiServer, redisUrl: string | undefined, log: Logger): Promise<Fanout> {
  if (!redisUrl) return memoryFanout();
  // Loaded only when used: the embedded default never loads a Redis client.
  const { attachRedisFanout } = await import('./redis-fanout.ts');
  return attachRedisFanout(io, redisUrl, log);
}
