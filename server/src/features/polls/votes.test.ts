import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViewSnapshot } from '@yishi/protocol';
import { ApiClient, emit } from '../../../../test/support/client.ts';
import { majority, secretMembersMotion, setUpPollMeeting, type PollMeeting } from '../../../../test/support/poll-meeting.ts';
import { waitFor } from '../../../../test/support/ports.ts';

describe('votes on one instance', () => {
  let setup: PollMeeting;
  let app: PollMeeting['app'];
  let c: PollMeeting['c'];
  let meetingId: string;
  let joinCode: string;
  let third: ApiClient;
  const open = (client: ApiClient) => setup.open(client, meetingId);
  const pollView = (views: Map<string, ViewSnapshot>, pollId: string) => setup.pollView(views, meetingId, pollId);

  beforeAll(async () => {
    setup = await setUpPollMeeting();
    ({ app, c } = setup);
    third = (await setup.addMember('赵委员')).client;
    ({ id: meetingId, joinCode } = await setup.newMeeting('表决测试'));
  });
  afterAll(() => setup?.dispose());

  it('runs a secret members-only motion: ack after commit, once per member, live tally, outcome on close', async () => {
    const fac = await open(c.facilitator);
    const mem = await open(c.member);
    const zhao = await open(third);
    const created = await emit(fac.s, 'poll:create', {
      meetingId,
      title: '同意加装电梯',
      ...secretMembersMotion,
    });
    if (!created.ok) throw new Error(JSON.stringify(created));
    const pollId = created.data.poll.definition.id;

    // Not open yet.
    const early = await emit(mem.s, 'ballot:cast', { pollId, choice: { kind: 'motion', choice: 'yes' }, idempotencyKey: randomUUID() });
    expect(early).toMatchObject({ ok: false, error: { code: 'poll_not_open' } });
    expect(await emit(mem.s, 'poll:open', { pollId })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await emit(fac.s, 'poll:open', { pollId })).toMatchObject({ ok: true });

    // k = 3 here: the first voter's ballot is held (not written, not counted) until two
    // others vote; the ack comes only once the three are sealed together.
    const key = randomUUID();
    const heldEvent = new Promise((resolve) => mem.s.once('ballot:held', resolve));
    const cast = emit(mem.s, 'ballot:cast', { pollId, choice: { kind: 'motion', choice: 'yes' }, idempotencyKey: key });
    expect(await heldEvent).toEqual({ pollId, sealAt: 3 });
    // A resend with the same key joins the held ballot; a second ballot is refused at once.
    const resend = emit(mem.s, 'ballot:cast', { pollId, choice: { kind: 'motion', choice: 'yes' }, idempotencyKey: key });
    expect(await emit(mem.s, 'ballot:cast', { pollId, choice: { kind: 'motion', choice: 'no' }, idempotencyKey: randomUUID() })).toMatchObject({
      ok: false,
      error: { code: 'already_voted' },
    });
    expect(await app.services.store.polls.voterCounts(pollId as never)).toEqual({ members: 0, residents: 0 });
    let answered = false;
    void cast.then(() => (answered = true));
    const second = emit(fac.s, 'ballot:cast', { pollId, choice: { kind: 'motion', choice: 'yes' }, idempotencyKey: randomUUID() });
    // Bad ballots: typed errors, at once.
    expect(
      await emit(fac.s, 'ballot:cast', { pollId, choice: { kind: 'single', optionId: randomUUID() }, idempotencyKey: randomUUID() }),
    ).toMatchObject({
      ok: false,
      error: { code: 'wrong_shape' },
    });
    expect(answered).toBe(false);
    expect(await app.services.store.polls.groupedBallots(pollId as never)).toEqual([]);
    const byZhao = emit(zhao.s, 'ballot:cast', { pollId, choice: { kind: 'motion', choice: 'no' }, idempotencyKey: randomUUID() });
    const [first, again, f, z] = await Promise.all([cast, resend, second, byZhao]);
    for (const r of [first, again, f, z]) expect(r).toMatchObject({ ok: true, data: { status: 'recorded' } });
    const receipt = first.ok ? first.data.receipt : null;
    expect(receipt).toEqual(expect.any(String));
    expect(again.ok && again.data.receipt).toBe(receipt);
    expect(await app.services.store.polls.voterCounts(pollId as never)).toEqual({ members: 3, residents: 0 });
    // Once sealed: a retry is harmless, a second ballot refused.
    expect(await emit(mem.s, 'ballot:cast', { pollId, choice: { kind: 'motion', choice: 'yes' }, idempotencyKey: key })).toMatchObject({
      ok: true,
      data: { status: 'unchanged' },
    });
    expect(await emit(mem.s, 'ballot:cast', { pollId, choice: { kind: 'motion', choice: 'no' }, idempotencyKey: randomUUID() })).toMatchObject({
      ok: false,
      error: { code: 'already_voted' },
    });
    // With the receipt, the sealed secret ballot may change.
    expect(
      await emit(mem.s, 'ballot:cast', { pollId, choice: { kind: 'motion', choice: 'no' }, idempotencyKey: randomUUID(), receipt }),
    ).toMatchObject({
      ok: true,
      data: { status: 'changed' },
    });

    await waitFor(
      () => {
        const v = pollView(mem.views, pollId);
        const rows = v?.tally.electorates[0]?.results;
        return (
          rows?.kind === 'counts' &&
          rows.options.find((o) => o.option === 'yes')?.total === 1 &&
          rows.options.find((o) => o.option === 'no')?.total === 2
        );
      },
      2000,
      'the live tally',
    );

    const closed = await emit(fac.s, 'poll:close', { pollId });
    expect(closed).toMatchObject({ ok: true, data: { poll: { state: 'closed' } } });
    await waitFor(() => pollView(mem.views, pollId)?.tally.electorates[0]?.outcome?.kind === 'failed', 2000, 'the outcome');
    // Four members now (赵委员 joined to make k = 3 voters), three of them present.
    expect(pollView(mem.views, pollId)!.decision).toEqual({ recordedAt: expect.any(String), attendance: { present: 3, members: 4, required: 2 } });
    const decisions = await app.services.store.polls.decisions(meetingId as never);
    expect(decisions).toHaveLength(1);
    expect(await emit(mem.s, 'ballot:cast', { pollId, choice: { kind: 'motion', choice: 'yes' }, idempotencyKey: randomUUID() })).toMatchObject({
      ok: false,
      error: { code: 'poll_not_open' },
    });
    const final = await app.services.store.polls.finalBallots(pollId as never);
    expect(final).toHaveLength(3);
    expect(final.every((b) => b.voterName === null)).toBe(true);
  });

  it('runs an advisory single-choice poll for residents with voting codes, and refuses misuse with typed errors', async () => {
    const fac = await open(c.facilitator);
    const codes = await emit(fac.s, 'codes:issue', { meetingId, count: 3, labels: ['3-201', '3-202', '3-203'] });
    if (!codes.ok) throw new Error(JSON.stringify(codes));
    const [slip1, slip2, slip3] = codes.data.slips;
    const created = await emit(fac.s, 'poll:create', {
      meetingId,
      title: '健身器材放哪里',
      kind: 'single',
      options: ['东门', '西门', '中心花园'],
      eligibility: 'everyone',
      secrecy: 'secret',
      results: 'live',
      rule: { quorum: { kind: 'none' }, threshold: null },
      residentAccess: 'voting_code',
    });
    if (!created.ok) throw new Error(JSON.stringify(created));
    const poll = created.data.poll;
    const pollId = poll.definition.id;
    const options = poll.definition.kind === 'single' ? poll.definition.options : [];
    await emit(fac.s, 'poll:open', { pollId });

    const resident = new ApiClient(app.url);
    await resident.ok('POST', '/api/join', { code: joinCode, displayName: '刘阿姨' });
    const r = await open(resident);
    const pick = (i: number) => ({ kind: 'single', optionId: options[i]!.id });
    expect(await emit(r.s, 'ballot:cast', { pollId, choice: pick(0), idempotencyKey: randomUUID() })).toMatchObject({
      ok: false,
      error: { code: 'credential_required' },
    });
    expect(await emit(r.s, 'ballot:cast', { pollId, choice: pick(0), idempotencyKey: randomUUID(), votingCode: 'ZZZZZZZZ' })).toMatchObject({
      ok: false,
      error: { code: 'bad_credential' },
    });
    expect(
      await emit(r.s, 'ballot:cast', {
        pollId,
        choice: { kind: 'single', optionId: randomUUID() },
        idempotencyKey: randomUUID(),
        votingCode: slip1!.code,
      }),
    ).toMatchObject({
      ok: false,
      error: { code: 'unknown_option' },
    });
    expect(
      await emit(r.s, 'ballot:cast', { pollId, choice: { kind: 'motion', choice: 'yes' }, idempotencyKey: randomUUID(), votingCode: slip1!.code }),
    ).toMatchObject({
      ok: false,
      error: { code: 'wrong_shape' },
    });
    // Secret: the three codes' ballots are sealed together (k = 3), then all three are acked.
    const first = emit(r.s, 'ballot:cast', { pollId, choice: pick(0), idempotencyKey: randomUUID(), votingCode: slip1!.code.toLowerCase() });
    await new Promise((resolve) => r.s.once('ballot:held', resolve));
    expect(await emit(r.s, 'ballot:cast', { pollId, choice: pick(1), idempotencyKey: randomUUID(), votingCode: slip1!.code })).toMatchObject({
      ok: false,
      error: { code: 'already_voted' },
    });
    const rest = [
      emit(r.s, 'ballot:cast', { pollId, choice: pick(2), idempotencyKey: randomUUID(), votingCode: slip2!.code }),
      emit(r.s, 'ballot:cast', { pollId, choice: pick(0), idempotencyKey: randomUUID(), votingCode: slip3!.code }),
    ];
    for (const a of await Promise.all([first, ...rest])) expect(a).toMatchObject({ ok: true, data: { status: 'recorded' } });
    expect(await emit(r.s, 'ballot:mine', { pollId, votingCode: slip2!.code })).toEqual({ ok: true, data: { voted: true, inRoom: false } });

    // Hand counts from the room: their own column, with who entered them.
    const handCount = (first: number, second: number) =>
      emit(fac.s, 'inroom:set', {
        pollId,
        electorate: 'residents',
        ballots: 5,
        counts: [
          { option: options[0]!.id, count: first },
          { option: options[1]!.id, count: second },
        ],
      });
    expect(await handCount(4, 2)).toMatchObject({ ok: false, error: { code: 'inconsistent_ballots' } });
    expect(await handCount(3, 2)).toEqual({ ok: true, data: null });
    await waitFor(
      () => {
        const res = pollView(r.views, pollId)?.tally.electorates.find((e) => e.electorate === 'residents');
        return res?.turnout === 8 && res.inRoomEnteredBy === c.facilitatorId;
      },
      2000,
      'in-room counts in the tally',
    );

    await emit(fac.s, 'poll:close', { pollId });
    await waitFor(
      () => {
        const res = pollView(r.views, pollId)?.tally.electorates.find((e) => e.electorate === 'residents');
        return res?.outcome?.kind === 'winner' && res.outcome.optionId === options[0]!.id;
      },
      2000,
      'the winner',
    );
  });

  it('closes a poll by itself at its closing time and records the decision', async () => {
    const fac = await open(c.facilitator);
    const created = await emit(fac.s, 'poll:create', {
      meetingId,
      title: '限时表决',
      kind: 'motion',
      eligibility: 'members',
      secrecy: 'roll_call',
      results: 'hidden_until_close',
      rule: { quorum: { kind: 'ballots_cast', min: { kind: 'count', count: 2 } }, threshold: majority },
      closesAt: new Date(Date.now() + 1500).toISOString(),
    });
    if (!created.ok) throw new Error(JSON.stringify(created));
    const pollId = created.data.poll.definition.id;
    await emit(fac.s, 'poll:open', { pollId });
    expect(await emit(fac.s, 'ballot:cast', { pollId, choice: { kind: 'motion', choice: 'yes' }, idempotencyKey: randomUUID() })).toMatchObject({
      ok: true,
    });
    // Members are a known list: every hand counted is a member named, and they cannot have voted online.
    expect(await emit(fac.s, 'inroom:set', { pollId, electorate: 'members', ballots: 99, counts: [{ option: 'no', count: 99 }] })).toMatchObject({
      ok: false,
      error: { code: 'voters_mismatch' },
    });
    expect(
      await emit(fac.s, 'inroom:set', { pollId, electorate: 'members', ballots: 1, counts: [{ option: 'no', count: 1 }], voters: [c.facilitatorId] }),
    ).toMatchObject({ ok: false, error: { code: 'voted_online' } });
    // Roll call: the vote may change until close.
    expect(await emit(fac.s, 'ballot:cast', { pollId, choice: { kind: 'motion', choice: 'no' }, idempotencyKey: randomUUID() })).toMatchObject({
      ok: true,
      data: { status: 'changed', receipt: null },
    });
    // Hidden until close: turnout shows, results do not.
    await waitFor(() => pollView(fac.views, pollId)?.tally.electorates[0]?.turnout === 1, 2000, 'turnout');
    expect(pollView(fac.views, pollId)!.tally.electorates[0]!.results).toBeNull();
    expect(pollView(fac.views, pollId)!.named).toEqual([]);
    await waitFor(() => pollView(fac.views, pollId)?.poll.state === 'closed', 5000, 'the timed close');
    const closed = pollView(fac.views, pollId)!;
    expect(closed.tally.electorates[0]!.outcome?.kind).toBe('no_quorum');
    expect(closed.named).toEqual([{ name: '李主持', electorate: 'members', choice: { kind: 'motion', choice: 'no' }, inRoom: false }]);
    const decisions = await app.services.store.polls.decisions(meetingId as never);
    expect(decisions.map((d) => d.title)).toContain('限时表决');
  });

  it('refuses duplicate options, out-of-range scores and voters outside the electorate, and counts nothing for them', async () => {
    const fac = await open(c.facilitator);
    const mk = async (body: Record<string, unknown>) => {
      const r = await emit(fac.s, 'poll:create', {
        meetingId,
        secrecy: 'secret',
        results: 'live',
        rule: { quorum: { kind: 'none' }, threshold: null },
        ...body,
      });
      if (!r.ok) throw new Error(JSON.stringify(r));
      await emit(fac.s, 'poll:open', { pollId: r.data.poll.definition.id });
      const def = r.data.poll.definition;
      return { pollId: def.id, options: 'options' in def ? def.options.map((o) => o.id) : [] };
    };
    const multi = await mk({ title: '多选', kind: 'multiple', options: ['a', 'b', 'c'], maxChoices: 2, eligibility: 'members' });
    const score = await mk({ title: '打分', kind: 'score', options: ['a', 'b'], eligibility: 'members' });
    const ranked = await mk({ title: '排序', kind: 'ranked', options: ['a', 'b', 'c'], eligibility: 'members' });
    const cast = (pollId: string, choice: unknown) => emit(fac.s, 'ballot:cast', { pollId, choice, idempotencyKey: randomUUID() });

    expect(await cast(multi.pollId, { kind: 'multiple', optionIds: [multi.options[0], multi.options[0]] })).toMatchObject({
      error: { code: 'duplicate_option' },
    });
    expect(await cast(multi.pollId, { kind: 'multiple', optionIds: multi.options })).toMatchObject({ error: { code: 'too_many_choices' } });
    expect(await cast(ranked.pollId, { kind: 'ranked', ranking: [ranked.options[1], ranked.options[1]] })).toMatchObject({
      error: { code: 'duplicate_option' },
    });
    expect(await cast(ranked.pollId, { kind: 'ranked', ranking: [multi.options[0]] })).toMatchObject({ error: { code: 'unknown_option' } });
    // 6 is refused by the wire schema already; a score for a missing option by the domain rules.
    expect(
      await cast(score.pollId, {
        kind: 'score',
        scores: [
          { optionId: score.options[0], score: 6 },
          { optionId: score.options[1], score: 1 },
        ],
      }),
    ).toMatchObject({
      error: { code: 'invalid_input' },
    });
    expect(await cast(score.pollId, { kind: 'score', scores: [{ optionId: score.options[0], score: 3 }] })).toMatchObject({
      error: { code: 'missing_score' },
    });

    const resident = new ApiClient(app.url);
    await resident.ok('POST', '/api/join', { code: joinCode, displayName: '想投票的居民' });
    const r = await open(resident);
    expect(
      await emit(r.s, 'ballot:cast', {
        pollId: multi.pollId,
        choice: { kind: 'multiple', optionIds: [multi.options[0]] },
        idempotencyKey: randomUUID(),
      }),
    ).toMatchObject({
      error: { code: 'not_eligible' },
    });

    // None of it was counted; a valid ballot still is: held (one voter, k = 3), then sealed by the close.
    const heldTwice = new Promise<void>((resolve) => {
      let n = 0;
      fac.s.on('ballot:held', () => ++n === 2 && resolve());
    });
    const valid = [
      cast(score.pollId, {
        kind: 'score',
        scores: [
          { optionId: score.options[0], score: 5 },
          { optionId: score.options[1], score: 0 },
        ],
      }),
      cast(ranked.pollId, { kind: 'ranked', ranking: [ranked.options[2], ranked.options[0]] }),
    ];
    await heldTwice;
    for (const id of [score.pollId, ranked.pollId]) expect(await emit(fac.s, 'poll:close', { pollId: id })).toMatchObject({ ok: true });
    for (const v of valid) expect(await v).toMatchObject({ ok: true, data: { status: 'recorded' } });
    await waitFor(() => pollView(fac.views, score.pollId)?.tally.electorates[0]?.turnout === 1, 2000, 'the score ballot');
    for (const id of [multi.pollId, ranked.pollId, score.pollId]) {
      const n = (
        (await app.services.store.db.execute(sql`SELECT count(*)::int AS n FROM voter_roll WHERE poll_id = ${id}`)) as unknown as {
          rows: { n: number }[];
        }
      ).rows[0]?.n;
      expect(n).toBe(id === multi.pollId ? 0 : 1);
    }
    await waitFor(
      () => {
        const res = pollView(fac.views, ranked.pollId)?.tally.electorates[0]?.results;
        return res?.kind === 'ranked' && res.winner === ranked.options[2];
      },
      2000,
      'the runoff',
    );
  });
});
