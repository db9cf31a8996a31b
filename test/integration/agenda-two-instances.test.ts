import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgendaView, ViewSnapshot } from '@yishi/protocol';
import { ApiClient, connected, emit, type YishiClientSocket } from '../support/client.ts';
import { setUpCouncil } from '../support/council.ts';
import { waitFor } from '../support/ports.ts';
import { startTwoInstances, type TwoInstances } from '../support/two-instances.ts';

/**
 * The agenda across two instances (Redis, PostgreSQL, two server processes): items come into the
 * document through proposals accepted on A (the server writes them, so no Yjs client is needed
 * here); the facilitator on A moves the current item; a resident following the agenda view on B
 * sees each move within a second.
 */
describe('the agenda view across two instances', () => {
  let servers: TwoInstances;
  const sockets: YishiClientSocket[] = [];

  beforeAll(async () => {
    servers = await startTwoInstances();
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await servers?.stop();
  });

  it('a current-item change on instance A reaches a viewer on instance B within a second', async () => {
    const { a, b } = servers;
    const c = await setUpCouncil(a.url, a.setupUrl ?? b.setupUrl!);
    const m = await c.facilitator.ok('POST', '/api/meetings', { title: '两实例议程', startsAt: '2026-12-01T19:00:00+08:00', mode: 'hybrid' });
    const open = async (client: ApiClient, base: string) => {
      const s = client.socket({ base });
      sockets.push(s);
      await connected(s);
      return s;
    };
    const fac = await open(c.facilitator, a.url);
    const mem = await open(c.member, a.url);

    // Two items, proposed by a member and accepted by the facilitator before the meeting.
    const ids: string[] = [];
    for (const title of ['小区停车', '加装电梯']) {
      const p = await emit(mem, 'agenda:propose', { meetingId: m.id, title, details: '', kind: 'discussion', minutes: 10 });
      if (!p.ok) throw new Error(JSON.stringify(p));
      const accepted = await emit(fac, 'agenda:accept', { proposalId: p.data.proposal.id });
      if (!accepted.ok) throw new Error(JSON.stringify(accepted));
      ids.push(accepted.data.proposal.itemId!);
    }
    expect(await emit(fac, 'meeting:transition', { meetingId: m.id, to: 'live' })).toMatchObject({ ok: true });
    expect(await emit(fac, 'meeting:join', { meetingId: m.id })).toMatchObject({ ok: true });

    // A resident on B: their join brings the agenda view; every push after it is recorded with its arrival time.
    const resident = new ApiClient(b.url);
    await resident.ok('POST', '/api/join', { code: m.joinCode, displayName: '刘阿姨' });
    const viewer = await open(resident, b.url);
    let latest: AgendaView | undefined;
    let latestVersion = -1;
    const arrivals: { at: number; data: AgendaView }[] = [];
    const keep = (v: ViewSnapshot) => {
      if (v.kind !== 'agenda' || v.meetingId !== m.id || v.version <= latestVersion) return;
      latestVersion = v.version;
      latest = v.data;
      arrivals.push({ at: Date.now(), data: v.data });
    };
    viewer.on('view', keep);
    const joined = await emit(viewer, 'meeting:join', { meetingId: m.id });
    if (!joined.ok) throw new Error(JSON.stringify(joined));
    joined.data.views.forEach(keep);
    // B's copy of the document may be a relay behind A's right after the accept: the view B
    // pushes once the update arrives must bring both items.
    await waitFor(() => latest?.items.length === 2, 3_000, "both items in B's agenda view");
    expect(latest?.items.map((i) => i.title)).toEqual(['小区停车', '加装电梯']);
    expect(latest?.currentItemId).toBeNull();

    // Each move on A: B's resident has it within a second.
    let version = latest!.runVersion;
    const delays: number[] = [];
    for (const move of ['next', 'next', 'previous'] as const) {
      const sent = Date.now();
      const r = await emit(fac, `agenda:${move}`, { meetingId: m.id, expectedVersion: version });
      if (!r.ok) throw new Error(JSON.stringify(r));
      version = r.data.version;
      const want = r.data.currentItemId;
      await waitFor(() => latest?.currentItemId === want && latest.runVersion === version, 5_000, `the ${move} on B`);
      delays.push(arrivals.at(-1)!.at - sent);
    }
    expect(latest!.items.find((i) => i.id === ids[0])).toMatchObject({ stage: 'discussing', endedAt: null });
    expect(latest!.items.find((i) => i.id === ids[1])!.endedAt).not.toBeNull();
    console.log(`agenda moves on A seen on B after ${delays.join(', ')} ms`);
    for (const d of delays) expect(d).toBeLessThan(1_000);
  });
});
