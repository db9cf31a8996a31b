import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsensusCheck } from '@yishi/protocol';
import { ApiClient, consensusOf, emit, viewOf } from '../../../../test/support/client.ts';
import { waitFor } from '../../../../test/support/ports.ts';
import { setUpPollMeeting, type JoinedSocket, type PollMeeting } from '../../../../test/support/poll-meeting.ts';
import { addAgendaItems } from './agenda-items-fixture.ts';

/**
 * Consensus checks in process (issue 12): each event and each typed error, the live view
 * (counts only, small groups hidden), rounds, close destroying an anonymous check's positions,
 * and a failed check turned into a motion poll.
 */
describe('consensus checks', () => {
  let setup: PollMeeting;
  let meetingId: string;
  let joinCode: string;
  let fac: JoinedSocket;
  /** Members by group index: g0 x3 (admin + 2), g1 x3 (facilitator + 2), g2 x2 (张业主 + 1): 物业 (g2) is small. */
  const people: { name: string; client: ApiClient; group: number; s?: JoinedSocket }[] = [];
  const key = () => randomUUID();
  const addItems = (mid: string, ...ids: string[]) => addAgendaItems(setup.app.services.docs, mid, ...ids);

  const checkOf = (j: JoinedSocket, checkId: string): ConsensusCheck | undefined =>
    consensusOf(j.views, meetingId)?.checks.find((c) => c.id === checkId);
  const position = (j: JoinedSocket, checkId: string, level: number, reason?: string) =>
    emit(j.s, 'consensus:position', { checkId, level, idempotencyKey: key(), ...(reason ? { reason } : {}) });
  const open = async (body: Record<string, unknown> = {}) => {
    const r = await emit(fac.s, 'consensus:open', { meetingId, itemId: 'item-1', proposal: '在小区东门增设非机动车停放区。', ...body });
    if (!r.ok) throw new Error(JSON.stringify(r));
    return r.data.checkId;
  };

  beforeAll(async () => {
    setup = await setUpPollMeeting();
    const { c } = setup;
    ({ id: meetingId, joinCode } = await setup.newMeeting('协商会'));
    await addItems(meetingId, 'item-1');
    const groups = c.council.groups;
    people.push(
      { name: '王主任', client: c.admin, group: 0 },
      { name: '李主持', client: c.facilitator, group: 1 },
      { name: '张业主', client: c.member, group: 2 },
    );
    for (const [name, group] of [
      ['陈一', 0],
      ['陈二', 0],
      ['林一', 1],
      ['林二', 1],
      ['周物业', 2],
    ] as const) {
      const m = await c.admin.ok('POST', '/api/council/members', { name, groupId: groups[group]!.id, role: 'member' });
      const client = new ApiClient(setup.app.url);
      await client.ok('POST', '/api/auth/link', { token: m.link.url.split('/signin/')[1] });
      people.push({ name, client, group });
    }
    // The admin's group is the first (setup); check our picture of it.
    expect(c.council.members.find((m: { name: string }) => m.name === '王主任')?.groupId).toBe(groups[0]!.id);
    for (const p of people) p.s = await setup.open(p.client, meetingId);
    fac = people[1]!.s!;
    // A live meeting: its threads are open for the blocks' reasons (opinions, issue 11).
    expect(await emit(fac.s, 'meeting:transition', { meetingId, to: 'live' })).toMatchObject({ ok: true });
  }, 60_000);
  afterAll(async () => {
    await setup?.dispose();
  });

  it('opens a check (facilitator only) and every member sees it in the consensus view', async () => {
    expect(await emit(people[2]!.s!.s, 'consensus:open', { meetingId, itemId: 'x', proposal: 'p' })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    const checkId = await open();
    const seen = await waitFor(() => checkOf(people[2]!.s!, checkId), 5_000, 'the check in the view');
    expect(seen).toMatchObject({ state: 'open', named: false, residents: false, round: 1, proposal: { version: 1 }, rule: { agreePercent: 75 } });
    expect(seen.figures.participants).toBe(0);
  });

  it('refuses a check on an item not in the agenda document (unknown_item), and opens nothing', async () => {
    const before = await open({ proposal: '基准' });
    await waitFor(() => checkOf(fac, before), 5_000, 'the reference check in the view');
    const count = () => consensusOf(fac.views, meetingId)!.checks.length;
    const n = count();
    expect(await emit(fac.s, 'consensus:open', { meetingId, itemId: 'no-such-item', proposal: 'p' })).toMatchObject({
      ok: false,
      error: { code: 'unknown_item' },
    });
    // An item of another meeting is not an item of this one.
    const elsewhere = await setup.newMeeting('别的会');
    await addItems(elsewhere.id, 'elsewhere-item');
    expect(await emit(fac.s, 'consensus:open', { meetingId, itemId: 'elsewhere-item', proposal: 'p' })).toMatchObject({
      ok: false,
      error: { code: 'unknown_item' },
    });
    const after = await open({ proposal: '基准二' });
    await waitFor(() => checkOf(fac, after), 5_000, 'the second reference check in the view');
    // Only the check opened after: none for the refused items, in the view or in the database.
    expect(count()).toBe(n + 1);
    expect(consensusOf(fac.views, meetingId)!.checks.every((c) => c.itemId === 'item-1')).toBe(true);
    const rows = await setup.app.services.store.db.execute(
      sql`select item_id from consensus_checks where meeting_id = ${meetingId} and item_id <> ${'item-1'}`,
    );
    expect((rows as unknown as { rows: unknown[] }).rows).toEqual([]);
  });

  it('takes positions, acknowledged after commit; a retry is harmless; counts only, 物业 hidden under 3', async () => {
    const checkId = await open();
    const levels = [1, 1, 2, 1, 3, 1, 2, 4]; // g0: 1 1 2 / g1: 1 3 1 / g2: 2 4 (people order: 王 李 张 陈一 陈二 林一 林二 周)
    for (const [i, p] of people.entries()) {
      const r = await position(p.s!, checkId, levels[i]!);
      expect(r).toMatchObject({ ok: true, data: { status: 'recorded' } });
    }
    const k = key();
    expect(await emit(people[0]!.s!.s, 'consensus:position', { checkId, level: 2, idempotencyKey: k })).toMatchObject({
      ok: true,
      data: { status: 'changed' },
    });
    expect(await emit(people[0]!.s!.s, 'consensus:position', { checkId, level: 2, idempotencyKey: k })).toMatchObject({
      ok: true,
      data: { status: 'unchanged' },
    });
    expect(await emit(people[0]!.s!.s, 'consensus:mine', { checkId })).toMatchObject({ ok: true, data: { level: 2, round: 1 } });

    const seen = await waitFor(
      () => {
        const c = checkOf(people[3]!.s!, checkId);
        return c && c.figures.participants === 8 && c.figures.overall?.[1] === 3 ? c : undefined;
      },
      5_000,
      'eight positions in the view',
    );
    // As taken: g0 王2 陈一1 陈二3, g1 李1 林一1 林二2, g2 (物业) 张2 周4.
    const [g0, g1, g2] = seen.figures.groups;
    expect(g2).toMatchObject({ participants: 2, counts: null, hidden: 'small' });
    // 物业 alone would be overall - g0 - g1: one of the two (equal sizes: the first by id) is hidden with it.
    expect([g0!.hidden, g1!.hidden].sort()).toEqual(['merged', null]);
    const shown = [g0, g1].find((g) => g!.hidden === null)!;
    expect(shown.counts).toEqual(shown === g0 ? [1, 1, 1, 0, 0] : [2, 1, 0, 0, 0]);
    expect(seen.figures.overall).toEqual([3, 3, 1, 1, 0]);
    expect(seen.positions).toBeNull();
    expect(JSON.stringify(seen)).not.toContain('张业主');
    // The figures pushed apart carry no more than the full view: no name, 物业 (2 of them) withheld.
    const liveCheck = await waitFor(
      () => viewOf(people[3]!.s!.views, meetingId, 'consensus_live')?.data.checks.find((c) => c.id === checkId && c.figures.n === 8),
      5_000,
      'eight positions in the live figures',
    );
    expect(JSON.stringify(liveCheck)).not.toContain('张业主');
    expect(liveCheck.figures.groups.map(([participants, counts, hidden]) => ({ participants, counts, hidden }))).toContainEqual({
      participants: 2,
      counts: null,
      hidden: 1,
    });
    // 7 of 8 at 1-3 (87%), every group >= 50%, no block, 8 of 8 present: reached.
    expect(seen.figures.state.reached).toBe(true);
  });

  it('refuses with typed errors: invalid level, block without reason, resident block, members-only check, closed check, another council', async () => {
    const checkId = await open();
    const m = people[2]!.s!;
    for (const level of [0, 6, -1]) expect(await position(m, checkId, level)).toMatchObject({ ok: false, error: { code: 'invalid_level' } });
    expect(await emit(m.s, 'consensus:position', { checkId, level: 2.5, idempotencyKey: key() })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
    expect(await position(m, checkId, 5)).toMatchObject({ ok: false, error: { code: 'reason_required' } });
    expect(await position(m, checkId, 1, '理由')).toMatchObject({ ok: false, error: { code: 'invalid_input' } });

    // A resident: not in a members-only check; in a residents' check, never a block.
    const resident = new ApiClient(setup.app.url);
    await resident.ok('POST', '/api/join', { code: joinCode, displayName: '刘阿姨' });
    const r = await setup.open(resident, meetingId);
    expect(await position(r, checkId, 2)).toMatchObject({ ok: false, error: { code: 'not_eligible' } });
    const withResidents = await open({ residents: true });
    expect(await position(r, withResidents, 5, '不同意')).toMatchObject({ ok: false, error: { code: 'resident_block' } });
    expect(await position(r, withResidents, 3)).toMatchObject({ ok: true, data: { status: 'recorded' } });
    expect(await emit(r.s, 'consensus:open', { meetingId, itemId: 'x', proposal: 'p' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await emit(m.s, 'consensus:close', { checkId })).toMatchObject({ ok: false, error: { code: 'forbidden' } });

    // Closed: positions refused, and so are rounds and amendments.
    expect(await emit(fac.s, 'consensus:close', { checkId })).toMatchObject({ ok: true });
    expect(await position(m, checkId, 1)).toMatchObject({ ok: false, error: { code: 'check_closed' } });
    expect(await emit(fac.s, 'consensus:record', { checkId })).toMatchObject({ ok: false, error: { code: 'check_closed' } });
    expect(await emit(fac.s, 'consensus:amend', { checkId, proposal: '新' })).toMatchObject({ ok: false, error: { code: 'check_closed' } });
    expect(await emit(fac.s, 'consensus:close', { checkId })).toMatchObject({ ok: false, error: { code: 'check_closed' } });

    // Another council's check: refused before anything is read of it.
    const { store } = setup.app.services;
    const other = await store.councils.create('别的议事会', '别的主任');
    const otherMeeting = await store.meetings.create(
      other.councilId,
      { title: 'x', startsAt: '2026-12-01T19:00:00+08:00', place: '', mode: 'in_person' } as never,
      other.adminId,
    );
    const foreign = await store.consensus.open({
      meetingId: otherMeeting,
      itemId: 'i',
      proposal: 'p',
      residents: true,
      named: false,
      rule: { agreePercent: 75, groupPercent: 50, participationPercent: 50, suppressBelow: 3 },
      createdBy: other.adminId,
    });
    expect(await position(m, foreign, 1)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await position(r, foreign, 1)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await emit(fac.s, 'consensus:close', { checkId: foreign })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await emit(m.s, 'consensus:position', { checkId: randomUUID(), level: 1, idempotencyKey: key() })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
  });

  it('a block with its reason stops consensus and says why; rounds, amendment, next round, close with the outcome', async () => {
    const checkId = await open();
    const zhou = people[7]!.s!;
    for (const [i, p] of people.entries()) if (i !== 7) expect(await position(p.s!, checkId, 1)).toMatchObject({ ok: true });
    expect(await position(zhou, checkId, 5, '停放区会挡住消防通道')).toMatchObject({ ok: true, data: { status: 'recorded' } });
    const blocked = await waitFor(
      () => {
        const c = checkOf(fac, checkId);
        return c?.figures.participants === 8 && c.statements.length === 1 ? c : undefined;
      },
      5_000,
      'the block in the view',
    );
    expect(blocked.figures.state.reached).toBe(false);
    expect(blocked.figures.state.criteria[0]).toEqual({ kind: 'no_block', met: false, blocks: 1 });
    expect(blocked.statements[0]).toMatchObject({ name: '周物业', kind: 'block', text: '停放区会挡住消防通道', round: 1 });
    // The reason is in the item's thread under the member's name, posted once.
    const { db } = setup.app.services.store;
    const posted = await db.execute(
      sql`select thread, stance, text, author_name from opinions where meeting_id = ${meetingId} and text = ${'停放区会挡住消防通道'}`,
    );
    expect((posted as unknown as { rows: unknown[] }).rows).toEqual([
      { thread: expect.stringContaining('item-1'), stance: 'oppose', text: '停放区会挡住消防通道', author_name: '周物业' },
    ]);

    expect(await emit(fac.s, 'consensus:record', { checkId })).toMatchObject({ ok: true, data: { round: 1 } });
    expect(await emit(fac.s, 'consensus:amend', { checkId, proposal: '在小区东门增设非机动车停放区，避开消防通道。' })).toMatchObject({
      ok: true,
      data: { version: 2 },
    });
    expect(await emit(fac.s, 'consensus:next', { checkId, carryOver: true })).toMatchObject({ ok: true, data: { round: 2 } });
    expect(await emit(zhou.s, 'consensus:mine', { checkId })).toMatchObject({ ok: true, data: { level: 5, round: 2 } });
    expect(await position(zhou, checkId, 3)).toMatchObject({ ok: true, data: { status: 'changed' } });
    const reached = await waitFor(
      () => {
        const c = checkOf(fac, checkId);
        return c?.round === 2 && c.figures.state.reached ? c : undefined;
      },
      5_000,
      'consensus reached in round two',
    );
    expect(reached.proposal).toMatchObject({ version: 2 });
    expect(reached.rounds.map((r) => [r.round, r.proposalVersion, r.figures.state.reached])).toEqual([[1, 1, false]]);

    expect(await emit(fac.s, 'consensus:close', { checkId })).toMatchObject({ ok: true, data: { reached: true } });
    const closed = await waitFor(() => (checkOf(fac, checkId)?.state === 'closed' ? checkOf(fac, checkId) : undefined), 5_000, 'closed');
    expect(closed.outcome).toMatchObject({ reached: true, text: '在小区东门增设非机动车停放区，避开消防通道。' });
    expect(closed.rounds.map((r) => [r.round, r.proposalVersion, r.figures.state.reached])).toEqual([
      [1, 1, false],
      [2, 2, true],
    ]);
    expect(closed.figures.participants).toBe(8);
    // Anonymous: the link between people and positions is gone; the aggregates stay.
    const rows = await db.execute(sql`select count(*)::int as n from consensus_positions where check_id = ${checkId}`);
    expect((rows as unknown as { rows: { n: number }[] }).rows[0]!.n).toBe(0);
    expect(await emit(zhou.s, 'consensus:mine', { checkId })).toMatchObject({ ok: true, data: { level: null } });
  });

  it('next round with reset clears positions; a named check shows who holds what', async () => {
    const checkId = await open({ named: true });
    expect(await position(people[2]!.s!, checkId, 2, '希望再讨论时间')).toMatchObject({ ok: true });
    const named = await waitFor(() => (checkOf(fac, checkId)?.positions?.length ? checkOf(fac, checkId) : undefined), 5_000, 'named positions');
    expect(named.positions).toEqual([{ name: '张业主', groupId: setup.c.council.groups[2]!.id, level: 2 }]);
    expect(named.statements[0]).toMatchObject({ name: '张业主', kind: 'reservation' });
    expect(await emit(fac.s, 'consensus:next', { checkId, carryOver: false })).toMatchObject({ ok: true, data: { round: 2 } });
    expect(await emit(people[2]!.s!.s, 'consensus:mine', { checkId })).toMatchObject({ ok: true, data: { level: null, round: 2 } });
    const after = await waitFor(() => (checkOf(fac, checkId)?.round === 2 ? checkOf(fac, checkId) : undefined), 5_000, 'round two');
    expect(after.rounds[0]!.figures.participants).toBe(1);
    expect(after.figures.participants).toBe(0);
  });

  it('a check that fails is turned into a members-only binding motion poll in one step', async () => {
    const checkId = await open();
    expect(await emit(fac.s, 'consensus:to_poll', { checkId })).toMatchObject({ ok: false, error: { code: 'check_not_closed' } });
    expect(await position(people[0]!.s!, checkId, 4)).toMatchObject({ ok: true });
    expect(await emit(fac.s, 'consensus:close', { checkId })).toMatchObject({ ok: true, data: { reached: false } });
    const r = await emit(fac.s, 'consensus:to_poll', { checkId });
    if (!r.ok) throw new Error(JSON.stringify(r));
    expect(r.data.poll).toMatchObject({
      state: 'draft',
      agendaItemId: 'item-1',
      definition: { kind: 'motion', eligibility: 'members', title: '在小区东门增设非机动车停放区。' },
    });
    expect(await emit(fac.s, 'consensus:to_poll', { checkId })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    const linked = await waitFor(() => (checkOf(fac, checkId)?.pollId ? checkOf(fac, checkId) : undefined), 5_000, 'the poll linked');
    expect(linked.pollId).toBe(r.data.poll.definition.id);

    // A check that reached consensus is not put to a vote.
    const ok = await open();
    for (const p of people) await position(p.s!, ok, 1);
    expect(await emit(fac.s, 'consensus:close', { checkId: ok })).toMatchObject({ ok: true, data: { reached: true } });
    expect(await emit(fac.s, 'consensus:to_poll', { checkId: ok })).toMatchObject({ ok: false, error: { code: 'consensus_reached' } });
  });

  it("council settings change the rule for checks opened after, never a check's frozen one", async () => {
    const before = await open();
    await setup.c.admin.ok('PATCH', '/api/council', {
      consensusRule: { agreePercent: 100, groupPercent: 100, participationPercent: 10, suppressBelow: 4 },
    });
    const after = await open();
    const seen = await waitFor(() => checkOf(fac, after), 5_000, 'the later check');
    expect(seen.rule).toEqual({ agreePercent: 100, groupPercent: 100, participationPercent: 10, suppressBelow: 4 });
    expect(checkOf(fac, before)!.rule.agreePercent).toBe(75);
    const council = await setup.c.admin.ok('GET', '/api/council');
    expect(council.consensusRule.suppressBelow).toBe(4);
    await setup.c.admin.ok('PATCH', '/api/council', {
      consensusRule: { agreePercent: 75, groupPercent: 50, participationPercent: 50, suppressBelow: 3 },
    });
    expect(
      (
        await setup.c.admin.call('PATCH', '/api/council', {
          consensusRule: { agreePercent: 75, groupPercent: 50, participationPercent: 50, suppressBelow: 2 },
        })
      ).status,
    ).toBe(400);
  });

  it('a closed meeting is frozen: no check opened, no position taken, no round; the open check can still be closed', async () => {
    const other = await setup.newMeeting('要结束的会');
    await addItems(other.id, 'i');
    const f = await setup.open(setup.c.facilitator, other.id);
    const m = await setup.open(setup.c.member, other.id);
    const r = await emit(f.s, 'consensus:open', { meetingId: other.id, itemId: 'i', proposal: 'p' });
    if (!r.ok) throw new Error(JSON.stringify(r));
    expect(await emit(f.s, 'meeting:transition', { meetingId: other.id, to: 'live' })).toMatchObject({ ok: true });
    expect(await emit(f.s, 'meeting:transition', { meetingId: other.id, to: 'closed' })).toMatchObject({ ok: true });
    await waitFor(() => viewOf(m.views, other.id, 'meeting')?.data.state === 'closed', 5_000, 'the meeting closed');
    // The meeting view the check reads is under a second old at most.
    await new Promise((res) => setTimeout(res, 1_100));
    expect(await position(m, r.data.checkId, 1)).toMatchObject({ ok: false, error: { code: 'meeting_closed' } });
    expect(await emit(f.s, 'consensus:open', { meetingId: other.id, itemId: 'i', proposal: 'p' })).toMatchObject({
      ok: false,
      error: { code: 'meeting_closed' },
    });
    expect(await emit(f.s, 'consensus:record', { checkId: r.data.checkId })).toMatchObject({ ok: false, error: { code: 'meeting_closed' } });
    expect(await emit(f.s, 'consensus:close', { checkId: r.data.checkId })).toMatchObject({ ok: true, data: { reached: false } });
  });
});
