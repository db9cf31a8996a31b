import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emit, viewOf, type ApiClient, type YishiClientSocket } from '../../../../test/support/client.ts';
import { majority, setUpPollMeeting, type PollMeeting } from '../../../../test/support/poll-meeting.ts';
import { waitFor } from '../../../../test/support/ports.ts';

/** Issue 7, "Counts that add up": a member counts once, and a binding outcome needs quorum. */
describe('counts that add up', () => {
  let setup: PollMeeting;
  let c: PollMeeting['c'];
  /** Four more members, so the council has seven (王主任, 李主持, 张业主 and these). */
  const extra: { id: string; client: ApiClient }[] = [];
  const newMeeting = async () => (await setup.newMeeting('计票测试')).id;
  const motion = async (s: YishiClientSocket, meetingId: string, secrecy: 'secret' | 'roll_call') => {
    const r = await emit(s, 'poll:create', {
      meetingId,
      title: '同意更换电梯',
      kind: 'motion',
      eligibility: 'members',
      secrecy,
      results: 'live',
      rule: { quorum: { kind: 'none' }, threshold: majority },
    });
    if (!r.ok) throw new Error(JSON.stringify(r));
    const pollId = r.data.poll.definition.id;
    expect(await emit(s, 'poll:open', { pollId })).toMatchObject({ ok: true });
    return pollId;
  };
  const vote = (s: YishiClientSocket, pollId: string, choice: 'yes' | 'no' | 'abstain') =>
    emit(s, 'ballot:cast', { pollId, choice: { kind: 'motion', choice }, idempotencyKey: randomUUID() });

  beforeAll(async () => {
    setup = await setUpPollMeeting();
    c = setup.c;
    for (const name of ['赵委员', '钱委员', '孙委员', '周委员']) extra.push(await setup.addMember(name));
  });
  afterAll(() => setup?.dispose());

  it('counts a member once: named in the room, they cannot also vote online (the issue: 9 of 7, passed 4 of 7)', async () => {
    const meetingId = await newMeeting();
    const fac = await setup.open(c.facilitator, meetingId);
    const others = await Promise.all([c.member, c.admin, ...extra.map((e) => e.client)].map((cl) => setup.open(cl, meetingId)));
    const pollId = await motion(fac.s, meetingId, 'roll_call');

    // Five vote online: 李主持 yes, 张业主 yes, 王主任 no, 赵 no, 钱 no.
    const online: [YishiClientSocket, 'yes' | 'no'][] = [
      [fac.s, 'yes'],
      [others[0]!.s, 'yes'],
      [others[1]!.s, 'no'],
      [others[2]!.s, 'no'],
      [others[3]!.s, 'no'],
    ];
    for (const [s, choice] of online) expect(await vote(s, pollId, choice)).toMatchObject({ ok: true });

    // Two members' hands in the room, 赞成 1 and 弃权 1, said to be `voters`' (none: nobody named).
    const handCount = (voters?: string[]) =>
      emit(fac.s, 'inroom:set', {
        pollId,
        electorate: 'members',
        ballots: 2,
        counts: [
          { option: 'yes', count: 1 },
          { option: 'abstain', count: 1 },
        ],
        ...(voters ? { voters } : {}),
      });
    // In-room counts for members must say who raised a hand.
    expect(await handCount()).toMatchObject({ ok: false, error: { code: 'voters_mismatch' } });
    // A member who voted online cannot be counted by hand as well.
    expect(await handCount([c.memberId, extra[2]!.id])).toMatchObject({ ok: false, error: { code: 'voted_online' } });
    // 孙委员 and 周委员 raise their hands in the room: 赞成 1, 弃权 1.
    expect(await handCount([extra[2]!.id, extra[3]!.id])).toEqual({ ok: true, data: null });

    // Their phones say so; then they also try to vote online: refused, with a typed error.
    expect(await emit(others[4]!.s, 'ballot:mine', { pollId })).toEqual({ ok: true, data: { voted: true, inRoom: true } });
    // Then they also try to vote online: refused, with a typed error.
    expect(await vote(others[4]!.s, pollId, 'yes')).toMatchObject({ ok: false, error: { code: 'counted_in_room' } });
    expect(await vote(others[5]!.s, pollId, 'abstain')).toMatchObject({ ok: false, error: { code: 'counted_in_room' } });

    await waitFor(
      () => {
        const v = setup.pollView(fac.views, meetingId, pollId);
        return v?.tally.electorates[0]?.turnout === 7 && v.named.length === 7;
      },
      5_000,
      'the tally with seven members',
    );
    const live = setup.pollView(fac.views, meetingId, pollId)!;
    expect(live.tally.electorates[0]).toMatchObject({ electorateSize: 7, online: 5, inRoom: 2, turnout: 7 });
    // The hand-counted members appear in the roll-call list, marked as counted in the room.
    const inRoomNamed = live.named
      .filter((n) => n.inRoom)
      .map((n) => n.name)
      .sort();
    expect(inRoomNamed).toEqual(['周委员', '孙委员'].sort());

    const closed = await emit(fac.s, 'poll:close', { pollId });
    if (!closed.ok) throw new Error(JSON.stringify(closed));
    await waitFor(() => setup.pollView(fac.views, meetingId, pollId)?.poll.state === 'closed', 5_000, 'closed');
    const e = setup.pollView(fac.views, meetingId, pollId)!.tally.electorates[0]!;
    expect(e.turnout).toBe(7);
    // 3 for, 3 against, 1 abstains: a simple majority of 6 needs 4, so it fails.
    expect(e.outcome).toMatchObject({ kind: 'failed', basis: { threshold: { support: 3, base: 6, required: 4 } } });
  });

  it('keeps the names of a secret poll on the voter roll only, and refuses unknown or repeated names', async () => {
    const meetingId = await newMeeting();
    const fac = await setup.open(c.facilitator, meetingId);
    const zhang = await setup.open(c.member, meetingId);
    const pollId = await motion(fac.s, meetingId, 'secret');
    const set = (voters: string[], ballots = voters.length) =>
      emit(fac.s, 'inroom:set', { pollId, electorate: 'members', ballots, counts: [{ option: 'no', count: ballots }], voters });
    expect(await set([extra[0]!.id, extra[0]!.id])).toMatchObject({ ok: false, error: { code: 'duplicate_voter' } });
    expect(await set([randomUUID()])).toMatchObject({ ok: false, error: { code: 'not_a_member' } });
    expect(await set([extra[0]!.id], 2)).toMatchObject({ ok: false, error: { code: 'voters_mismatch' } });
    expect(await set([extra[0]!.id, c.memberId])).toEqual({ ok: true, data: null });
    // Corrected: 张业主 was not in the room after all; he may now vote online, 赵委员 may not.
    expect(await set([extra[0]!.id])).toEqual({ ok: true, data: null });
    // Secret: his ballot is sealed with two others' (k = 3) before anyone is acked.
    const admin = await setup.open(c.admin, meetingId);
    const three = await Promise.all([vote(zhang.s, pollId, 'yes'), vote(fac.s, pollId, 'no'), vote(admin.s, pollId, 'no')]);
    for (const r of three) expect(r).toMatchObject({ ok: true });
    expect(await emit(zhang.s, 'ballot:mine', { pollId })).toEqual({ ok: true, data: { voted: true, inRoom: false } });
    await waitFor(() => setup.pollView(fac.views, meetingId, pollId)?.tally.electorates[0]?.turnout === 4, 5_000, 'turnout 4');
    // And now he cannot be named in the room.
    expect(await set([extra[0]!.id, c.memberId])).toMatchObject({ ok: false, error: { code: 'voted_online' } });
  });

  it('decides a binding poll below the council quorum as "no quorum", and records the attendance used', async () => {
    const meetingId = await newMeeting();
    // 50% of 7 is 4; only the facilitator is here.
    const fac = await setup.open(c.facilitator, meetingId);
    await waitFor(() => viewOf(fac.views, meetingId, 'presence')?.data.quorum.present === 1, 5_000, 'one present');
    const pollId = await motion(fac.s, meetingId, 'secret');
    // A lone secret ballot is held until the close seals it.
    const voting = vote(fac.s, pollId, 'yes');
    await new Promise((r) => fac.s.once('ballot:held', r));
    const closed = await emit(fac.s, 'poll:close', { pollId });
    if (!closed.ok) throw new Error(JSON.stringify(closed));
    expect(await voting).toMatchObject({ ok: true });
    await waitFor(() => setup.pollView(fac.views, meetingId, pollId)?.poll.state === 'closed', 5_000, 'closed');
    const v = setup.pollView(fac.views, meetingId, pollId)!;
    expect(v.tally.electorates[0]!.outcome).toMatchObject({ kind: 'no_quorum', basis: { quorum: { required: 4, actual: 1, met: false } } });
    expect(v.decision).toMatchObject({ attendance: { present: 1, members: 7, required: 4 } });
  });
  it("never shows residents' turnout above their electorate: codes issued plus those counted in the room; unknown when unverified", async () => {
    const meetingId = await newMeeting();
    const fac = await setup.open(c.facilitator, meetingId);
    const codes = await emit(fac.s, 'codes:issue', { meetingId, count: 5 });
    if (!codes.ok) throw new Error(JSON.stringify(codes));
    const create = async (residentAccess: 'voting_code' | 'open_unverified') => {
      const r = await emit(fac.s, 'poll:create', {
        meetingId,
        title: `居民意见 ${residentAccess}`,
        kind: 'motion',
        eligibility: 'everyone',
        secrecy: 'secret',
        results: 'live',
        rule: { quorum: { kind: 'none' }, threshold: majority },
        residentAccess,
      });
      if (!r.ok) throw new Error(JSON.stringify(r));
      const pollId = r.data.poll.definition.id;
      await emit(fac.s, 'poll:open', { pollId });
      return pollId;
    };
    const coded = await create('voting_code');
    const open_ = await create('open_unverified');
    // Three codes vote: sealed together (k = 3), then acked.
    const online = await Promise.all(
      codes.data.slips.slice(0, 3).map((slip) =>
        emit(fac.s, 'ballot:cast', {
          pollId: coded,
          choice: { kind: 'motion', choice: 'yes' },
          idempotencyKey: randomUUID(),
          votingCode: slip.code,
        }),
      ),
    );
    for (const r of online) expect(r).toMatchObject({ ok: true });
    // Fourteen residents raise their hands in the room (the issue: "居民 投票：16 / 5").
    expect(await emit(fac.s, 'inroom:set', { pollId: coded, electorate: 'residents', ballots: 14, counts: [{ option: 'yes', count: 14 }] })).toEqual({
      ok: true,
      data: null,
    });
    expect(await emit(fac.s, 'inroom:set', { pollId: open_, electorate: 'residents', ballots: 3, counts: [{ option: 'no', count: 3 }] })).toEqual({
      ok: true,
      data: null,
    });
    const residents = (pollId: string) => setup.pollView(fac.views, meetingId, pollId)?.tally.electorates.find((e) => e.electorate === 'residents');
    await waitFor(() => residents(coded)?.turnout === 17 && residents(open_)?.turnout === 3, 5_000, 'both tallies');
    expect(residents(coded)).toMatchObject({ electorateKnown: true, electorateSize: 19, online: 3, inRoom: 14 });
    expect(residents(open_)).toMatchObject({ electorateKnown: false, turnout: 3 });
    // Members are always a known list.
    expect(setup.pollView(fac.views, meetingId, coded)!.tally.electorates[0]).toMatchObject({
      electorate: 'members',
      electorateKnown: true,
      electorateSize: 7,
    });
  });
});
