import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsensusCheck } from '@yishi/protocol';
import { consensusOf, emit, viewOf } from '../../../../test/support/client.ts';
import { waitFor } from '../../../../test/support/ports.ts';
import { secretMembersMotion, setUpPollMeeting, type JoinedSocket, type PollMeeting } from '../../../../test/support/poll-meeting.ts';
import { addAgendaItems } from './agenda-items-fixture.ts';

/**
 * An admin edits the council (groups renamed, added, removed; a member renamed or added) while a
 * meeting is live: every phone following it sees the edit in the views that show the council's
 * set-up (consensus, consensus_live, presence, floor, the polls' members electorate) without
 * waiting for something else to change them. Over the real protocol: the edit through the HTTP
 * routes of the council settings, the views as a joined socket is sent them.
 */
describe('council edits reach the live views of its meetings', () => {
  let setup: PollMeeting;
  let meetingId: string;
  let phone: JoinedSocket;
  let fac: JoinedSocket;

  const checkOf = (checkId: string): ConsensusCheck | undefined => consensusOf(phone.views, meetingId)?.checks.find((c) => c.id === checkId);
  const groupName = (checkId: string, groupId: string) => checkOf(checkId)?.figures.groups.find((g) => g.groupId === groupId)?.name;
  const open = async (body: Record<string, unknown> = {}) => {
    const r = await emit(fac.s, 'consensus:open', { meetingId, itemId: 'item-1', proposal: '增设非机动车停放区', ...body });
    if (!r.ok) throw new Error(JSON.stringify(r));
    return r.data.checkId;
  };

  beforeAll(async () => {
    setup = await setUpPollMeeting();
    ({ id: meetingId } = await setup.newMeeting('协商会'));
    await addAgendaItems(setup.app.services.docs, meetingId, 'item-1');
    fac = await setup.open(setup.c.facilitator, meetingId);
    phone = await setup.open(setup.c.member, meetingId);
    expect(await emit(fac.s, 'meeting:transition', { meetingId, to: 'live' })).toMatchObject({ ok: true });
  }, 60_000);
  afterAll(async () => {
    await setup?.dispose();
  });

  it('a group renamed in the council settings is renamed in the consensus view of a live meeting', async () => {
    const checkId = await open();
    const group = setup.c.council.groups[1]!;
    await waitFor(() => groupName(checkId, group.id), 5_000, 'the check with its groups');
    // A position first, so that the consensus_live view exists too (the web shows both together).
    expect(await emit(phone.s, 'consensus:position', { checkId, level: 1, idempotencyKey: crypto.randomUUID() })).toMatchObject({ ok: true });
    await waitFor(() => checkOf(checkId)?.figures.participants === 1, 5_000, 'the position in the view');

    await setup.c.admin.ok('PATCH', `/api/council/groups/${group.id}`, { name: '业委会（新）' });
    await waitFor(() => groupName(checkId, group.id) === '业委会（新）', 5_000, 'the new group name in the consensus view');
    // And a later position keeps it (the live figures are expanded with the full view's names).
    expect(await emit(phone.s, 'consensus:position', { checkId, level: 2, idempotencyKey: crypto.randomUUID() })).toMatchObject({ ok: true });
    const full = viewOf(phone.views, meetingId, 'consensus')!.version;
    await waitFor(() => (viewOf(phone.views, meetingId, 'consensus_live')?.version ?? 0) > full, 5_000, 'the live figures after the rename');
    expect(groupName(checkId, group.id)).toBe('业委会（新）');
  });

  it('a group added, then removed, shows in the consensus figures, the presence view and the floor balance, then goes', async () => {
    const checkId = await open();
    await waitFor(() => checkOf(checkId), 5_000, 'the check');
    const council = await setup.c.admin.ok('POST', '/api/council/groups', { name: '新成立的小组' });
    const added = (council.groups as { id: string; name: string }[]).find((g) => g.name === '新成立的小组')!;
    await waitFor(() => groupName(checkId, added.id) === '新成立的小组', 5_000, 'the new group in the consensus figures');
    await waitFor(() => viewOf(phone.views, meetingId, 'presence')?.data.groups.some((g) => g.id === added.id), 5_000, 'the new group in presence');
    await waitFor(
      () => viewOf(phone.views, meetingId, 'floor')?.data.balance.some((r) => r.group === added.id),
      5_000,
      'the new group in the floor balance',
    );

    await setup.c.admin.ok('DELETE', `/api/council/groups/${added.id}`);
    await waitFor(() => checkOf(checkId) && groupName(checkId, added.id) === undefined, 5_000, 'the group gone from the consensus figures');
    await waitFor(
      () => viewOf(phone.views, meetingId, 'presence')?.data.groups.every((g) => g.id !== added.id),
      5_000,
      'the group gone from presence',
    );
    await waitFor(
      () => viewOf(phone.views, meetingId, 'floor')?.data.balance.every((r) => r.group !== added.id),
      5_000,
      'the group gone from the floor balance',
    );
  });

  it("a member renamed is renamed in a named check's positions", async () => {
    const checkId = await open({ named: true });
    expect(await emit(phone.s, 'consensus:position', { checkId, level: 1, idempotencyKey: crypto.randomUUID() })).toMatchObject({ ok: true });
    await waitFor(() => checkOf(checkId)?.positions?.some((p) => p.name === '张业主'), 5_000, 'the named position');
    await setup.c.admin.ok('PATCH', `/api/council/members/${setup.c.memberId}`, { name: '张业主（改名）' });
    await waitFor(() => checkOf(checkId)?.positions?.some((p) => p.name === '张业主（改名）'), 5_000, 'the new name in the named check');
  });

  it("a member added while a members' poll is open counts in its electorate at once", async () => {
    const r = await emit(fac.s, 'poll:create', { meetingId, title: '加装电梯', ...secretMembersMotion });
    if (!r.ok) throw new Error(JSON.stringify(r));
    const pollId = r.data.poll.definition.id;
    expect(await emit(fac.s, 'poll:open', { pollId })).toMatchObject({ ok: true });
    const size = () => setup.pollView(phone.views, meetingId, pollId)?.tally.electorates.find((e) => e.electorate === 'members')?.electorateSize;
    // Both views of the opened poll arrived (computed before the member is added).
    await waitFor(
      () =>
        setup.pollView(phone.views, meetingId, pollId)?.poll.state === 'open' &&
        viewOf(phone.views, meetingId, 'tallies')?.data.tallies.some((t) => t.pollId === pollId),
      5_000,
      'the open poll in the polls and tallies views',
    );
    const before = size()!;
    await setup.addMember('新来的成员');
    await waitFor(() => size() === before + 1, 5_000, "the new member in the poll's electorate");
  });
});
