import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { agendaRoom, type Proposal } from '@yishi/protocol';
import { ApiClient, connected, emit, type YishiClientSocket } from '../../../../test/support/client.ts';
import { setUpPollMeeting, type PollMeeting } from '../../../../test/support/poll-meeting.ts';
import { waitFor } from '../../../../test/support/ports.ts';

/**
 * Members' proposals (rows, not Yjs): a member proposes before the meeting; editors see every
 * proposal, the proposer only their own; an editor declines with a reason the proposer sees, or
 * accepts (agenda.test.ts: the item goes into the document). Refusals are typed and change nothing.
 */
describe('agenda proposals', () => {
  let setup: PollMeeting;
  let c: PollMeeting['c'];
  let secretary: ApiClient;
  let other: { id: string; client: ApiClient };
  const sockets: YishiClientSocket[] = [];

  const socketOf = async (client: ApiClient) => {
    const s = client.socket();
    sockets.push(s);
    await connected(s);
    return s;
  };

  beforeAll(async () => {
    setup = await setUpPollMeeting();
    c = setup.c;
    secretary = (await setup.addMember('陈记录', 'secretary')).client;
    other = await setup.addMember('赵委员');
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await setup?.dispose();
  });

  const body = (meetingId: string, title = '三号楼加装电梯') => ({ meetingId, title, details: '业主联名\n共 42 户', kind: 'decision', minutes: 20 });

  it('takes a member proposal before the meeting; editors see all, a member only their own, a resident none', async () => {
    const m = await setup.newMeeting('提议会');
    const mem = await socketOf(c.member);
    const oth = await socketOf(other.client);
    const sec = await socketOf(secretary);
    const fac = await socketOf(c.facilitator);
    const nudges: string[] = [];
    mem.on('agenda:proposals-changed', ({ meetingId }) => nudges.push(meetingId));

    const r = await emit(mem, 'agenda:propose', body(m.id));
    if (!r.ok) throw new Error(JSON.stringify(r));
    expect(r.data.proposal).toMatchObject({
      state: 'pending',
      title: '三号楼加装电梯',
      details: '业主联名\n共 42 户',
      kind: 'decision',
      minutes: 20,
      proposer: { name: '张业主' },
    });
    const mine = await emit(oth, 'agenda:propose', body(m.id, '停车位'));
    expect(mine.ok).toBe(true);
    // The proposer's own sockets hear that proposals changed (no content), even without joining the meeting.
    await waitFor(() => nudges.length > 0, 2_000, 'the proposals-changed nudge');

    const titles = (res: Awaited<ReturnType<typeof emit<'agenda:proposals'>>>) => (res.ok ? res.data.proposals.map((p) => p.title) : res.error.code);
    expect(titles(await emit(sec, 'agenda:proposals', { meetingId: m.id }))).toEqual(['三号楼加装电梯', '停车位']);
    expect(titles(await emit(fac, 'agenda:proposals', { meetingId: m.id }))).toEqual(['三号楼加装电梯', '停车位']);
    expect(titles(await emit(mem, 'agenda:proposals', { meetingId: m.id }))).toEqual(['三号楼加装电梯']);
    expect(titles(await emit(oth, 'agenda:proposals', { meetingId: m.id }))).toEqual(['停车位']);

    const resident = new ApiClient(setup.app.url);
    await resident.ok('POST', '/api/join', { code: m.joinCode, displayName: '刘阿姨' });
    const res = await socketOf(resident);
    expect(await emit(res, 'agenda:proposals', { meetingId: m.id })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await emit(res, 'agenda:propose', body(m.id))).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('lets an editor decline with a reason the proposer then reads; a second decision is refused', async () => {
    const m = await setup.newMeeting('婉拒');
    const mem = await socketOf(c.member);
    const sec = await socketOf(secretary);
    const p = await emit(mem, 'agenda:propose', body(m.id));
    if (!p.ok) throw new Error(JSON.stringify(p));
    const id = p.data.proposal.id;

    // A member cannot decide proposals, not even their own; bad input is refused at the edge.
    expect(await emit(mem, 'agenda:decline', { proposalId: id, reason: '不要了' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await emit(sec, 'agenda:decline', { proposalId: id, reason: '  ' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await emit(sec, 'agenda:decline', { proposalId: id, reason: 'x'.repeat(501) })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
    expect(await emit(sec, 'agenda:decline', { proposalId: '00000000-0000-4000-8000-000000000000', reason: '无' })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });

    const declined = await emit(sec, 'agenda:decline', { proposalId: id, reason: '本次会议时间不够，下次再议' });
    expect(declined).toMatchObject({ ok: true, data: { proposal: { state: 'declined', reason: '本次会议时间不够，下次再议' } } });
    expect(await emit(sec, 'agenda:decline', { proposalId: id, reason: '再次' })).toMatchObject({ ok: false, error: { code: 'proposal_decided' } });
    expect(await emit(sec, 'agenda:accept', { proposalId: id })).toMatchObject({ ok: false, error: { code: 'proposal_decided' } });

    const seen = await emit(mem, 'agenda:proposals', { meetingId: m.id });
    expect(seen.ok && seen.data.proposals.map((x: Proposal) => [x.state, x.reason])).toEqual([['declined', '本次会议时间不够，下次再议']]);
  });

  it('refuses proposals once the meeting has started, bad ones at any time, and decisions once it is closed', async () => {
    const m = await setup.newMeeting('已开始');
    const fac = await socketOf(c.facilitator);
    const mem = await socketOf(c.member);
    expect(await emit(mem, 'agenda:propose', { ...body(m.id), minutes: 601 })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await emit(mem, 'agenda:propose', { ...body(m.id), kind: 'vote' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await emit(mem, 'agenda:propose', { ...body(m.id), title: '\u200b' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    const early = await emit(mem, 'agenda:propose', body(m.id, '早到的提议'));
    if (!early.ok) throw new Error(JSON.stringify(early));
    expect(await emit(fac, 'meeting:transition', { meetingId: m.id, to: 'live' })).toMatchObject({ ok: true });
    expect(await emit(mem, 'agenda:propose', body(m.id))).toMatchObject({ ok: false, error: { code: 'proposals_closed' } });
    // A closed meeting's proposals are no longer decided either.
    expect(await emit(fac, 'meeting:transition', { meetingId: m.id, to: 'closed' })).toMatchObject({ ok: true });
    const proposalId = early.data.proposal.id;
    expect(await emit(fac, 'agenda:decline', { proposalId, reason: '太晚了' })).toMatchObject({ ok: false, error: { code: 'meeting_closed' } });
    expect(await emit(fac, 'agenda:accept', { proposalId })).toMatchObject({ ok: false, error: { code: 'meeting_closed' } });
    // The document was not touched.
    expect(await setup.app.services.docs.read(agendaRoom(m.id), (doc) => Y.encodeStateVector(doc).length)).toBe(1);
    const seen = await emit(fac, 'agenda:proposals', { meetingId: m.id });
    expect(seen.ok && seen.data.proposals.map((p) => [p.title, p.state])).toEqual([['早到的提议', 'pending']]);
  });
});
