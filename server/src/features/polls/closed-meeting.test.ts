import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PollView } from '@yishi/protocol';
import { ApiClient, applyViews, connected, emit, pollsOf, trackViews, type YishiClientSocket } from '../../../../test/support/client.ts';
import { setUpCouncil } from '../../../../test/support/council.ts';
import { startInProcess } from '../../../../test/support/in-process.ts';
import { waitFor } from '../../../../test/support/ports.ts';

const majority = { share: { kind: 'simple_majority' }, base: 'ballots_cast', abstentions: 'excluded' } as const;

/** Closing a meeting closes its open polls, recording their outcomes, and freezes its record. */
describe('a closed meeting', () => {
  let app: Awaited<ReturnType<typeof startInProcess>>;
  let c: Awaited<ReturnType<typeof setUpCouncil>>;
  const sockets: YishiClientSocket[] = [];
  const open = async (client: ApiClient, meetingId: string) => {
    const s = client.socket();
    sockets.push(s);
    const views = trackViews(s);
    await connected(s);
    const r = await emit(s, 'meeting:join', { meetingId });
    if (!r.ok) throw new Error(JSON.stringify(r));
    applyViews(views, r.data.views);
    return { s, views };
  };

  beforeAll(async () => {
    app = await startInProcess();
    c = await setUpCouncil(app.url, app.setupUrl!);
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await app?.dispose();
  });

  it('closes its open polls with their outcomes, then refuses every write with meeting_closed', async () => {
    const m = await c.facilitator.ok('POST', '/api/meetings', { title: '闭会', startsAt: '2026-12-01T19:00:00+08:00', mode: 'hybrid' });
    const fac = await open(c.facilitator, m.id);
    const mem = await open(c.member, m.id);
    expect(await emit(fac.s, 'meeting:transition', { meetingId: m.id, to: 'live' })).toMatchObject({ ok: true });
    const create = (title: string) =>
      emit(fac.s, 'poll:create', {
        meetingId: m.id,
        title,
        kind: 'motion',
        eligibility: 'members',
        secrecy: 'roll_call',
        results: 'live',
        rule: { quorum: { kind: 'none' }, threshold: majority },
      });
    const p1 = await create('加装电梯');
    const p2 = await create('草稿议题');
    if (!p1.ok || !p2.ok) throw new Error('create failed');
    const openId = p1.data.poll.definition.id;
    const draftId = p2.data.poll.definition.id;
    expect(await emit(fac.s, 'poll:open', { pollId: openId })).toMatchObject({ ok: true });
    expect(
      await emit(mem.s, 'ballot:cast', { pollId: openId, choice: { kind: 'motion', choice: 'yes' }, idempotencyKey: randomUUID() }),
    ).toMatchObject({ ok: true });

    expect(await emit(fac.s, 'meeting:transition', { meetingId: m.id, to: 'closed' })).toMatchObject({ ok: true });

    // The open poll was closed with its outcome recorded as a decision.
    const view = (id: string) => pollsOf(fac.views, m.id)?.polls.find((p: PollView) => p.poll.definition.id === id);
    await waitFor(() => view(openId)?.poll.state === 'closed', 3_000, 'the open poll to be closed');
    expect(view(openId)!.decision).not.toBeNull();
    expect(view(openId)!.tally.electorates.find((e) => e.electorate === 'members')?.outcome).toMatchObject({ kind: 'passed' });
    expect(view(draftId)?.poll.state).toBe('draft');

    // Every later write is refused, with a typed error, and changes nothing.
    const refused = { ok: false, error: { code: 'meeting_closed' } };
    expect(await create('闭会后')).toMatchObject(refused);
    expect(await emit(fac.s, 'poll:open', { pollId: draftId })).toMatchObject(refused);
    expect(await emit(fac.s, 'poll:close', { pollId: openId })).toMatchObject(refused);
    expect(
      await emit(fac.s, 'ballot:cast', { pollId: openId, choice: { kind: 'motion', choice: 'no' }, idempotencyKey: randomUUID() }),
    ).toMatchObject(refused);
    expect(
      await emit(fac.s, 'inroom:set', { pollId: openId, electorate: 'members', ballots: 1, counts: [{ option: 'no', count: 1 }] }),
    ).toMatchObject(refused);
    expect(await emit(fac.s, 'codes:issue', { meetingId: m.id, count: 3 })).toMatchObject(refused);
    expect(await emit(fac.s, 'attendance:mark', { meetingId: m.id, memberId: c.memberId, inRoom: true })).toMatchObject(refused);
    const patched = await c.facilitator.call('PATCH', `/api/meetings/${m.id}`, { title: '改名' });
    expect(patched).toMatchObject({ status: 409, body: { error: { code: 'meeting_closed' } } });

    const after = await emit(fac.s, 'view:get', { meetingId: m.id, kind: 'polls' });
    if (!after.ok) throw new Error(JSON.stringify(after));
    const polls = (after.data.view.data as { polls: PollView[] }).polls;
    expect(polls.map((p) => [p.poll.definition.title, p.poll.state])).toEqual(
      expect.arrayContaining([
        ['加装电梯', 'closed'],
        ['草稿议题', 'draft'],
      ]),
    );
    expect(polls).toHaveLength(2);
    const decided = polls.find((p) => p.poll.definition.id === openId)!;
    expect(decided.tally.electorates.find((e) => e.electorate === 'members')?.turnout).toBe(1);
  });
});
