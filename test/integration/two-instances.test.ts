import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, connected, emit, trackViews, viewOf, joinTracking, type YishiClientSocket } from '../support/client.ts';
import { setUpCouncil } from '../support/council.ts';
import { waitFor } from '../support/ports.ts';
import type { TestRedis } from '../support/redis.ts';
import type { ServerProcess } from '../support/server-process.ts';
import { startTwoInstances, type TwoInstances } from '../support/two-instances.ts';

/**
 * The scale-out topology of docker-compose.yml, with processes: two server instances sharing a
 * real Redis (the test's own, on a free port) and a PostgreSQL database made fresh for this run.
 */
describe('two instances sharing Redis and PostgreSQL', () => {
  let servers: TwoInstances;
  let redis: TestRedis;
  let a: ServerProcess;
  let b: ServerProcess;
  const sockets: YishiClientSocket[] = [];
  const shared = {} as { facilitatorSocket: YishiClientSocket; residentViews: ReturnType<typeof trackViews>; meetingId: string };

  beforeAll(async () => {
    servers = await startTwoInstances();
    ({ redis, a, b } = servers);
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await servers?.stop();
  });

  it('both report PostgreSQL and Redis, and print the same setup link', async () => {
    for (const inst of [a, b]) {
      expect(await (await fetch(`${inst.url}/healthz`)).json()).toMatchObject({ status: 'ok', storage: 'postgres', fanout: 'redis' });
    }
    expect(a.setupUrl).toBeTruthy();
    expect(new URL(a.setupUrl!).searchParams.get('token')).toBe(new URL(b.setupUrl!).searchParams.get('token'));
  });

  it('a resident on A sees, within a second, the meeting started by a facilitator on B; presence counts both', async () => {
    const c = await setUpCouncil(b.url, b.setupUrl!);
    const m = await c.facilitator.ok('POST', '/api/meetings', { title: '跨实例议事', startsAt: '2026-12-01T19:00:00+08:00', mode: 'online' });

    // The resident joins through A, with A's origin; the facilitator works through B.
    const resident = new ApiClient(a.url);
    await resident.ok('POST', '/api/join', { code: m.joinCode, displayName: '居民A' });
    const rs = resident.socket();
    sockets.push(rs);
    const rViews = await joinTracking(rs, m.id);

    // A second resident on B, a member on A: presence must include people on both instances.
    const resident2 = new ApiClient(b.url);
    await resident2.ok('POST', '/api/join', { code: m.joinCode, displayName: '居民B' });
    const r2 = resident2.socket();
    sockets.push(r2);
    await connected(r2);
    await emit(r2, 'meeting:join', { meetingId: m.id });

    const fs = c.facilitator.socket({ base: b.url });
    sockets.push(fs);
    const fViews = trackViews(fs);
    await connected(fs);
    await emit(fs, 'meeting:join', { meetingId: m.id });

    await waitFor(
      () => {
        const p = viewOf(rViews, m.id, 'presence')?.data;
        return p && p.residents === 2 && p.members.some((x) => x.memberId === c.facilitatorId);
      },
      3000,
      'presence across both instances',
    );

    const sentAt = Date.now();
    const r = await emit(fs, 'meeting:transition', { meetingId: m.id, to: 'live' });
    expect(r.ok).toBe(true);
    await waitFor(() => viewOf(rViews, m.id, 'meeting')?.data.state === 'live', 1000, 'the resident on A to see live');
    const latency = Date.now() - sentAt;
    expect(latency).toBeLessThan(1000);

    // A member signed in on A (a session made on B is valid on A: one database).
    const ms = c.member.socket({ base: a.url, origin: a.url });
    sockets.push(ms);
    await connected(ms);
    await emit(ms, 'meeting:join', { meetingId: m.id });
    await waitFor(() => viewOf(fViews, m.id, 'presence')?.data.members.length === 2, 3000, 'the facilitator on B to see the member on A');
    expect(viewOf(fViews, m.id, 'presence')!.data.residents).toBe(2);

    // The admin, on B, revokes the member's link: the member's connection on A ends too.
    const dropped = new Promise<string>((resolve) => ms.once('disconnect', resolve));
    await c.admin.ok('DELETE', `/api/council/members/${c.memberId}/link`);
    expect(await dropped).toBe('io server disconnect');
    await waitFor(() => viewOf(fViews, m.id, 'presence')?.data.members.length === 1, 3000, 'the revoked member to leave attendance');
    Object.assign(shared, { facilitatorSocket: fs, residentViews: rViews, meetingId: m.id });
  });

  it('heals after Redis restarts: later changes reach the other instance again', async () => {
    const { facilitatorSocket, residentViews, meetingId } = shared;
    await redis.stop();
    await redis.start();
    for (const inst of [a, b]) expect((await fetch(`${inst.url}/healthz`)).status).toBe(200);
    // Fan-out is at-most-once: changes made while Redis was away may be lost, but once node-redis has
    // reconnected and re-subscribed, the next change arrives. Keep changing until it does.
    let state: string = viewOf(residentViews, meetingId, 'meeting')!.data.state;
    const target = await waitFor(
      async () => {
        const to = state === 'live' ? 'adjourned' : 'live';
        const r = await emit(facilitatorSocket, 'meeting:transition', { meetingId, to });
        if (!r.ok) return undefined;
        state = to;
        const seen = await waitFor(() => viewOf(residentViews, meetingId, 'meeting')?.data.state === to, 1500, 'relay').catch(() => false);
        return seen ? to : undefined;
      },
      20_000,
      'a change on B to reach A after the Redis restart',
    );
    expect(['live', 'adjourned']).toContain(target);
  });
});
