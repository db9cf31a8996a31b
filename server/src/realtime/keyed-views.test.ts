import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ViewSnapshot, type MeetingId } from '@yishi/protocol';
import { emit, type YishiClientSocket } from '../../../test/support/client.ts';
import { waitFor } from '../../../test/support/ports.ts';
import { JOIN_VIEW_KINDS } from '../../../test/support/views.ts';
import type { RunningApp } from '../app.ts';
import { defineView, type Feature } from '../core/feature.ts';
import { startWithTalliesFeature } from './view-feature-fixture.ts';

/**
 * Keyed views (one agenda item's view, not the whole meeting's), proved with a feature that
 * exists only here: its view is keyed by an item id. It takes the `tallies` kind (the protocol
 * validates kinds, and no real feature has a keyed view yet), so polls' own tallies are left out.
 */
const computed: string[] = [];
const itemsFeature: Feature = {
  name: 'test-items',
  views: [
    defineView({
      kind: 'tallies',
      keyed: true,
      action: 'meeting.view',
      compute: async ({ nextVersion }, _meetingId, key) => {
        computed.push(key!);
        return { version: await nextVersion(), data: { tallies: [] } };
      },
    }),
  ],
};
describe('keyed live views', () => {
  let app: RunningApp;
  let socket: YishiClientSocket;
  let meetingId: MeetingId;
  let pushed: ViewSnapshot[] = [];
  let close = async () => {};
  const keyedPushes = (key: string) => pushed.filter((v) => v.kind === 'tallies' && v.key === key);

  beforeAll(async () => {
    ({ app, socket, meetingId, pushed, close } = await startWithTalliesFeature(itemsFeature, { title: '议程', place: '会议室' }));
  });
  afterAll(() => close());

  it('a join returns the unkeyed views only; view:get takes a key exactly for a keyed view', async () => {
    const joined = await emit(socket, 'meeting:join', { meetingId });
    if (!joined.ok) throw new Error(JSON.stringify(joined));
    expect(joined.data.views.map((v) => v.kind).sort()).toEqual(JOIN_VIEW_KINDS.filter((k) => k !== 'tallies'));
    expect(joined.data.views.every((v) => !('key' in v))).toBe(true);
    expect(computed).toEqual([]);

    const a = await emit(socket, 'view:get', { meetingId, kind: 'tallies', key: 'A' });
    if (!a.ok) throw new Error(JSON.stringify(a));
    expect(ViewSnapshot.parse(a.data.view)).toMatchObject({ kind: 'tallies', meetingId, key: 'A', data: { tallies: [] } });
    expect(computed).toEqual(['A']);

    expect(await emit(socket, 'view:get', { meetingId, kind: 'tallies' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await emit(socket, 'view:get', { meetingId, kind: 'meeting', key: 'A' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });

  it("invalidating key A pushes A's snapshot only, and each key's versions increase", async () => {
    const { live } = app.services;
    computed.length = 0;
    live.invalidate(meetingId, 'tallies', 'A');
    const first = await waitFor(() => keyedPushes('A')[0], 5_000, "A's snapshot");
    expect(computed).toEqual(['A']);
    expect(keyedPushes('B')).toEqual([]);

    live.invalidate(meetingId, 'tallies', 'B');
    const b1 = await waitFor(() => keyedPushes('B')[0], 5_000, "B's snapshot");
    live.invalidate(meetingId, 'tallies', 'A');
    const second = await waitFor(() => keyedPushes('A')[1], 5_000, "A's second snapshot");
    expect(second.version).toBeGreaterThan(first.version);
    expect(keyedPushes('B')).toHaveLength(1);
    live.invalidate(meetingId, 'tallies', 'B');
    const b2 = await waitFor(() => keyedPushes('B')[1], 5_000, "B's second snapshot");
    expect(b2.version).toBeGreaterThan(b1.version);
    expect(computed).toEqual(['A', 'B', 'A', 'B']);
  });

  it('resends the keys it knows after a fan-out outage, and sweeps a key idle for a minute', async () => {
    const { live } = app.services;
    const views = [
      'meeting',
      'presence',
      'polls',
      'agenda',
      'consensus',
      'consensus_live',
      'floor',
      'opinions',
      'moderation',
      'tallies/A',
      'tallies/B',
    ];
    const count = () => new Map(views.map((v) => [v, pushed.filter((p) => (p.key ? `${p.kind}/${p.key}` : p.kind) === v).length]));
    const before = count();
    live.resendActive();
    // Every view of the followed meeting, the keys it knows of included, goes out again; once
    // all have arrived, nothing is scheduled or running (the sweep keeps views under way).
    await waitFor(() => views.every((v) => count().get(v)! > before.get(v)!), 5_000, 'every view resent');
    live.sweep(Date.now() + 61_000);
    expect(live.size).toEqual({ keys: 0, snapshots: 0 });
    // With its snapshot gone, asking for A again computes it afresh.
    computed.length = 0;
    const again = await emit(socket, 'view:get', { meetingId, kind: 'tallies', key: 'A' });
    expect(again).toMatchObject({ ok: true, data: { view: { key: 'A' } } });
    expect(computed).toEqual(['A']);
  });
});
