import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import type { MeetingId, MemberId, PollId } from '@yishi/protocol';
import { POLL_CLOSE } from './deadlines.ts';
import type { Store } from './store.ts';

const past = () => new Date(Date.now() - 1_000);
const future = () => new Date(Date.now() + 3_600_000);

/**
 * The deadlines table and the view-version sequence, on each driver (called from
 * store.acceptance.ts inside its describe, with that suite's store and meeting).
 */
export function deadlineAcceptance(ctx: () => { store: Store; meetingId: MeetingId; adminId: MemberId }): void {
  it('claims a deadline only once it is due, and only once while the lease holds', async () => {
    const { store } = ctx();
    const subject = randomUUID();
    await store.deadlines.set('test.a', subject, future());
    expect((await store.deadlines.claimDue('i1', 60_000)).filter((c) => c.subject === subject)).toEqual([]);
    await store.deadlines.set('test.a', subject, past());
    const [claim, ...more] = (await store.deadlines.claimDue('i1', 60_000)).filter((c) => c.subject === subject);
    expect(more).toEqual([]);
    expect(claim).toMatchObject({ kind: 'test.a', subject, attempts: 1 });
    expect(await store.deadlines.claimDue('i2', 60_000)).toEqual([]);
    expect(await store.deadlines.complete(claim!)).toBe(true);
    expect(await store.deadlines.get('test.a', subject)).toBeUndefined();
  });

  it('gives each due deadline to exactly one of several instances claiming at once', async () => {
    const { store } = ctx();
    const subjects = Array.from({ length: 20 }, () => randomUUID());
    for (const s of subjects) await store.deadlines.set('test.race', s, past());
    const rounds = await Promise.all(['i1', 'i2', 'i3', 'i4'].map((i) => store.deadlines.claimDue(i, 60_000, 100)));
    const claimed = rounds
      .flat()
      .filter((c) => c.kind === 'test.race')
      .map((c) => c.subject);
    expect(claimed.sort()).toEqual([...subjects].sort());
    for (const r of rounds) for (const c of r) await store.deadlines.complete(c);
  });

  it("takes over a claim older than the lease; the first claimer's completion then does nothing", async () => {
    const { store } = ctx();
    const subject = randomUUID();
    await store.deadlines.set('test.lease', subject, past());
    const [first] = await store.deadlines.claimDue('crashed', 60_000);
    expect(first?.subject).toBe(subject);
    // A lease of 0 ms has run out by the next statement.
    const [second] = await store.deadlines.claimDue('survivor', 0);
    expect(second).toMatchObject({ subject, attempts: 2 });
    expect(await store.deadlines.complete(first!)).toBe(false);
    expect(await store.deadlines.complete(second!)).toBe(true);
  });

  it('moving a claimed deadline drops the claim; a failed one is due again after its delay', async () => {
    const { store } = ctx();
    const subject = randomUUID();
    await store.deadlines.set('test.move', subject, past());
    const [claim] = await store.deadlines.claimDue('i1', 60_000);
    await store.deadlines.set('test.move', subject, future());
    expect(await store.deadlines.complete(claim!)).toBe(false);
    expect(await store.deadlines.get('test.move', subject)).toMatchObject({ claimed: false, attempts: 0 });

    await store.deadlines.set('test.move', subject, past());
    const [again] = await store.deadlines.claimDue('i1', 60_000);
    await store.deadlines.retryLater(again!, 3_600_000);
    expect(await store.deadlines.get('test.move', subject)).toMatchObject({ claimed: false, attempts: 1 });
    expect((await store.deadlines.get('test.move', subject))!.dueAt.getTime()).toBeGreaterThan(Date.now() + 3_000_000);
    expect(await store.deadlines.claimDue('i2', 60_000)).toEqual([]);
    await store.deadlines.cancel('test.move', subject);
    expect(await store.deadlines.get('test.move', subject)).toBeUndefined();
  });

  it('ensure adds missing deadlines and leaves existing ones and their claims alone', async () => {
    const { store } = ctx();
    const [a, b] = [randomUUID(), randomUUID()];
    await store.deadlines.set('test.ensure', a, past());
    const [claim] = await store.deadlines.claimDue('i1', 60_000);
    await store.deadlines.ensure('test.ensure', [
      { subject: a, dueAt: future() },
      { subject: b, dueAt: future() },
    ]);
    expect(await store.deadlines.get('test.ensure', a)).toMatchObject({ claimed: true });
    expect(await store.deadlines.get('test.ensure', b)).toMatchObject({ claimed: false });
    expect(await store.deadlines.complete(claim!)).toBe(true);
  });

  it('opening a poll with a closing time stores its deadline with it; one without has none', async () => {
    const { store, meetingId, adminId } = ctx();
    const make = async (closesAt: Date | null) => {
      const id = randomUUID() as PollId;
      const definition = {
        id,
        kind: 'motion',
        title: '定时',
        eligibility: 'members',
        secrecy: 'roll_call',
        results: 'live',
        rule: { quorum: { kind: 'none' }, threshold: { share: { kind: 'simple_majority' }, base: 'ballots_cast', abstentions: 'excluded' } },
      } as never;
      await store.polls.create({
        meetingId,
        definition,
        residentAccess: 'none' as never,
        closesAt: closesAt?.toISOString() ?? null,
        agendaItemId: null,
        createdBy: adminId,
      });
      return id;
    };
    const closesAt = future();
    const timed = await make(closesAt);
    expect(await store.deadlines.get(POLL_CLOSE, timed)).toBeUndefined(); // a draft does not close by itself
    await store.polls.open(timed);
    expect((await store.deadlines.get(POLL_CLOSE, timed))?.dueAt.getTime()).toBe(closesAt.getTime());
    expect(await store.polls.openWithClosingTime()).toContainEqual({ pollId: timed, closesAt });
    const untimed = await make(null);
    await store.polls.open(untimed);
    expect(await store.deadlines.get(POLL_CLOSE, untimed)).toBeUndefined();
    await store.deadlines.cancel(POLL_CLOSE, timed);
  });

  it('hands out view versions in increasing order, above any clock reading in ms, never twice', async () => {
    const { store } = ctx();
    const a = await store.viewVersions.next();
    const b = await store.viewVersions.next();
    expect(a).toBeGreaterThan(Date.now());
    expect(b).toBeGreaterThan(a);
    const many = await Promise.all(Array.from({ length: 50 }, () => store.viewVersions.next()));
    expect(new Set(many).size).toBe(50);
    expect(Math.min(...many)).toBeGreaterThan(b);
  });
}
