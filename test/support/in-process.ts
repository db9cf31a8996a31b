import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startApp, type RunningApp } from '../../server/src/app.ts';
import { hashToken, newToken } from '../../server/src/auth/tokens.ts';
import { loadConfig } from '../../server/src/config.ts';
import { createLogger, type LogSink } from '../../server/src/log.ts';
import { ApiClient } from './client.ts';

/** One Yishi instance inside the test process, on a free port and a fresh PGlite folder (or the env given). */
export async function startInProcess(
  env: Record<string, string> = {},
  log: LogSink = createLogger('error'),
): Promise<RunningApp & { dispose(): Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'yishi-app-'));
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, LOG_LEVEL: 'error', ...env });
  const app = await startApp(config, log);
  const { port } = app.http.address() as { port: number };
  return {
    ...app,
    url: `http://127.0.0.1:${port}`,
    dispose: async () => {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The admin of a second council (隔壁社区, 赵主任) on the same instance, signed in through a
 * session made in the store: the stranger of the tests that councils stay apart.
 */
export async function adminOfAnotherCouncil(app: RunningApp & { url: string }): Promise<ApiClient> {
  const other = await app.services.store.councils.create('隔壁社区', '赵主任');
  const token = newToken();
  await app.services.store.sessions.create(hashToken(token), { memberId: other.adminId });
  const stranger = new ApiClient(app.url);
  stranger.cookie = `yishi_session=${token}`;
  return stranger;
}
