import { describe, expect, it } from 'vitest';
import { GroupCommit, refused, stored } from './group-commit.ts';

/** A writer that records its batches and holds each until released, like a transaction in flight. */
function recording(maxBatch: number, fail: (batch: number[]) => boolean = () => false) {
  const batches: number[][] = [];
  const releases: (() => void)[] = [];
  const gc = new GroupCommit<number, string>(async (batch) => {
    batches.push(batch);
    await new Promise<void>((r) => releases.push(r));
    if (fail(batch)) throw new Error('transaction failed');
    return batch.map((n) => (n < 0 ? refused(new Error(`refused ${n}`)) : stored(`stored ${n}`)));
  }, maxBatch);
  const releaseNext = async () => {
    while (releases.length === 0) await new Promise((r) => setImmediate(r));
    releases.shift()!();
  };
  const started = async (n: number) => {
    while (batches.length < n) await new Promise((r) => setImmediate(r));
  };
  return { gc, batches, releaseNext, started };
}

describe('GroupCommit', () => {
  it('writes what arrives in one turn as one batch, and what arrives meanwhile as the next', async () => {
    const { gc, batches, releaseNext, started } = recording(100);
    const first = [1, 2, 3].map((n) => gc.submit(n));
    await started(1);
    // The first batch is being written (held open); these arrive while it runs.
    const second = [4, 5].map((n) => gc.submit(n));
    await releaseNext();
    expect(await Promise.all(first)).toEqual(['stored 1', 'stored 2', 'stored 3']);
    await releaseNext();
    expect(await Promise.all(second)).toEqual(['stored 4', 'stored 5']);
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('answers nobody before their batch is written', async () => {
    const { gc, releaseNext } = recording(100);
    let settled = false;
    const p = gc.submit(1).then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    await releaseNext();
    await p;
    expect(settled).toBe(true);
  });

  it('splits a burst at the largest batch', async () => {
    const { gc, batches, releaseNext } = recording(2);
    const all = [1, 2, 3, 4, 5].map((n) => gc.submit(n));
    for (let i = 0; i < 3; i++) await releaseNext();
    await Promise.all(all);
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('rejects the whole of a failed batch, and only that batch', async () => {
    const { gc, releaseNext } = recording(100, (b) => b.includes(2));
    const failed = [1, 2].map((n) => gc.submit(n).catch((e: Error) => e.message));
    await releaseNext();
    expect(await Promise.all(failed)).toEqual(['transaction failed', 'transaction failed']);
    const later = gc.submit(3);
    await releaseNext();
    expect(await later).toBe('stored 3');
  });

  it('lets the writer refuse one item and store the others', async () => {
    const { gc, releaseNext } = recording(100);
    const out = [1, -2, 3].map((n) => gc.submit(n).catch((e: Error) => e.message));
    await releaseNext();
    expect(await Promise.all(out)).toEqual(['stored 1', 'refused -2', 'stored 3']);
  });

  it('tells when everything submitted so far is written', async () => {
    const { gc, releaseNext } = recording(1);
    const all = [1, 2].map((n) => gc.submit(n));
    let flushed = false;
    const f = gc.flushed().then(() => (flushed = true));
    await releaseNext();
    await all[0];
    expect(flushed).toBe(false);
    await releaseNext();
    await f;
    expect(flushed).toBe(true);
    await expect(Promise.all(all)).resolves.toEqual(['stored 1', 'stored 2']);
  });

  it('starts the next batch before anyone acts on the answers of the last', async () => {
    // What an answer sets off (an ack, a view read from the database) must not get its query in
    // ahead of the next batch's transaction: the ballots would wait on the views they move.
    const { gc, batches, releaseNext, started } = recording(100);
    let begunWhenAnswered = -1;
    const first = gc.submit(1).then(() => (begunWhenAnswered = batches.length));
    await started(1);
    const second = gc.submit(2);
    await releaseNext();
    await first;
    expect(begunWhenAnswered).toBe(2);
    await releaseNext();
    expect(await second).toBe('stored 2');
  });
});
