import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withLiveConsensus } from '@yishi/domain';
import { agendaRoom, type ConsensusCheck, type Result, type ViewSnapshot } from '@yishi/protocol';
import { ApiClient, connected, emit, type YishiClientSocket } from '../support/client.ts';
import { setUpCouncil } from '../support/council.ts';
import { waitFor } from '../support/ports.ts';
import type { ServerProcess } from '../support/server-process.ts';
import { startTwoInstances, type TwoInstances } from '../support/two-instances.ts';
import { addAgendaItems } from '../support/yjs.ts';
import { FailoverClient } from '../support/failover-client.ts';

/** A participant's phone: keeps the consensus views, and sets positions across instance failures. */
class Participant extends FailoverClient {
  view: ViewSnapshot<'consensus'> | null = null;
  live: ViewSnapshot<'consensus_live'> | null = null;
  /** The level of the last acknowledged change. */
  acked: number | null = null;

  protected keep(v: ViewSnapshot): void {
    if (v.kind === 'consensus' && (!this.view || this.view.version < v.version)) this.view = v;
    if (v.kind === 'consensus_live' && (!this.live || this.live.version < v.version)) this.live = v;
  }

  /** As the web app shows it: the full view with the newer live figures (positions push only those). */
  check(checkId: string): ConsensusCheck | undefined {
    return this.view ? withLiveConsensus(this.view, this.live).checks.find((c) => c.id === checkId) : undefined;
  }

  /** Sets a position until acknowledged, with one key for every retry. */
  async set(checkId: string, level: number): Promise<Result<{ status: string }>> {
    const idempotencyKey = randomUUID();
    const r = await this.untilAcked((s) => emit(s, 'consensus:position', { checkId, level, idempotencyKey }));
    if (r.ok) this.acked = level;
    return r;
  }
}

