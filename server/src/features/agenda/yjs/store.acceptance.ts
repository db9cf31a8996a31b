import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { agendaRoom, notesRoom } from '@yishi/protocol';
import type { Store } from '../../../storage/store.ts';

const bytes = (...b: number[]) => Uint8Array.from(b);

/** The Yjs documents' rows on each driver (called from storage/store.acceptance.ts). */
export function yjsStoreAcceptance(ctx: () => { store: Store }): void {
  it('numbers the updates of each room from 1, without gaps, in the order of the batch', async () => {
    const { yjs } = ctx().store;
    const a = agendaRoom(randomUUID());
    const n = notesRoom(randomUUID());
    expect(
      await yjs.append([
        { room: a, update: bytes(1) },
        { room: n, update: bytes(2) },
        { room: a, update: bytes(3) },
      ]),
    ).toEqual([1, 1, 2]);
    expect(await yjs.append([{ room: a, update: bytes(4) }])).toEqual([3]);
    const stored = await yjs.load(a);
    expect(stored.snapshot).toBeNull();
    expect(stored.updates.map((u) => [u.seq, [...u.update]])).toEqual([
      [1, [1]],
      [2, [3]],
      [3, [4]],
    ]);
    expect((await yjs.load(a, 2)).updates.map((u) => u.seq)).toEqual([3]);
    expect(await yjs.heads([a, n, agendaRoom(randomUUID())])).toEqual(
      new Map([
        [a, 3],
        [n, 1],
      ]),
    );
  });

  it('gives concurrent appends to one room distinct numbers, one after another', async () => {
    const { yjs } = ctx().store;
    const room = agendaRoom(randomUUID());
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        yjs.append([
          { room, update: bytes(i) },
          { room, update: bytes(100 + i) },
        ]),
      ),
    );
    const seqs = results.flat().sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    // Each batch's two updates are adjacent.
    for (const [s1, s2] of results) expect(s2).toBe(s1! + 1);
  });

  it('replaces the updates a snapshot covers, never with an older snapshot, and loads snapshot then later updates', async () => {
    const { yjs } = ctx().store;
    const room = agendaRoom(randomUUID());
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    const items = doc.getArray<string>('items');
    for (const w of ['a', 'b', 'c', 'd']) items.push([w]);
    await yjs.append(updates.map((update) => ({ room, update })));
    const upTo3 = new Y.Doc();
    for (const u of updates.slice(0, 3)) Y.applyUpdate(upTo3, u);
    expect(await yjs.compact(room, 3, Y.encodeStateAsUpdate(upTo3))).toBe(true);
    expect(await yjs.updateCount(room)).toBe(1);
    // An instance behind (at 2) does not undo it; nor can a snapshot claim more than was stored.
    expect(await yjs.compact(room, 2, Y.encodeStateAsUpdate(new Y.Doc()))).toBe(false);
    expect(await yjs.compact(room, 9, Y.encodeStateAsUpdate(doc))).toBe(false);
    const stored = await yjs.load(room);
    expect(stored.snapshot?.seq).toBe(3);
    expect(stored.updates.map((u) => u.seq)).toEqual([4]);
    const rebuilt = new Y.Doc();
    Y.applyUpdate(rebuilt, stored.snapshot!.state);
    for (const u of stored.updates) Y.applyUpdate(rebuilt, u.update);
    expect(rebuilt.getArray('items').toArray()).toEqual(['a', 'b', 'c', 'd']);
    // Asked after 1: the snapshot (past 1) and what follows it.
    const after1 = await yjs.load(room, 1);
    expect(after1.snapshot?.seq).toBe(3);
    expect(after1.updates.map((u) => u.seq)).toEqual([4]);
    // Asked after 3: only the update.
    expect((await yjs.load(room, 3)).snapshot).toBeNull();
    // Numbering goes on after a compaction.
    expect(await yjs.append([{ room, update: updates[0]! }])).toEqual([5]);
  });
}
