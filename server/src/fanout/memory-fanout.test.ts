import { describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/ports.ts';
import { memoryFanout } from './memory-fanout.ts';

describe('the memory fan-out', () => {
  it('relays to no other instance and is always healthy', async () => {
    const f = memoryFanout();
    expect(f.relaysToOtherInstances).toBe(false);
    expect(f.health()).toEqual({ fanout: 'memory', status: 'ok' });
    await f.close();
  });

  it("carries bytes in the process to every subscriber of the channel, tagged with this instance's id", async () => {
    const f = memoryFanout();
    const got: [string, number[], string][] = [];
    f.subscribe('agenda:1', (bytes, origin) => got.push(['first', [...bytes], origin]));
    f.subscribe('agenda:1', (bytes, origin) => got.push(['second', [...bytes], origin]));
    f.subscribe('agenda:2', (bytes, origin) => got.push(['other channel', [...bytes], origin]));
    const buffer = new Uint8Array([1, 2, 3]);
    f.publish('agenda:1', buffer);
    // Delivered later, like Redis: nothing has arrived when publish returns...
    expect(got).toEqual([]);
    // ...and a publisher may reuse its buffer at once.
    buffer.fill(9);
    await waitFor(() => got.length === 2, 1_000, 'both subscribers');
    expect(got).toEqual([
      ['first', [1, 2, 3], f.instanceId],
      ['second', [1, 2, 3], f.instanceId],
    ]);
    await f.close();
  });

  it('gives each subscriber its own copy, and stops delivering after unsubscribing', async () => {
    const f = memoryFanout();
    const seen: Uint8Array[] = [];
    const stop = f.subscribe('c', (bytes) => {
      bytes[0] = 42; // a subscriber that scribbles on what it got
      seen.push(bytes);
    });
    const clean: number[][] = [];
    f.subscribe('c', (bytes) => clean.push([...bytes]));
    f.publish('c', new Uint8Array([7]));
    await waitFor(() => clean.length === 1 && seen.length === 1, 1_000, 'delivery');
    expect(clean).toEqual([[7]]);
    stop();
    f.publish('c', new Uint8Array([8]));
    await waitFor(() => clean.length === 2, 1_000, 'the second message');
    expect(seen).toHaveLength(1);
    await f.close();
  });

  it('lets a subscriber tell its own messages apart from other instances by origin', async () => {
    const a = memoryFanout();
    const b = memoryFanout();
    expect(a.instanceId).not.toBe(b.instanceId);
    const foreign: number[][] = [];
    a.subscribe('c', (bytes, origin) => {
      if (origin !== a.instanceId) foreign.push([...bytes]);
    });
    const all: string[] = [];
    a.subscribe('c', (_bytes, origin) => all.push(origin));
    a.publish('c', new Uint8Array([1]));
    await waitFor(() => all.length === 1, 1_000, 'own message');
    // Two memory fan-outs share nothing: each is a whole deployment of one instance.
    b.publish('c', new Uint8Array([2]));
    expect(all).toEqual([a.instanceId]);
    expect(foreign).toEqual([]);
    await Promise.all([a.close(), b.close()]);
  });

  it('limits in memory, per key', async () => {
    const f = memoryFanout();
    const l = f.limiter('x', { points: 2, perSeconds: 60 });
    expect([await l.take('k'), await l.take('k'), await l.take('k'), await l.take('other')]).toEqual([true, true, false, true]);
    await f.close();
  });
});
