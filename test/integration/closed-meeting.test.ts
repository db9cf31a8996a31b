import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CastResult, Result } from '@yishi/protocol';
import { ApiClient, connected, emit, type YishiClientSocket } from '../support/client.ts';
import { setUpCouncil } from '../support/council.ts';
import type { ServerProcess } from '../support/server-process.ts';
import { startTwoInstances, type TwoInstances } from '../support/two-instances.ts';
import { secretMembersMotion, secretOpenMotion } from '../support/poll-fields.ts';

/**
 * Closing a meeting in the middle of a vote, on two instances: the open poll closes with its
 * outcome recorded, every acknowledged ballot is in that record and no other, and afterwards
 * every write, on either instance, is refused with meeting_closed.
 */
describe('closing a meeting mid-vote, across two instances', () => {
  let servers: TwoInstances;
  let a: ServerProcess;
  let b: ServerProcess;
  const sockets: YishiClientSocket[] = [];

  beforeAll(async () => {
    servers = await startTwoInstances({ AUTH_RATE_PER_MINUTE: '100000' });
    ({ a, b } = servers);
  }, 180_000);
  afterAll(async () => {
    for (const s of sockets) s.close();
    await servers?.stop();
  });

  it('records exactly the acknowledged ballots, then refuses every write on both instances', async () => {
    const setup = await setUpCouncil(b.url, b.setupUrl!);
    const m = await setup.facilitator.ok('POST', '/api/meetings', { title: '闭会表决', startsAt: '2026-12-01T19:00:00+08:00', mode: 'online' });
    const facB = setup.facilitator.socket({ base: b.url });
    const facA = setup.facilitator.socket({ base: a.url, origin: a.url });
    sockets.push(facA, facB);
    await Promise.all([connected(facA), connected(facB)]);
    await emit(facB, 'meeting:join', { meetingId: m.id });
    await emit(facB, 'meeting:transition', { meetingId: m.id, to: 'live' });
    const created = await emit(facB, 'poll:create', {
      meetingId: m.id,
      title: '是否同意',
      ...secretOpenMotion,
    });
    if (!created.ok) throw new Error(JSON.stringify(created));
    const pollId = created.data.poll.definition.id;
    const draft = await emit(facB, 'poll:create', {
      meetingId: m.id,
      title: '草稿',
      ...secretMembersMotion,
    });
    if (!draft.ok) throw new Error(JSON.stringify(draft));
    expect(await emit(facB, 'poll:open', { pollId })).toMatchObject({ ok: true });

    // 60 residents, half on each instance.
    const voters = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const base = i % 2 === 0 ? a.url : b.url;
        const api = new ApiClient(base);
        await api.ok('POST', '/api/join', { code: m.joinCode, displayName: `居民${i}` });
        const s = api.socket();
        sockets.push(s);
        await connected(s);
        await emit(s, 'meeting:join', { meetingId: m.id });
        return s;
      }),
    );

    // Ballots keep coming while the facilitator closes the meeting on B.
    const pending: Promise<Result<CastResult>>[] = [];
    let closed: Promise<Result<unknown>> | null = null;
    for (let i = 0; i < voters.length; i++) {
      pending.push(
        emit(voters[i]!, 'ballot:cast', { pollId, choice: { kind: 'motion', choice: i % 3 === 0 ? 'no' : 'yes' }, idempotencyKey: randomUUID() }),
      );
      if (i === 30) closed = emit(facB, 'meeting:transition', { meetingId: m.id, to: 'closed' });
      await new Promise((r) => setTimeout(r, 5));
    }
    const results = await Promise.all(pending);
    expect(await closed).toMatchObject({ ok: true });
    const acked = results.filter((r) => r.ok).length;
    const refused = results.filter((r) => !r.ok);
    // A ballot that arrives after its poll closed is refused, and says why.
    for (const r of refused) expect(['poll_not_open', 'meeting_closed']).toContain(r.ok ? null : r.error.code);

    const [{ n: stored }] = await servers.db.sql('SELECT count(*)::int AS n FROM final_ballots WHERE poll_id = $1', [pollId]);
    const [{ n: roll }] = await servers.db.sql('SELECT count(*)::int AS n FROM voter_roll WHERE poll_id = $1', [pollId]);
    const decisions = await servers.db.sql('SELECT outcome FROM decisions WHERE poll_id = $1', [pollId]);
    const [{ state }] = await servers.db.sql('SELECT state FROM polls WHERE id = $1', [pollId]);
    console.log(
      `[close mid-vote] acknowledged ${acked}/60, refused ${refused.length}, stored in the record ${stored}, decisions ${decisions.length}`,
    );
    expect(state).toBe('closed');
    expect(decisions).toHaveLength(1);
    expect(stored).toBe(acked);
    expect(roll).toBe(acked);

    // Every later write is refused, on either instance, and changes nothing.
    for (const fac of [facA, facB]) {
      const refusedClosed = { ok: false, error: { code: 'meeting_closed' } };
      expect(
        await emit(fac, 'poll:create', {
          meetingId: m.id,
          title: '会后',
          ...secretMembersMotion,
        }),
      ).toMatchObject(refusedClosed);
      expect(await emit(fac, 'poll:open', { pollId: draft.data.poll.definition.id })).toMatchObject(refusedClosed);
      expect(await emit(fac, 'poll:close', { pollId })).toMatchObject(refusedClosed);
      expect(await emit(fac, 'inroom:set', { pollId, electorate: 'residents', ballots: 5, counts: [{ option: 'yes', count: 5 }] })).toMatchObject(
        refusedClosed,
      );
      expect(await emit(fac, 'codes:issue', { meetingId: m.id, count: 2 })).toMatchObject(refusedClosed);
    }
    expect(await emit(voters[0]!, 'ballot:cast', { pollId, choice: { kind: 'motion', choice: 'yes' }, idempotencyKey: randomUUID() })).toMatchObject({
      ok: false,
      error: { code: 'meeting_closed' },
    });
    expect((await servers.db.sql('SELECT count(*)::int AS n FROM final_ballots WHERE poll_id = $1', [pollId]))[0].n).toBe(acked);
    expect(await servers.db.sql('SELECT count(*)::int AS n FROM decisions WHERE meeting_id = $1', [m.id])).toEqual([{ n: 1 }]);
    expect(await servers.db.sql('SELECT count(*)::int AS n FROM polls WHERE meeting_id = $1', [m.id])).toEqual([{ n: 2 }]);
  });
});
