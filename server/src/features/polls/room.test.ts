import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, emit } from '../../../../test/support/client.ts';
import { secretMembersMotion, setUpPollMeeting, type PollMeeting } from '../../../../test/support/poll-meeting.ts';
import { waitFor } from '../../../../test/support/ports.ts';

/**
 * Issue 7, the server's part of "the projector and the phone": a closed meeting's code answers
 * with what it decided (and still cannot be joined), and a member's other tabs hear that they
 * voted, never what, while nobody else hears anything.
 */
describe('closed meeting codes and a member voting from two tabs', () => {
  let setup: PollMeeting;
  let app: PollMeeting['app'];
  let c: PollMeeting['c'];
  let meetingId: string;
  let joinCode: string;
  const open = async (client: ApiClient) => (await setup.open(client, meetingId)).s;

  beforeAll(async () => {
    setup = await setUpPollMeeting();
    ({ app, c } = setup);
    ({ id: meetingId, joinCode } = await setup.newMeeting('年终议事会'));
  });
  afterAll(() => setup?.dispose());

  it("tells a member's other tabs that they voted, and nobody else", async () => {
    const fac = await open(c.facilitator);
    const tab1 = await open(c.member);
    const tab2 = await open(c.member);
    const heard: Record<string, unknown[]> = { fac: [], tab1: [], tab2: [] };
    fac.on('ballot:voted', (e) => heard.fac!.push(e));
    tab1.on('ballot:voted', (e) => heard.tab1!.push(e));
    tab2.on('ballot:voted', (e) => heard.tab2!.push(e));
    expect((await emit(fac, 'meeting:transition', { meetingId, to: 'live' })).ok).toBe(true);

    const created = await emit(fac, 'poll:create', {
      meetingId,
      title: '同意更换物业',
      kind: 'single',
      options: ['甲公司', '乙公司'],
      eligibility: 'members',
      secrecy: 'secret',
      results: 'live',
      rule: { quorum: { kind: 'none' }, threshold: null },
    });
    if (!created.ok) throw new Error(JSON.stringify(created));
    const def = created.data.poll.definition;
    const pollId = def.id;
    expect((await emit(fac, 'poll:open', { pollId })).ok).toBe(true);
    const first = def.kind === 'single' ? def.options[0]!.id : '';

    // A lone secret ballot waits for company (k = 3); the close seals it, and then it is acked.
    const casting = emit(tab1, 'ballot:cast', { pollId, choice: { kind: 'single', optionId: first }, idempotencyKey: randomUUID() });
    await new Promise((r) => tab1.once('ballot:held', r));
    expect((await emit(fac, 'poll:close', { pollId })).ok).toBe(true);
    const cast = await casting;
    expect(cast.ok).toBe(true);
    await waitFor(() => heard.tab2!.length === 1, 3000, "the member's other tab to hear");
    expect(heard.tab2).toEqual([{ pollId }]); // that they voted; not what
    expect(heard.tab1).toEqual([]);
    expect(heard.fac).toEqual([]);

    const motion = await emit(fac, 'poll:create', {
      meetingId,
      title: '同意加装电梯',
      ...secretMembersMotion,
    });
    if (!motion.ok) throw new Error(JSON.stringify(motion));
    const motionId = motion.data.poll.definition.id;
    expect((await emit(fac, 'poll:open', { pollId: motionId })).ok).toBe(true);
    const second = emit(tab2, 'ballot:cast', { pollId: motionId, choice: { kind: 'motion', choice: 'yes' }, idempotencyKey: randomUUID() });
    await new Promise((r) => tab2.once('ballot:held', r));
    expect((await emit(fac, 'poll:close', { pollId: motionId })).ok).toBe(true);
    expect((await second).ok).toBe(true);
  });

  it("answers a closed meeting's code with its decisions, and still refuses to join it", async () => {
    const before = await new ApiClient(app.url).ok('GET', `/api/join/${joinCode}`);
    expect(before).toMatchObject({ state: 'live', decisions: [] });

    const fac = await open(c.facilitator);
    expect((await emit(fac, 'meeting:transition', { meetingId, to: 'closed' })).ok).toBe(true);
    const preview = await new ApiClient(app.url).ok('GET', `/api/join/${joinCode.toLowerCase()}`);
    expect(preview).toEqual({
      meetingId,
      title: '年终议事会',
      councilName: '幸福里社区议事会',
      state: 'closed',
      startsAt: expect.any(String),
      decisions: [
        { title: '同意更换物业', outcomes: [{ electorate: 'members', kind: 'winner', labels: ['甲公司'] }] },
        { title: '同意加装电梯', outcomes: [{ electorate: 'members', kind: 'passed', labels: [] }] },
      ],
    });
    const join = await new ApiClient(app.url).call('POST', '/api/join', { code: joinCode, displayName: '迟到的居民' });
    expect(join.status).toBe(404);
    expect((await new ApiClient(app.url).call('GET', '/api/join/ZZZZZZ')).status).toBe(404);
  });
});
