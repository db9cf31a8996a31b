import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PollView, Result, CastResult, ViewSnapshot } from '@yishi/protocol';
import { ApiClient, connected, emit, pollsOf, type YishiClientSocket } from '../support/client.ts';
import { FailoverClient } from '../support/failover-client.ts';
import { openSecretPoll } from '../support/open-poll.ts';
import { setUpCouncil } from '../support/council.ts';
import { waitFor } from '../support/ports.ts';
import type { ServerProcess } from '../support/server-process.ts';
import { startTwoInstances, type TwoInstances } from '../support/two-instances.ts';

/** A resident's phone: keeps every view, and casts until acknowledged across instance failures. */
class Voter extends FailoverClient {
  views = new Map<string, ViewSnapshot>();
  acked: Result<CastResult> | null = null;

  protected keep(v: ViewSnapshot): void {
    const k = `${v.meetingId}/${v.kind}`;
    const have = this.views.get(k);
    if (!have || have.version < v.version) this.views.set(k, v);
  }

  /** The key stays the same on every retry. */
  async vote(pollId: string, choice: unknown): Promise<Result<CastResult>> {
    const idempotencyKey = randomUUID();
    this.acked = await this.untilAcked((s) => emit(s, 'ballot:cast', { pollId, choice, idempotencyKey }));
    return this.acked;
  }
}

describe('votes across two instances', () => {
  let servers: TwoInstances;
  let a: ServerProcess;
  let b: ServerProcess;
  let setup: Awaited<ReturnType<typeof setUpCouncil>>;
  let meetingId: string;
  let joinCode: string;
  let facilitator: YishiClientSocket;
  const voters: Voter[] = [];

  beforeAll(async () => {
    servers = await startTwoInstances({ AUTH_RATE_PER_MINUTE: '100000' });
    ({ a, b } = servers);
    setup = await setUpCouncil(b.url, b.setupUrl!);
    const m = await setup.facilitator.ok('POST', '/api/meetings', { title: '表决', startsAt: '2026-12-01T19:00:00+08:00', mode: 'online' });
    meetingId = m.id;
    joinCode = m.joinCode;
    facilitator = setup.facilitator.socket({ base: b.url });
    await connected(facilitator);
    await emit(facilitator, 'meeting:join', { meetingId });
    await emit(facilitator, 'meeting:transition', { meetingId, to: 'live' });
    // 40 residents, half on each instance.
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const base = i % 2 === 0 ? a.url : b.url;
        const api = new ApiClient(base);
        await api.ok('POST', '/api/join', { code: joinCode, displayName: `居民${i}` });
        const v = new Voter(api, i % 2 === 0 ? [a.url, b.url] : [b.url, a.url], meetingId);
        await v.connect();
        voters.push(v);
      }),
    );
  });
  afterAll(async () => {
    for (const v of voters) v.close();
    facilitator?.close();
    await servers?.stop();
  });

  const createPoll = (title: string) => openSecretPoll(facilitator, meetingId, title);
  const turnout = (v: Voter, pollId: string) => {
    const p = (pollsOf(v.views, meetingId)?.polls ?? []).find((x: PollView) => x.poll.definition.id === pollId);
    return p?.tally.electorates.find((e) => e.electorate === 'residents')?.turnout;
  };

  const closeAndCount = async (pollId: string) => {
    expect(await emit(facilitator, 'poll:close', { pollId })).toMatchObject({ ok: true });
    const [{ n }] = await servers.db.sql('SELECT count(*)::int AS n FROM final_ballots WHERE poll_id = $1', [pollId]);
    const [{ r }] = await servers.db.sql('SELECT count(*)::int AS r FROM voter_roll WHERE poll_id = $1', [pollId]);
    return { ballots: n as number, voters: r as number };
  };

  it('seals secret ballots k at a time on each instance, and the close on B seals what both still hold, once', async () => {
    const { pollId, options } = await createPoll('第一题');
    const k = 3;
    const pending = voters.map((v, i) => v.vote(pollId, { kind: 'single', optionId: options[i % 3] }));
    // 20 voters on each instance: batches of k or more (those arriving while a batch commits join
    // the next), and fewer than k left held on each, unwritten, until close.
    const sealedCount = async () => (await servers.db.sql('SELECT count(*)::int AS n FROM ballot_box WHERE poll_id = $1', [pollId]))[0].n as number;
    await waitFor(async () => (await sealedCount()) >= 40 - 2 * (k - 1), 5000, 'all but fewer than k per instance sealed');
    const batches = await servers.db.sql('SELECT xmin::text AS x, count(*)::int AS n FROM ballot_box WHERE poll_id = $1 GROUP BY xmin', [pollId]);
    for (const b of batches) expect(b.n).toBeGreaterThanOrEqual(k);
    const n = await sealedCount();
    await waitFor(() => voters.every((v) => turnout(v, pollId) === n), 3000, 'every voter, on A and on B, to see the sealed ballots');
    // The close on B takes A's held ballots too (handed over through Redis) and seals them all with the poll.
    expect(await closeAndCount(pollId)).toEqual({ ballots: 40, voters: 40 });
    const results = await Promise.all(pending);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results.filter((r) => r.ok && r.data.status === 'recorded')).toHaveLength(40);
  });

  it('a lone ballot held on A is counted by a close on B', async () => {
    const { pollId, options } = await createPoll('单独一票');
    const onA = voters.find((v) => v.bases[0] === a.url)!;
    expect(onA).toBeDefined();
    const held = new Promise((r) => onA.socket.once('ballot:held', r));
    const cast = onA.vote(pollId, { kind: 'single', optionId: options[1] });
    expect(await held).toEqual({ pollId, sealAt: 3 });
    expect((await servers.db.sql('SELECT count(*)::int AS n FROM voter_roll WHERE poll_id = $1', [pollId]))[0].n).toBe(0);
    expect(await closeAndCount(pollId)).toEqual({ ballots: 1, voters: 1 });
    expect(await cast).toMatchObject({ ok: true, data: { status: 'recorded' } });
  });

  it('loses no acknowledged ballot when an instance is killed mid-vote; its voters (held ones too) finish on the other, counted once', async () => {
    const { pollId, options } = await createPoll('第二题');
    const pending: Promise<Result<CastResult>>[] = [];
    const ackedBeforeKill = new Set<number>();
    for (let i = 0; i < voters.length; i++) {
      const p = voters[i]!.vote(pollId, { kind: 'single', optionId: options[i % 3] });
      p.then((r) => r.ok && ackedBeforeKill.add(i));
      pending.push(p);
      if (i === 20) await a.crash(); // kill -9, with ballots held and in flight on it
      await new Promise((r) => setImmediate(r));
    }
    // Everyone is on B now; what B still holds (fewer than k) is sealed by the close.
    await waitFor(
      async () => (await servers.db.sql('SELECT count(*)::int AS n FROM voter_roll WHERE poll_id = $1', [pollId]))[0].n >= 38,
      10000,
      'B to seal the resent ballots',
    );
    expect(await closeAndCount(pollId)).toEqual({ ballots: 40, voters: 40 });
    const results = await Promise.all(pending);
    expect(results.every((r) => r.ok)).toBe(true);
    const statuses = results.map((r) => (r.ok ? r.data.status : 'error'));
    expect(statuses.every((s) => s === 'recorded' || s === 'unchanged')).toBe(true);
    expect(ackedBeforeKill.size).toBeGreaterThan(0);
    await waitFor(() => voters.every((v) => turnout(v, pollId) === 40), 5000, 'every voter, now all on B, to see 40');
  });
});
