import { createFreshDatabase, type TestDatabase } from './postgres.ts';
import { startRedis, type TestRedis } from './redis.ts';
import { startServerProcess, type ServerProcess } from './server-process.ts';

/** The scale-out topology of docker-compose.yml, with processes: two instances, one Redis, one PostgreSQL. */
export interface TwoInstances {
  redis: TestRedis;
  db: TestDatabase;
  a: ServerProcess;
  b: ServerProcess;
  /** Stops both instances, then Redis, then drops the database. */
  stop(): Promise<void>;
}

/**
 * Starts a Redis of its own and a fresh database, then two server processes on them together
 * (their migrations are serialised by the server's advisory lock). `env` goes to both instances,
 * `envB` to B alone on top of it. If anything fails to start, what did start is stopped.
 */
export async function startTwoInstances(env: Record<string, string> = {}, envB: Record<string, string> = {}): Promise<TwoInstances> {
  const [redis, db] = await Promise.all([startRedis(), createFreshDatabase()]);
  const shared = { DATABASE_URL: db.url, REDIS_URL: redis.url, ...env };
  const started = await Promise.allSettled([startServerProcess(shared), startServerProcess({ ...shared, ...envB })]);
  const stopAll = async (servers: ServerProcess[]) => {
    await Promise.all(servers.map((s) => s.stop()));
    await redis.stop();
    await db.drop();
  };
  const [a, b] = started;
  if (a.status === 'rejected' || b.status === 'rejected') {
    await stopAll(started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])));
    throw a.status === 'rejected' ? a.reason : (b as PromiseRejectedResult).reason;
  }
  return { redis, db, a: a.value, b: b.value, stop: () => stopAll([a.value, b.value]) };
}
