import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PollView, ViewSnapshot } from '@yishi/protocol';
import { ApiClient, applyViews, connected, emit, pollsOf, trackViews, viewOf, type YishiClientSocket } from '../../../../test/support/client.ts';
import { setUpCouncil } from '../../../../test/support/council.ts';
import { startInProcess } from '../../../../test/support/in-process.ts';
import { waitFor } from '../../../../test/support/ports.ts';

const majority = { share: { kind: 'simple_majority' }, base: 'ballots_cast', abstentions: 'excluded' } as const;

/** Issue 7, "Counts that add up": a member counts once, and a binding outcome needs quorum. */
describe('counts that add up', () => {
  let app: Awaited<ReturnType<typeof startInProcess>>;
  let c: Awaited<ReturnType<typeof setUpCouncil>>;
  /** Four more members, so the council has seven (王主任, 李主持, 张业主 and these). */
  const extra: { id: string; client: ApiClient }[] = [];
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
  const pollView = (views: Map<string, ViewSnapshot>, meetingId: string, pollId: string): PollView | undefined =>
    pollsOf(views, meetingId)?.polls.find((p) => p.poll.definition.id === pollId);
  const newMeeting = async () =>
    (await c.facilitator.ok('POST', '/api/meetings', { title: '计票测试', startsAt: '2026-12-01T19:00:00+08:00', mode: 'hybrid' })).id as string;
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
    app = await startInProcess();
    c = await setUpCouncil(app.url, app.setupUrl!);
    for (const name of ['赵委员', '钱委员', '孙委员', '周委员']) {
      const m = await c.admin.ok('POST', '/api/council/members', { name, groupId: c.council.groups[0].id, role: 'member' });
      const client = new ApiClient(app.url);
      await client.ok('POST', '/api/auth/link', { token: m.link.url.split('/signin/')[1] });
      extra.push({ id: m.link.memberId, client });
    }
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await app?.dispose();
  });

  it('counts a member once: named in the room, they cannot also vote online (the issue: 9 of 7, passed 4 of 7)', async () => {
    const meetingId = await newMeeting();
    const fac = await open(c.facilitator, meetingId);
    const others = await Promise.all([c.member, c.admin, ...extra.map((e) => e.client)].map((cl) => open(cl, meetingId)));
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

    // In-room counts for members must say who raised a hand.
    expect(
      await emit(fac.s, 'inroom:set', {
        pollId,
        electorate: 'members',
        ballots: 2,
        counts: [
          { option: 'yes', count: 1 },
          { option: 'abstain', count: 1 },
        ],
      }),
    ).toMatchObject({
      ok: false,
      error: { code: 'voters_mismatch' },
    });
    // A member who voted online cannot be counted by hand as well.
    expect(
      await emit(fac.s, 'inroom:set', {
        pollId,
        electorate: 'members',
        ballots: 2,
        counts: [
          { option: 'yes', count: 1 },
          { option: 'abstain', count: 1 },
        ],
        voters: [c.memberId, extra[2]!.id],
      }),
    ).toMatchObject({ ok: false, error: { code: 'voted_online' } });
    // 孙委员 and 周委员 raise their hands in the room: 赞成 1, 弃权 1.
    expect(
      await emit(fac.s, 'inroom:set', {
        pollId,
        electorate: 'members',
        ballots: 2,
        counts: [
          { option: 'yes', count: 1 },
          { option: 'abstain', count: 1 },
        ],
        voters: [extra[2]!.id, extra[3]!.id],
      }),
    ).toEqual({ ok: true, data: null });

    // Their phones say so; then they also try to vote online: refused, with a typed error.
    expect(await emit(others[4]!.s, 'ballot:mine', { pollId })).toEqual({ ok: true, data: { voted: true, inRoom: true } });
    // Then they also try to vote online: refused, with a typed error.
    expect(await vote(others[4]!.s, pollId, 'yes')).toMatchObject({ ok: false, error: { code: 'counted_in_room' } });
    expect(await vote(others[5]!.s, pollId, 'abstain')).toMatchObject({ ok: false, error: { code: 'counted_in_room' } });

    await waitFor(
      () => {
        const v = pollView(fac.views, meetingId, pollId);
        return v?.tally.electorates[0]?.turnout === 7 && v.named.length === 7;
      },
      5_000,
      'the tally with seven members',
    );
    const live = pollView(fac.views, meetingId, pollId)!;
    expect(live.tally.electorates[0]).toMatchObject({ electorateSize: 7, online: 5, inRoom: 2, turnout: 7 });
    // The hand-counted members appear in the roll-call list, marked as counted in the room.
    const inRoomNamed = live.named
      .filter((n) => n.inRoom)
      .map((n) => n.name)
      .sort();
    expect(inRoomNamed).toEqual(['周委员', '孙委员'].sort());

    const closed = await emit(fac.s, 'poll:close', { pollId });
    if (!closed.ok) throw new Error(JSON.stringify(closed));
    await waitFor(() => pollView(fac.views, meetingId, pollId)?.poll.state === 'closed', 5_000, 'closed');
    const e = pollView(fac.views, meetingId, pollId)!.tally.electorates[0]!;
    expect(e.turnout).toBe(7);
    // 3 for, 3 against, 1 abstains: a simple majority of 6 needs 4, so it fails.
    expect(e.outcome).toMatchObject({ kind: 'failed', basis: { threshold: { support: 3, base: 6, required: 4 } } });
  });

  it('keeps the names of a secret poll on the voter roll only, and refuses unknown or repeated names', async () => {
    const meetingId = await newMeeting();
    const fac = await open(c.facilitator, meetingId);
    const zhang = await open(c.member, meetingId);
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
    const admin = await open(c.admin, meetingId);
    const three = await Promise.all([vote(zhang.s, pollId, 'yes'), vote(fac.s, pollId, 'no'), vote(admin.s, pollId, 'no')]);
    for (const r of three) expect(r).toMatchObject({ ok: true });
    expect(await emit(zhang.s, 'ballot:mine', { pollId })).toEqual({ ok: true, data: { voted: true, inRoom: false } });
    await waitFor(() => pollView(fac.views, meetingId, pollId)?.tally.electorates[0]?.turnout === 4, 5_000, 'turnout 4');
    // And now he cannot be named in the room.
    expect(await set([extra[0]!.id, c.memberId])).toMatchObject({ ok: false, error: { code: 'voted_online' } });
  });

  it('decides a binding poll below the council quorum as "no quorum", and records the attendance used', async () => {
    const meetingId = await newMeeting();
    // 50% of 7 is 4; only the facilitator is here.
    const fac = await open(c.facilitator, meetingId);
    await waitFor(() => viewOf(fac.views, meetingId, 'presence')?.data.quorum.present === 1, 5_000, 'one present');
    const pollId = await motion(fac.s, meetingId, 'secret');
    // A lone secret ballot is held until the close seals it.
    const voting = vote(fac.s, pollId, 'yes');
    await new Promise((r) => fac.s.once('ballot:held', r));
    const closed = await emit(fac.s, 'poll:close', { pollId });
    if (!closed.ok) throw new Error(JSON.stringify(closed));
    expect(await voting).toMatchObject({ ok: true });
    await waitFor(() => pollView(fac.views, meetingId, pollId)?.poll.state === 'closed', 5_000, 'closed');
    const v = pollView(fac.views, meetingId, pollId)!;
    expect(v.tally.electorates[0]!.outcome).toMatchObject({ kind: 'no_quorum', basis: { quorum: { required: 4, actual: 1, met: false } } });
    expect(v.decision).toMatchObject({ attendance: { present: 1, members: 7, required: 4 } });
  });
  it("never shows residents' turnout above their electorate: codes issued plus those counted in the room; unknown when unverified", async () => {
    const meetingId = await newMeeting();
    const fac = await open(c.facilitator, meetingId);
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
    const residents = (pollId: string) => pollView(fac.views, meetingId, pollId)?.tally.electorates.find((e) => e.electorate === 'residents');
    await waitFor(() => residents(coded)?.turnout === 17 && residents(open_)?.turnout === 3, 5_000, 'both tallies');
    expect(residents(coded)).toMatchObject({ electorateKnown: true, electorateSize: 19, online: 3, inRoom: 14 });
    expect(residents(open_)).toMatchObject({ electorateKnown: false, turnout: 3 });
    // Members are always a known list.
    expect(pollView(fac.views, meetingId, coded)!.tally.electorates[0]).toMatchObject({
      electorate: 'members',
      electorateKnown: true,
      electorateSize: 7,
    });
  });
});
