import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PollView } from '@yishi/protocol';
import { emit } from '../../../../test/support/client.ts';
import { rollCallMembersMotion, setUpPollMeeting, type PollMeeting } from '../../../../test/support/poll-meeting.ts';
import { waitFor } from '../../../../test/support/ports.ts';

/** Closing a meeting closes its open polls, recording their outcomes, and freezes its record. */
describe('a closed meeting', () => {
  let setup: PollMeeting;
  let c: PollMeeting['c'];

  beforeAll(async () => {
    setup = await setUpPollMeeting();
    c = setup.c;
  });
  afterAll(() => setup?.dispose());

  it('closes its open polls with their outcomes, then refuses every write with meeting_closed', async () => {
    const m = await setup.newMeeting('闭会');
    const fac = await setup.open(c.facilitator, m.id);
    const mem = await setup.open(c.member, m.id);
    expect(await emit(fac.s, 'meeting:transition', { meetingId: m.id, to: 'live' })).toMatchObject({ ok: true });
    const create = (title: string) =>
      emit(fac.s, 'poll:create', {
        meetingId: m.id,
        title,
        ...rollCallMembersMotion,
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
    const view = (id: string) => setup.pollView(fac.views, m.id, id);
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
