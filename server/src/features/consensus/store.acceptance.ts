import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { DEFAULT_CONSENSUS_RULE } from '@yishi/domain';
import type { ConsensusCheckId } from '@yishi/protocol';
import type { StoreCase } from '../../storage/acceptance-context.ts';
import { RESIDENTS_KEY } from './store.ts';

/** Consensus checks' storage; run on each driver by storage/store.acceptance.ts, in order. */
export function consensusStoreAcceptance(t: StoreCase): void {
  let checkId: ConsensusCheckId;
  let groupA: string;
  let groupB: string;

  it('opens a check with its first proposal; positions are upserted with their idempotency key', async () => {
    const council = await t.store.councils.get(t.councilId as never);
    groupA = council.groups[0]!.id;
    groupB = council.groups[1]!.id;
    checkId = await t.store.consensus.open({
      meetingId: t.meetingId,
      itemId: 'item-1',
      proposal: '第一版',
      residents: true,
      named: false,
      rule: DEFAULT_CONSENSUS_RULE,
      createdBy: t.adminId,
    });
    const k = randomUUID();
    const set = async (participant: string, groupKey: string, level: number, idempotencyKey = randomUUID()) =>
      (await t.store.consensus.setPosition({ checkId, participant, groupKey, level, idempotencyKey })).status;
    expect(await set('m:a', groupA!, 1, k)).toBe('recorded');
    expect(await set('m:a', groupA!, 1, k)).toBe('unchanged');
    expect(await set('m:a', groupA!, 2)).toBe('changed');
    expect(await set('m:b', groupA!, 5)).toBe('recorded');
    expect(await set('m:c', groupB!, 3)).toBe('recorded');
    expect(await set('r:x', RESIDENTS_KEY, 4)).toBe('recorded');
    expect(await t.store.consensus.live(checkId)).toEqual({
      [groupA!]: [0, 1, 0, 0, 1],
      [groupB!]: [0, 0, 1, 0, 0],
      [RESIDENTS_KEY]: [0, 0, 0, 1, 0],
    });
    expect(await t.store.consensus.mine(checkId, 'm:a')).toEqual({ level: 2, round: 1 });
  });

  it('keeps a statement under the member, records rounds, amends, and opens the next round (carried over or reset)', async () => {
    await t.store.consensus.setPosition({
      checkId,
      participant: `m:${t.adminId}`,
      groupKey: groupA!,
      level: 5,
      idempotencyKey: randomUUID(),
      statement: { memberId: t.adminId, kind: 'block', text: '理由' },
    });
    expect(await t.store.consensus.record(checkId, 9)).toBe(1);
    expect(await t.store.consensus.record(checkId, 9)).toBe(1); // again: replaces round 1's figures
    expect(await t.store.consensus.amend(checkId, '第二版')).toBe(2);
    expect(await t.store.consensus.next(checkId, true, 9)).toBe(2);
    expect(await t.store.consensus.mine(checkId, 'm:a')).toEqual({ level: 2, round: 2 });
    expect(await t.store.consensus.next(checkId, false, 9)).toBe(3); // round 2 recorded on the way
    expect(await t.store.consensus.mine(checkId, 'm:a')).toEqual({ level: null, round: 3 });
    const [record] = (await t.store.consensus.forMeeting(t.meetingId)).filter((r) => r.check.id === checkId);
    expect(record!.rounds.map((r) => [r.round, r.proposalVersion, r.aggregate.membersPresent])).toEqual([
      [1, 1, 9],
      [2, 2, 9],
    ]);
    expect(record!.rounds[0]!.aggregate.groups[groupA!]).toEqual([0, 1, 0, 0, 2]);
    expect(record!.proposals.map((p) => p.text)).toEqual(['第一版', '第二版']);
    expect(record!.statements).toMatchObject([{ kind: 'block', text: '理由', round: 1 }]);
    expect(record!.positions).toBeNull();
  });

  it('closes once, with the outcome and final figures; an anonymous check keeps no positions; later writes are refused', async () => {
    await t.store.consensus.setPosition({ checkId, participant: 'm:a', groupKey: groupA!, level: 1, idempotencyKey: randomUUID() });
    await t.store.consensus.setPosition({ checkId, participant: 'm:c', groupKey: groupA!, level: 1, idempotencyKey: randomUUID() });
    await t.store.consensus.setPosition({ checkId, participant: 'm:d', groupKey: groupA!, level: 2, idempotencyKey: randomUUID() });
    // Positions racing the close: each one either commits before it (and is counted) or is refused.
    const racing = Array.from({ length: 10 }, (_, i) =>
      t.store.consensus.setPosition({ checkId, participant: `m:race${i}`, groupKey: groupB!, level: 3, idempotencyKey: randomUUID() }).then(
        () => 'ok',
        (e: { code?: string }) => e.code,
      ),
    );
    const outcome = await t.store.consensus.close(checkId, [groupA!, groupB!], 3);
    const results = await Promise.all(racing);
    expect(results.every((r) => r === 'ok' || r === 'check_closed')).toBe(true);
    const counted = results.filter((r) => r === 'ok').length;
    expect(outcome.text).toBe('第二版');
    expect(outcome.aggregate.groups[groupA!]).toEqual([2, 1, 0, 0, 0]);
    expect(outcome.aggregate.groups[groupB!]?.[2] ?? 0).toBe(counted);
    expect(outcome.reached).toBe(true);
    expect(await t.store.consensus.live(checkId)).toEqual({});
    await expect(
      t.store.consensus.setPosition({ checkId, participant: 'm:a', groupKey: groupA!, level: 1, idempotencyKey: randomUUID() }),
    ).rejects.toMatchObject({ code: 'check_closed' });
    await expect(t.store.consensus.close(checkId, [], 0)).rejects.toMatchObject({ code: 'check_closed' });
    await expect(t.store.consensus.amend(checkId, 'x')).rejects.toMatchObject({ code: 'check_closed' });
    const [record] = (await t.store.consensus.forMeeting(t.meetingId)).filter((r) => r.check.id === checkId);
    expect(record!.rounds.map((r) => r.round)).toEqual([1, 2, 3]);
    expect(record!.check.state).toBe('closed');
  });

  it('a named check keeps its positions after close', async () => {
    const named = await t.store.consensus.open({
      meetingId: t.meetingId,
      itemId: 'item-2',
      proposal: 'p',
      residents: false,
      named: true,
      rule: DEFAULT_CONSENSUS_RULE,
      createdBy: t.adminId,
    });
    await t.store.consensus.setPosition({ checkId: named, participant: 'm:a', groupKey: groupA!, level: 4, idempotencyKey: randomUUID() });
    await t.store.consensus.close(named, [groupA!], 1);
    const [record] = (await t.store.consensus.forMeeting(t.meetingId)).filter((r) => r.check.id === named);
    expect(record!.positions).toEqual([{ participant: 'm:a', groupKey: groupA!, level: 4 }]);
  });
}
