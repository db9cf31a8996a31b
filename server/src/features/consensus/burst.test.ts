import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiClient, consensusOf, emit } from '../../../../test/support/client.ts';
import { waitFor } from '../../../../test/support/ports.ts';
import { setUpPollMeeting, type JoinedSocket, type PollMeeting } from '../../../../test/support/poll-meeting.ts';
import { addAgendaItems } from './agenda-items-fixture.ts';

/**
 * Issue 12's benchmark lost changes: every position was its own transaction, and the embedded
 * database runs one statement at a time on the event loop, so a room moving at once queued its
 * changes for tens of seconds (1,000 participants, 4,000 changes: ack p99 51 s); pings waited
 * behind them, sockets dropped, and the acks of changes already committed went with them, so a
 * participant was never told where they stood. A burst is now committed in a few transactions
 * (group commit), each change acknowledged after its commit, a participant's changes in order.
 */
describe('a burst of consensus positions', () => {
  let setup: PollMeeting;
  const RESIDENTS = 60;

  beforeAll(async () => {
    setup = await setUpPollMeeting();
  }, 60_000);
  afterAll(() => setup?.dispose());

  /** A live meeting with a check residents take part in, 3 members and RESIDENTS residents joined. */
  async function room(title: string) {
    const { c } = setup;
    const { id: meetingId, joinCode } = await setup.newMeeting(title);
    await addAgendaItems(setup.app.services.docs, meetingId, 'item-1');
    const fac = await setup.open(c.facilitator, meetingId);
    expect(await emit(fac.s, 'meeting:transition', { meetingId, to: 'live' })).toMatchObject({ ok: true });
    const opened = await emit(fac.s, 'consensus:open', { meetingId, itemId: 'item-1', proposal: '东门增设停车区', residents: true });
    if (!opened.ok) throw new Error(JSON.stringify(opened));
    const checkId = opened.data.checkId;

    // Members (their group is read with the batch) and residents.
    const participants: JoinedSocket[] = [fac, await setup.open(c.admin, meetingId), await setup.open(c.member, meetingId)];
    for (let i = 0; i < RESIDENTS; i++) {
      const api = new ApiClient(setup.app.url);
      await api.ok('POST', '/api/join', { code: joinCode, displayName: `居民${i + 1}` });
      participants.push(await setup.open(api, meetingId));
    }
    return { meetingId, checkId, fac, participants };
  }

  const levelOf = (i: number, step: number) => 1 + ((i + step) % 4);
  const db = () => setup.app.services.store.db;

  it('commits a burst in a few transactions and acks each change after its commit', async () => {
    const { checkId, participants } = await room('同时表态');
    const transactions = vi.spyOn(db(), 'transaction');
    try {
      const first = await Promise.all(
        participants.map((p, i) => emit(p.s, 'consensus:position', { checkId, level: levelOf(i, 0), idempotencyKey: randomUUID() })),
      );
      expect(first.map((r) => r.ok && r.data.status)).toEqual(participants.map(() => 'recorded'));
      const keys = participants.map(() => randomUUID());
      const again = await Promise.all(
        participants.map((p, i) => emit(p.s, 'consensus:position', { checkId, level: levelOf(i, 1), idempotencyKey: keys[i] })),
      );
      expect(again.map((r) => r.ok && r.data.status)).toEqual(participants.map(() => 'changed'));
      // One transaction per change before (126 here); a few batches now.
      expect(transactions.mock.calls.length).toBeLessThanOrEqual(12);
      // A resend of a change already committed (its ack lost with a connection) changes nothing.
      expect(await emit(participants[5]!.s, 'consensus:position', { checkId, level: levelOf(5, 1), idempotencyKey: keys[5] })).toMatchObject({
        ok: true,
        data: { status: 'unchanged' },
      });
    } finally {
      transactions.mockRestore();
    }
  }, 120_000);

  it('commits two changes sent back to back in the order sent: the last acknowledged is in the database and in the view, pushed as figures only', async () => {
    const { meetingId, checkId, fac, participants } = await room('连续改变');
    // Positions push only the figures (`consensus_live`), never the whole check again to everyone.
    await waitFor(() => consensusOf(fac.views, meetingId)?.checks.some((ch) => ch.id === checkId), 10_000, 'the check in the view');
    const pushed: string[] = [];
    fac.s.on('view', (v) => pushed.push(v.kind));
    // Everyone twice without waiting for the first ack (a double tap): the later change must win.
    const twice = await Promise.all(
      participants.flatMap((p, i) => [
        emit(p.s, 'consensus:position', { checkId, level: levelOf(i, 1), idempotencyKey: randomUUID() }),
        emit(p.s, 'consensus:position', { checkId, level: levelOf(i, 2), idempotencyKey: randomUUID() }),
      ]),
    );
    expect(twice.every((r) => r.ok)).toBe(true);

    // Every participant's last acknowledged level is in the database, and the room's view shows exactly its counts.
    const rows = (
      (await db().execute(sql`select participant, level from consensus_positions where check_id = ${checkId}`)) as unknown as {
        rows: { participant: string; level: number }[];
      }
    ).rows;
    expect(rows).toHaveLength(participants.length);
    const counts = [0, 0, 0, 0, 0];
    participants.forEach((_, i) => counts[levelOf(i, 2) - 1]!++);
    expect(rows.reduce((n, r) => (n[r.level - 1]!++, n), [0, 0, 0, 0, 0])).toEqual(counts);
    const residentCounts = [0, 0, 0, 0, 0];
    for (let i = 3; i < participants.length; i++) residentCounts[levelOf(i, 2) - 1]!++;
    const residentsOf = () => consensusOf(fac.views, meetingId)?.checks.find((ch) => ch.id === checkId)?.figures.residents;
    await waitFor(
      () => JSON.stringify(residentsOf()?.counts) === JSON.stringify(residentCounts),
      10_000,
      'the residents’ counts of the database in the view',
    );
    expect(residentsOf()?.participants).toBe(RESIDENTS);
    expect(pushed).toContain('consensus_live');
    expect(pushed).not.toContain('consensus');
  }, 120_000);
});
