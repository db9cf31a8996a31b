import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ViewSnapshot, type MeetingId } from '@yishi/protocol';
import { connected, emit, type YishiClientSocket } from '../../../test/support/client.ts';
import { setUpCouncil } from '../../../test/support/council.ts';
import { waitFor } from '../../../test/support/ports.ts';
import { startApp, type RunningApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { defineView, type Feature } from '../core/feature.ts';
import { FEATURES } from '../features/index.ts';
import { createLogger } from '../log.ts';

/**
 * A live view whose computation fails for a passing reason is computed again and pushed, not left
 * out until the next change. Proved with a feature that exists only here: its view (it takes the
 * `tallies` kind, which the protocol knows, in place of the polls feature's own) fails as many
 * times as `failNext` says, then succeeds.
 */
let failNext = 0;
let computations = 0;
const flakyFeature: Feature = {
  name: 'test-flaky',
  views: [
    defineView({
      kind: 'tallies',
      action: 'meeting.view',
      compute: async ({ nextVersion }) => {
        computations++;
        if (failNext > 0) {
          failNext--;
          throw new Error('a passing failure (a busy instance, a dropped connection)');
        }
        return { version: await nextVersion(), data: { tallies: [] } };
      },
    }),
  ],
};
const features: Feature[] = [
  ...FEATURES.map((f) => (f.name === 'polls' ? { ...f, views: f.views?.filter((v) => v.kind !== 'tallies') } : f)),
  flakyFeature,
];

describe('a live view that fails to compute', () => {
  let app: RunningApp;
  let dir: string;
  let socket: YishiClientSocket;
  let meetingId: MeetingId;
  const pushed: ViewSnapshot[] = [];
  const talliesPushed = () => pushed.filter((v) => v.kind === 'tallies');

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'yishi-retry-'));
    app = await startApp(loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, LOG_LEVEL: 'error' }), createLogger('error'), features);
    const url = `http://127.0.0.1:${(app.http.address() as { port: number }).port}`;
    const c = await setUpCouncil(url, app.setupUrl!);
    const m = await c.facilitator.ok('POST', '/api/meetings', { title: '重试', startsAt: '2026-12-01T19:00:00+08:00', mode: 'hybrid' });
    meetingId = m.id;
    socket = c.facilitator.socket();
    socket.on('view', (v) => pushed.push(ViewSnapshot.parse(v)));
    await connected(socket);
  });
  afterAll(async () => {
    socket?.close();
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('failing once during meeting:join, it is left out of the ack and pushed soon after', async () => {
    failNext = 1;
    const joined = await emit(socket, 'meeting:join', { meetingId });
    if (!joined.ok) throw new Error(JSON.stringify(joined));
    // The join does not fail for it: the other views are there, this one is not.
    expect(joined.data.views.map((v) => v.kind).sort()).toEqual([
      'agenda',
      'consensus',
      'consensus_live',
      'floor',
      'meeting',
      'moderation',
      'opinions',
      'polls',
      'presence',
    ]);
    expect(failNext).toBe(0);
    // Nothing else changes in this meeting: only a retry can bring it.
    const view = await waitFor(() => talliesPushed()[0], 5_000, 'the tallies view pushed after the failed join');
    expect(view).toMatchObject({ kind: 'tallies', meetingId, data: { tallies: [] } });
  });

  it('failing twice in a broadcast, it is tried again with a pause and then pushed', async () => {
    const before = talliesPushed().length;
    const started = computations;
    failNext = 2;
    app.services.live.invalidate(meetingId, 'tallies');
    await waitFor(() => talliesPushed().length > before, 10_000, 'the tallies view pushed after two failures');
    expect(computations - started).toBe(3);
    expect(failNext).toBe(0);
  });
});