describe('consensus across two instances (Redis + PostgreSQL)', () => {
  let servers: TwoInstances;
  let a: ServerProcess;
  let b: ServerProcess;
  let meetingId: string;
  let facilitator: YishiClientSocket;
  let facCookie = '';
  let adminCookie = '';
  let groupId = '';
  const people: Participant[] = [];

  beforeAll(async () => {
    servers = await startTwoInstances({ AUTH_RATE_PER_MINUTE: '100000' });
    ({ a, b } = servers);
    const setup = await setUpCouncil(b.url, b.setupUrl!);
    const m = await setup.facilitator.ok('POST', '/api/meetings', { title: '协商', startsAt: '2026-12-01T19:00:00+08:00', mode: 'online' });
    meetingId = m.id;
    facCookie = setup.facilitator.cookie;
    adminCookie = setup.admin.cookie;
    groupId = setup.council.groups[1].id;
    facilitator = setup.facilitator.socket({ base: b.url });
    await connected(facilitator);
    await emit(facilitator, 'meeting:join', { meetingId });
    await emit(facilitator, 'meeting:transition', { meetingId, to: 'live' });
    // The council's member 张业主 on A, and 30 residents, half on each instance.
    const member = new Participant(setup.member, [a.url, b.url], meetingId);
    await member.connect();
    people.push(member);
    await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const base = i % 2 === 0 ? a.url : b.url;
        const api = new ApiClient(base);
        await api.ok('POST', '/api/join', { code: m.joinCode, displayName: `居民${i}` });
        const p = new Participant(api, i % 2 === 0 ? [a.url, b.url] : [b.url, a.url], meetingId);
        await p.connect();
        people.push(p);
      }),
    );
  }, 180_000);
  afterAll(async () => {
    for (const p of people) p.close();
    facilitator?.close();
    await servers?.stop();
  });

  it('a group renamed through one instance is renamed in the consensus view of every phone, on both', async () => {
    await addAgendaItems(b.url, agendaRoom(meetingId), facCookie, ['item-6']);
    const opened = await emit(facilitator, 'consensus:open', { meetingId, itemId: 'item-6', proposal: '更换门禁系统' });
    if (!opened.ok) throw new Error(JSON.stringify(opened));
    const { checkId } = opened.data;
    const nameIn = (p: Participant) => p.check(checkId)?.figures.groups.find((g) => g.groupId === groupId)?.name;
    await waitFor(() => people.every((p) => nameIn(p) !== undefined), 10_000, 'every phone sees the check');
    // The admin's settings page on A; the facilitator (and the other half of the phones) on B.
    const admin = new ApiClient(a.url);
    admin.cookie = adminCookie;
    await admin.ok('PATCH', `/api/council/groups/${groupId}`, { name: '楼组长（改名）' });
    await waitFor(() => people.every((p) => nameIn(p) === '楼组长（改名）'), 10_000, 'every phone, on A and on B, shows the new name');
    expect(await emit(facilitator, 'consensus:close', { checkId })).toMatchObject({ ok: true });
  }, 60_000);

  it('positions on both instances; kill -9 of one loses no acknowledged position; the final aggregate equals the database', async () => {
    // The check's item, added to the agenda document by the facilitator on B.
    await addAgendaItems(b.url, agendaRoom(meetingId), facCookie, ['item-7']);
    const opened = await emit(facilitator, 'consensus:open', { meetingId, itemId: 'item-7', proposal: '增设非机动车停放区', residents: true });
    if (!opened.ok) throw new Error(JSON.stringify(opened));
    const { checkId } = opened.data;

    // Random walks on the gradient (residents 1-4, the member 1-5 with a reason for a block).
    const walk = async (p: Participant, steps: number) => {
      let level = 1 + Math.floor(Math.random() * 4);
      for (let s = 0; s < steps; s++) {
        level = Math.min(4, Math.max(1, level + (Math.random() < 0.5 ? -1 : 1)));
        const r = await p.set(checkId, level);
        expect(r).toMatchObject({ ok: true });
      }
    };
    await Promise.all(people.map((p) => walk(p, 3)));
    // Everyone on both instances sees every participant within a second or so.
    await waitFor(() => people.every((p) => p.check(checkId)?.figures.residents?.participants === 30), 10_000, 'both instances see 30 residents');

    // Crash A in the middle of a burst: its participants reconnect to B and resend with the same key.
    const burst = Promise.all(people.map((p) => walk(p, 20)));
    await new Promise((r) => setTimeout(r, 150));
    await a.crash();
    await burst;
    // The crash did land mid-burst: some changes were in flight and sent again to B.
    expect(people.reduce((n, p) => n + p.resent, 0)).toBeGreaterThan(0);

    const expected = [0, 0, 0, 0, 0];
    for (const p of people.slice(1)) expected[p.acked! - 1]!++;
    const rows = await servers.db.sql(
      "SELECT level, count(*)::int AS n FROM consensus_positions WHERE check_id = $1 AND group_key = 'residents' GROUP BY level",
      [checkId],
    );
    const inDb = [0, 0, 0, 0, 0];
    for (const r of rows) inDb[(r.level as number) - 1] = r.n as number;
    expect(inDb).toEqual(expected);
    const [mine] = await servers.db.sql('SELECT level FROM consensus_positions WHERE check_id = $1 AND participant LIKE $2', [checkId, 'm:%']);
    expect(mine!.level).toBe(people[0]!.acked);

    // The live view converges to the database on the surviving instance.
    await waitFor(
      () => people.every((p) => JSON.stringify(p.check(checkId)?.figures.residents?.counts) === JSON.stringify(expected)),
      10_000,
      'every phone shows the committed figures',
    );

    const closed = await emit(facilitator, 'consensus:close', { checkId });
    expect(closed).toMatchObject({ ok: true });
    const [check] = await servers.db.sql('SELECT outcome, named FROM consensus_checks WHERE id = $1', [checkId]);
    const outcome = check!.outcome as { aggregate: { groups: Record<string, number[]> } };
    expect(outcome.aggregate.groups.residents).toEqual(expected);
    // Anonymous: no position rows remain, only the aggregates.
    const [left] = await servers.db.sql('SELECT count(*)::int AS n FROM consensus_positions WHERE check_id = $1', [checkId]);
    expect(left!.n).toBe(0);
    const [rounds] = await servers.db.sql('SELECT count(*)::int AS n FROM consensus_rounds WHERE check_id = $1', [checkId]);
    expect(rounds!.n).toBe(1);
    await waitFor(() => people.every((p) => p.check(checkId)?.state === 'closed'), 10_000, 'every phone sees the close');
    expect(people[5]!.check(checkId)!.figures.residents!.counts).toEqual(expected);
  }, 180_000);
});
