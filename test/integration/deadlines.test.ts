import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { PollView } from '@yishi/protocol';
import { emit, pollsOf, joinTracking, type ApiClient, type YishiClientSocket } from '../support/client.ts';
import { rollCallMembersMotion } from '../support/poll-fields.ts';
import { setUpCouncil } from '../support/council.ts';
import { waitFor } from '../support/ports.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { startTwoInstances, type TwoInstances } from '../support/two-instances.ts';

/**
 * Deadlines (server/src/scheduler/): a poll's closing time is a row, so it survives a restart,
 * and exactly one instance acts on it when several share the database.
 */

const sockets: YishiClientSocket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

/** The facilitator's socket on `base`, joined to the meeting, with its views tracked. */
async function follow(client: ApiClient, base: string, meetingId: string) {
  const s = client.socket({ base });
  sockets.push(s);
  const views = await joinTracking(s, meetingId);
  return { socket: s, views };
}

async function openTimedPoll(s: YishiClientSocket, meetingId: string, title: string, closesAt: Date): Promise<string> {
  const r = await emit(s, 'poll:create', { meetingId, title, ...rollCallMembersMotion, closesAt: closesAt.toISOString() });
  if (!r.ok) throw new Error(JSON.stringify(r));
  const pollId = r.data.poll.definition.id;
  expect(await emit(s, 'poll:open', { pollId })).toMatchObject({ ok: true });
  return pollId;
}

const handledLines = (out: string, pollId: string) => out.split('\n').filter((l) => l.includes('"deadline handled"') && l.includes(pollId));

describe('a poll closes at its time after a restart (embedded default)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'yishi-deadlines-'));
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deadline set, server stopped, started after the deadline: the poll closes', async () => {
    const first = await startServerProcess({ DATA_DIR: dir });
    server = first;
    const c = await setUpCouncil(first.url, first.setupUrl!);
    const m = await c.facilitator.ok('POST', '/api/meetings', { title: '重启后定时关闭', startsAt: '2026-12-01T19:00:00+08:00', mode: 'hybrid' });
    const { socket } = await follow(c.facilitator, first.url, m.id);
    const closesAt = new Date(Date.now() + 6_000);
    const pollId = await openTimedPoll(socket, m.id, '定时表决', closesAt);
    expect(await first.stop()).toBe(0);
    // The first process stopped before the closing time (else this test proves nothing).
    expect(handledLines(first.output(), pollId)).toEqual([]);

    await waitFor(() => Date.now() > closesAt.getTime() + 500, 15_000, 'the closing time to pass while stopped');
    const second = await startServerProcess({ DATA_DIR: dir });
    server = second;
    const { views } = await follow(c.facilitator, second.url, m.id);
    let view: PollView | undefined;
    await waitFor(
      () => (view = pollsOf(views, m.id)?.polls.find((p) => p.poll.definition.id === pollId))?.poll.state === 'closed',
      15_000,
      'the poll to close',
    );
    expect(view!.decision).toBeTruthy();
    expect(handledLines(second.output(), pollId)).toHaveLength(1);
  });
});

describe('two instances sharing PostgreSQL: exactly one acts on each deadline', () => {
  let servers: TwoInstances;
  afterAll(async () => {
    await servers?.stop();
  });

  it('closes each of several polls due at the same moment once, on one instance', async () => {
    servers = await startTwoInstances();
    const { a, b } = servers;
    const c = await setUpCouncil(a.url, a.setupUrl ?? b.setupUrl!);
    const m = await c.facilitator.ok('POST', '/api/meetings', { title: '两个实例定时关闭', startsAt: '2026-12-01T19:00:00+08:00', mode: 'hybrid' });
    const { socket, views } = await follow(c.facilitator, a.url, m.id);
    const closesAt = new Date(Date.now() + 4_000);
    const pollIds: string[] = [];
    for (let i = 0; i < 6; i++) pollIds.push(await openTimedPoll(socket, m.id, `定时表决 ${i + 1}`, closesAt));

    await waitFor(
      () => pollIds.every((id) => pollsOf(views, m.id)?.polls.find((p) => p.poll.definition.id === id)?.poll.state === 'closed'),
      20_000,
      'every poll to close',
    );
    for (const id of pollIds) {
      const lines = [...handledLines(a.output(), id), ...handledLines(b.output(), id)];
      expect(lines, id).toHaveLength(1);
      expect(JSON.parse(lines[0]!)).toMatchObject({ completed: true });
    }
    // One decision per poll, none recorded twice.
    const decided = pollsOf(views, m.id)!.polls.filter((p) => pollIds.includes(p.poll.definition.id) && p.decision);
    expect(decided).toHaveLength(pollIds.length);
  });
});
