import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PollView } from '@yishi/protocol';
import { connected, emit, pollsOf, joinTracking, type YishiClientSocket } from '../support/client.ts';
import { rollCallMembersMotion } from '../support/poll-fields.ts';
import { setUpCouncil } from '../support/council.ts';
import { waitFor } from '../support/ports.ts';
import type { ServerProcess } from '../support/server-process.ts';
import { startTwoInstances, type TwoInstances } from '../support/two-instances.ts';

/**
 * Issue 7: quorum must not depend on sockets. A member's socket lives on instance B; the
 * facilitator closes polls on A. While B is frozen (SIGSTOP: it cannot answer fetchSockets) and
 * after it is killed, the quorum at close still comes from the attendance record in PostgreSQL,
 * and the attendance figure is stored with the decision.
 */
describe('quorum at close comes from the attendance record, across two instances', () => {
  let servers: TwoInstances;
  let a: ServerProcess;
  let b: ServerProcess;
  const sockets: YishiClientSocket[] = [];

  beforeAll(async () => {
    servers = await startTwoInstances();
    ({ a, b } = servers);
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    if (b?.proc.exitCode === null) b.proc.kill('SIGCONT');
    await servers?.stop();
  });

  it('a frozen, then killed, instance holding a member does not change the binding outcome', async () => {
    // Three members (王主任, 李主持, 张业主): a 50% quorum needs 2.
    const c = await setUpCouncil(a.url, a.setupUrl!);
    const m = await c.facilitator.ok('POST', '/api/meetings', { title: '跨实例法定人数', startsAt: '2026-12-01T19:00:00+08:00', mode: 'hybrid' });

    const fs = c.facilitator.socket({ base: a.url });
    sockets.push(fs);
    const views = await joinTracking(fs, m.id);

    const ms = c.member.socket({ base: b.url });
    sockets.push(ms);
    await connected(ms);
    expect(await emit(ms, 'meeting:join', { meetingId: m.id })).toMatchObject({ ok: true });

    // Roll-call motions: each ballot is acked as it is recorded. A secret ballot would be held
    // until three voters can be sealed together or the poll closes (docs/ARCHITECTURE.md, "Secret
    // ballots"), and with two voters each cast would wait for the close; the quorum under test
    // comes from the attendance record either way (held ballots: votes-two-instances.test.ts).
    const motion = async (title: string) => {
      const r = await emit(fs, 'poll:create', {
        meetingId: m.id,
        title,
        ...rollCallMembersMotion,
      });
      if (!r.ok) throw new Error(JSON.stringify(r));
      const pollId = r.data.poll.definition.id;
      await emit(fs, 'poll:open', { pollId });
      for (const s of [fs, ms])
        expect(await emit(s, 'ballot:cast', { pollId, choice: { kind: 'motion', choice: 'yes' }, idempotencyKey: randomUUID() })).toMatchObject({
          ok: true,
        });
      return pollId;
    };
    const closedView = async (pollId: string): Promise<PollView> => {
      let v: PollView | undefined;
      await waitFor(
        () => (v = pollsOf(views, m.id)?.polls.find((p) => p.poll.definition.id === pollId))?.poll.state === 'closed',
        15_000,
        'the closed poll',
      );
      return v!;
    };
    const first = await motion('冻结时表决');
    const second = await motion('宕机后表决');

    // B freezes: it holds 张业主's socket and cannot answer anyone.
    b.proc.kill('SIGSTOP');
    const t0 = Date.now();
    const closed = await emit(fs, 'poll:close', { pollId: first });
    expect(closed).toMatchObject({ ok: true });
    // The close did not wait on the frozen instance (Socket.IO's request timeout is 5 s).
    expect(Date.now() - t0).toBeLessThan(4_000);
    const v1 = await closedView(first);
    expect(v1.tally.electorates[0]!.outcome).toMatchObject({ kind: 'passed', basis: { quorum: { required: 2, actual: 2, met: true } } });
    expect(v1.decision?.attendance).toEqual({ present: 2, members: 3, required: 2 });

    // B dies without a word: 张业主's row stays open, and counts until its heartbeat is stale.
    await b.crash();
    expect(await emit(fs, 'poll:close', { pollId: second })).toMatchObject({ ok: true });
    const v2 = await closedView(second);
    expect(v2.tally.electorates[0]!.outcome?.kind).toBe('passed');
    expect(v2.decision?.attendance).toEqual({ present: 2, members: 3, required: 2 });
  });
});
