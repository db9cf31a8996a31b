import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiClient, emit, type YishiClientSocket } from '../../../../test/support/client.ts';
import { setUpPollMeeting, type PollMeeting } from '../../../../test/support/poll-meeting.ts';
import { waitFor } from '../../../../test/support/ports.ts';

/**
 * Issue 9: a burst of secret ballots. Each was checked against the voter roll with its own query
 * before it was held, and the embedded database runs one query at a time on the event loop:
 * 5,000 ballots in a second were 5,000 queries queued in front of the seals (ack p50 4.4 s).
 * The checks of a burst now go out together, and every ballot is still answered after commit,
 * once per voter.
 */
describe('a burst of secret ballots', () => {
  let setup: PollMeeting;
  const VOTERS = 60;

  beforeAll(async () => {
    setup = await setUpPollMeeting();
  });
  afterAll(() => setup?.dispose());

  it('checks the roll in a few queries, acks every ballot after its seal, and counts each voter once', async () => {
    const { id: meetingId, joinCode } = await setup.newMeeting('同时投票');
    const fac = await setup.open(setup.c.facilitator, meetingId);
    expect((await emit(fac.s, 'meeting:transition', { meetingId, to: 'live' })).ok).toBe(true);
    const created = await emit(fac.s, 'poll:create', {
      meetingId,
      title: '健身器材放在哪里',
      kind: 'single',
      options: ['东门', '西门'],
      eligibility: 'everyone',
      secrecy: 'secret',
      results: 'live',
      rule: { quorum: { kind: 'none' }, threshold: null },
      residentAccess: 'open_unverified',
    });
    if (!created.ok) throw new Error(JSON.stringify(created));
    const poll = created.data.poll;
    const pollId = poll.definition.id;
    const optionId = poll.definition.kind === 'single' ? poll.definition.options[0]!.id : '';
    expect((await emit(fac.s, 'poll:open', { pollId })).ok).toBe(true);

    const residents: YishiClientSocket[] = [];
    const LATE = 3;
    for (let i = 0; i < VOTERS + LATE; i++) {
      const api = new ApiClient(setup.app.url);
      await api.ok('POST', '/api/join', { code: joinCode, displayName: `居民${i + 1}` });
      residents.push((await setup.open(api, meetingId)).s);
    }

    const polls = setup.app.services.store.polls;
    const single = vi.spyOn(polls, 'rollKey');
    const many = 'rollKeys' in polls ? vi.spyOn(polls as { rollKeys: (...a: never[]) => unknown }, 'rollKeys') : null;
    try {
      const keys = residents.map(() => randomUUID());
      const results = await Promise.all(
        residents.slice(0, VOTERS).map((s, i) => emit(s, 'ballot:cast', { pollId, choice: { kind: 'single', optionId }, idempotencyKey: keys[i] })),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(VOTERS);
      // One query per voter before; a burst now shares a handful.
      expect(single.mock.calls.length + (many?.mock.calls.length ?? 0)).toBeLessThanOrEqual(10);

      // Resends after the seal: the same key is "unchanged", another key a second ballot.
      expect(await emit(residents[0]!, 'ballot:cast', { pollId, choice: { kind: 'single', optionId }, idempotencyKey: keys[0] })).toMatchObject({
        ok: true,
        data: { status: 'unchanged' },
      });
      expect(await emit(residents[1]!, 'ballot:cast', { pollId, choice: { kind: 'single', optionId }, idempotencyKey: randomUUID() })).toMatchObject({
        ok: false,
        error: { code: 'already_voted' },
      });

      // The same again inside a burst, where a ballot goes into a seal without asking the roll
      // first (the seal's own insert says who was on it): same answers, nobody counted twice.
      const late = await Promise.all([
        ...residents
          .slice(VOTERS)
          .map((s, i) => emit(s, 'ballot:cast', { pollId, choice: { kind: 'single', optionId }, idempotencyKey: keys[VOTERS + i] })),
        emit(residents[2]!, 'ballot:cast', { pollId, choice: { kind: 'single', optionId }, idempotencyKey: randomUUID() }),
        emit(residents[3]!, 'ballot:cast', { pollId, choice: { kind: 'single', optionId }, idempotencyKey: keys[3] }),
      ]);
      expect(late.slice(0, LATE).every((r) => r.ok && r.data.status === 'recorded')).toBe(true);
      expect(late[LATE]).toMatchObject({ ok: false, error: { code: 'already_voted' } });
      expect(late[LATE + 1]).toMatchObject({ ok: true, data: { status: 'unchanged' } });
    } finally {
      single.mockRestore();
      many?.mockRestore();
    }

    const closed = await emit(fac.s, 'poll:close', { pollId });
    if (!closed.ok) throw new Error(JSON.stringify(closed));
    // The closed poll as the room is sent it (a view:get may serve the snapshot of a moment ago).
    const closedView = await waitFor(
      () => {
        const v = setup.pollView(fac.views, meetingId, pollId);
        return v?.tally.state === 'closed' ? v : undefined;
      },
      20_000,
      'the closed poll in the polls view',
    );
    const tally = closedView.tally;
    expect(tally.electorates.reduce((n, e) => n + e.turnout, 0)).toBe(VOTERS + LATE);
  });
});
