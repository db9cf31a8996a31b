import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ViewSnapshot, type MeetingId } from '@yishi/protocol';
import { connected, type YishiClientSocket } from '../../../test/support/client.ts';
import { setUpCouncil } from '../../../test/support/council.ts';
import { startApp, type RunningApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import type { Feature } from '../core/feature.ts';
import { FEATURES } from '../features/index.ts';
import { createLogger } from '../log.ts';

/**
 * What the live-view tests start from that prove a behaviour with a feature of their own: its view
 * takes the `tallies` kind (the protocol validates kinds), so the polls feature's own tallies view
 * is left out. An embedded app with those features on a fresh data directory, the council of
 * setUpCouncil, a hybrid meeting, and the facilitator's socket, connected but not yet joined,
 * recording every view pushed to it. Call in beforeAll and `close()` in afterAll.
 */
export async function startWithTalliesFeature(testFeature: Feature, meeting: { title: string; place?: string }) {
  const features: Feature[] = [
    ...FEATURES.map((f) => (f.name === 'polls' ? { ...f, views: f.views?.filter((v) => v.kind !== 'tallies') } : f)),
    testFeature,
  ];
  const dir = mkdtempSync(path.join(tmpdir(), `yishi-${testFeature.name}-`));
  let app: RunningApp | undefined;
  let socket: YishiClientSocket | undefined;
  const close = async () => {
    socket?.close();
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    app = await startApp(loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, LOG_LEVEL: 'error' }), createLogger('error'), features);
    const url = `http://127.0.0.1:${(app.http.address() as { port: number }).port}`;
    const c = await setUpCouncil(url, app.setupUrl!);
    const m = await c.facilitator.ok('POST', '/api/meetings', { ...meeting, startsAt: '2026-12-01T19:00:00+08:00', mode: 'hybrid' });
    const pushed: ViewSnapshot[] = [];
    socket = c.facilitator.socket();
    socket.on('view', (v) => pushed.push(ViewSnapshot.parse(v)));
    await connected(socket);
    return { app, socket, meetingId: m.id as MeetingId, pushed, close };
  } catch (err) {
    await close();
    throw err;
  }
}
