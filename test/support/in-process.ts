import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startApp, type RunningApp } from '../../server/src/app.ts';
import { loadConfig } from '../../server/src/config.ts';
import { createLogger, type LogSink } from '../../server/src/log.ts';

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
