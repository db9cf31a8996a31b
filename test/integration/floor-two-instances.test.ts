import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FloorView, ViewSnapshot } from '@yishi/protocol';
import { ApiClient, connected, emit, type YishiClientSocket } from '../support/client.ts';
import { setUpCouncil } from '../support/council.ts';
import { waitFor } from '../support/ports.ts';
import { startTwoInstances, type TwoInstances } from '../support/two-instances.ts';

const SKEW = fileURLToPath(new URL('../support/skewed-clock.mjs', import.meta.url));

/**
 * The floor across two real instances (Redis + PostgreSQL): hands raised at once on both land
 * once each, in one order that both instances' followers see and the database holds; calls made
 * on either instance move the same queue; and the timers read the database's clock, so instance
 * B, whose own clock runs 30 s behind, tells the same server time as A.
 */
describe('the floor on two instances', () => {
  let servers: TwoInstances;
  const sockets: YishiClientSocket[] = [];

  beforeAll(async () => {
    servers = await startTwoInstances({}, { NODE_OPTIONS: `--import ${SKEW}`, YISHI_TEST_CLOCK_SKEW_MS: '-30000' });
  }, 180_000);
  afterAll(async () => {
    for (const s of sockets) s.close();
    await servers?.stop();
  });

  it('keeps one queue, whichever instance each hand and each call goes through', async () => {
    const { a, b, db } = servers;
    const c = await setUpCouncil(a.url, a.setupUrl ?? b.setupUrl!);
    const m = await c.facilitator.ok('POST', '/api/meetings', { title: '两台服务器', startsAt: '2026-12-01T19:00:00+08:00', mode: 'hybrid' });
    const meetingId = m.id as string;
    const open = async (client: ApiClient, base: string, views?: Map<string, FloorView>) => {
      const s = client.socket({ base });
      sockets.push(s);
      if (views) {
        s.on('view', (v: ViewSnapshot) => {
          if (v.kind === 'floor' && v.meetingId === meetingId) {
            const held = views.get('v') as (FloorView & { version?: number }) | undefined;
            if (!held || (held.version ?? 0) < v.version) views.set('v', { ...v.data, version: v.version } as FloorView);
          }
        });
      }
      await connected(s);
      expect(await emit(s, 'meeting:join', { meetingId })).toMatchObject({ ok: true });
      return s;
    };
    const onA = new Map<string, FloorView>();
    const onB = new Map<string, FloorView>();
    const facA = await open(c.facilitator, a.url, onA);
    const facB = await open(c.facilitator, b.url, onB);
    expect((await emit(facA, 'meeting:transition', { meetingId, to: 'live' })).ok).toBe(true);
    expect((await emit(facB, 'floor:settings', { meetingId, residentsMaySpeak: true })).ok).toBe(true);

    // Ten members and four residents, half on each instance.
    const hands: YishiClientSocket[] = [];
    const twins: [YishiClientSocket, YishiClientSocket][] = [];
    for (let i = 0; i < 10; i++) {
      const made = await c.admin.ok('POST', '/api/council/members', { name: `成员${i}`, groupId: c.council.groups[i % 5].id, role: 'member' });
      const client = new ApiClient(a.url);
      await client.ok('POST', '/api/auth/link', { token: made.link.url.split('/signin/')[1] });
      const sA = await open(client, a.url);
      const sB = await open(client, b.url);
      hands.push(i % 2 === 0 ? sA : sB);
      twins.push([sA, sB]);
    }
    for (let i = 0; i < 4; i++) {
      const base = i % 2 === 0 ? a.url : b.url;
      const r = new ApiClient(base);
      await r.ok('POST', '/api/join', { code: m.joinCode, displayName: `居民${i}` });
      hands.push(await open(r, base));
    }

    // Every member raises a hand on both instances at the same moment, residents once each.
    const raised = await Promise.all([
      ...twins.flatMap(([sA, sB]) => [
        emit(sA, 'floor:raise', { meetingId, itemId: null, kind: 'speak' }),
        emit(sB, 'floor:raise', { meetingId, itemId: null, kind: 'speak' }),
      ]),
      ...hands.slice(10).map((s) => emit(s, 'floor:raise', { meetingId, itemId: null, kind: 'question' })),
    ]);
    expect(raised.filter((r) => r.ok)).toHaveLength(14);
    expect(raised.filter((r) => !r.ok).map((r) => !r.ok && r.error.code)).toEqual(Array(10).fill('already_in_queue'));

    const stored = async () =>
      (
        await db.sql(
          `SELECT id FROM floor_requests WHERE meeting_id = $1 AND state = 'waiting' ORDER BY CASE WHEN kind = 'point_of_order' THEN 0 ELSE 1 END, rank, requested_at, id`,
          [meetingId],
        )
      ).map((r: { id: string }) => r.id);
    const same = async (n: number) => {
      const want = await stored();
      expect(want).toHaveLength(n);
      await waitFor(
        () => [onA, onB].every((v) => JSON.stringify(v.get('v')?.queue.map((h) => h.id)) === JSON.stringify(want)),
        10_000,
        `both instances to show the ${n} hands`,
      );
      return want;
    };
    await same(14);

    // A member on B lowers their hand while the facilitator, on B, raises a point of order: it goes to the top on both.
    const hand1 = raised.find((r, i) => r.ok && (i === 2 || i === 3));
    if (!hand1?.ok) throw new Error('no hand for member 1');
    const [lowered, poo] = await Promise.all([
      emit(twins[1]![1], 'floor:lower', { meetingId, requestId: hand1.data.requestId }),
      emit(facB, 'floor:raise', { meetingId, itemId: null, kind: 'point_of_order' }),
    ]);
    expect(lowered.ok && poo.ok).toBe(true);
    const order = await same(14);
    expect(order[0]).toBe(poo.ok && poo.data.requestId);
    expect(order).not.toContain(hand1.data.requestId);

    const called: string[] = [];
    for (let i = 0; i < 4; i++) {
      const fac = i % 2 === 0 ? facA : facB;
      const r = await emit(fac, 'floor:call', { meetingId, itemId: null });
      if (!r.ok) throw new Error(JSON.stringify(r));
      called.push(r.data.requestId);
    }
    // The four at the head, in order, whichever instance called them; the rest wait as they were.
    expect(called).toEqual(order.slice(0, 4));
    expect(await same(10)).toEqual(order.slice(4));
    await waitFor(
      () => [onA, onB].every((v) => v.get('v')?.current?.id === called[3] && v.get('v')?.record.length === 3),
      10_000,
      'the same speaker on both',
    );
    expect(called[0]).toBe(poo.ok && poo.data.requestId); // the point of order first
    expect(onA.get('v')!.record.map((r) => r.id)).toEqual(called.slice(0, 3));
    expect(onB.get('v')!.record.map((r) => r.id)).toEqual(called.slice(0, 3));

    // The server time: B's own clock is 30 s behind, but timers are kept in the database's.
    const [tA, tB] = await Promise.all([emit(facA, 'floor:clock', { meetingId }), emit(facB, 'floor:clock', { meetingId })]);
    if (!tA.ok || !tB.ok) throw new Error('clock');
    expect(Math.abs(tA.data.serverTime - tB.data.serverTime)).toBeLessThan(1_000);
    const current = onB.get('v')!.current!;
    expect(Math.abs(tB.data.serverTime - current.startedAt)).toBeLessThan(10_000);
  });
});
