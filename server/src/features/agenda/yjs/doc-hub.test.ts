import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { agendaRoom, notesRoom, YJS_CLOSE } from '@yishi/protocol';
import { createLogger } from '../../../log.ts';
import type { Store } from '../../../storage/store.ts';
import { YjsDocs } from './doc-hub.ts';
import type { PendingUpdate, YjsStore } from './store.ts';
import { TestClient, newItem } from './test-client.ts';
import { openEmbeddedStore } from './hubs-fixture.ts';
import { TestRelayNetwork } from './test-relay.ts';

const log = createLogger('error');

const titles = (doc: Y.Doc) => doc.getArray<Y.Map<unknown>>('items').map((m) => (m.get('title') as Y.Text).toString());

describe('DocHub (in process, PGlite)', () => {
  let store: Store;
  let close = async () => {};
  beforeAll(async () => {
    ({ store, close } = await openEmbeddedStore(log));
  });
  afterAll(() => close());

  it('stores a server change, tells listeners, and reads it back after a restart', async () => {
    const net = new TestRelayNetwork();
    const hub = new YjsDocs(store.yjs, net.relay(), log);
    const stop = hub.start();
    const room = agendaRoom(randomUUID());
    const heard: string[] = [];
    hub.onChange((r) => heard.push(r));
    expect(await hub.read(room, (doc) => doc.getArray('items').length)).toBe(0);
    await hub.change(room, (doc) => doc.getArray('items').push([newItem('a', '预算')]));
    await hub.change(room, (doc) => doc.getArray('items').push([newItem('b', 'Parking')]));
    expect(await hub.read(room, titles)).toEqual(['预算', 'Parking']);
    expect(heard).toEqual([room, room]);
    await stop();

    // A new instance (or this one after a restart) finds it in the database.
    const again = new YjsDocs(store.yjs, net.relay(), log);
    expect(await again.read(room, titles)).toEqual(['预算', 'Parking']);
    await again.compactRoom(room);
    await again.stop();
    expect(await store.yjs.updateCount(room)).toBe(0);
    const third = new YjsDocs(store.yjs, net.relay(), log);
    expect(await third.read(room, titles)).toEqual(['预算', 'Parking']);
    await third.stop();
  });

  it('unloads a room nobody uses, and loads it again from the database', async () => {
    const hub = new YjsDocs(store.yjs, new TestRelayNetwork().relay(), log, { unloadAfterMs: 100 });
    const stop = hub.start();
    const room = agendaRoom(randomUUID());
    await hub.change(room, (doc) => doc.getArray('items').push([newItem('a', '一')]));
    expect(hub.loadedRooms()).toContain(room);
    await expect.poll(() => hub.loadedRooms(), { timeout: 10_000 }).not.toContain(room);
    // Unloading compacted it.
    expect(await store.yjs.updateCount(room)).toBe(0);
    expect(await hub.read(room, titles)).toEqual(['一']);
    await stop();
  });

  it("freezes a closed meeting's documents on every instance, and compacts them", async () => {
    const net = new TestRelayNetwork();
    const a = new YjsDocs(store.yjs, net.relay(), log);
    const b = new YjsDocs(store.yjs, net.relay(), log);
    const stops = [a.start(), b.start()];
    const meetingId = randomUUID();
    const room = agendaRoom(meetingId);
    const editor = new TestClient({ write: true, user: { id: 'm', name: 'm', color: '#000' } });
    await editor.connect(b, room);
    editor.doc.getArray('items').push([newItem('a', '会前')]);
    await expect.poll(() => a.read(room, titles)).toEqual(['会前']);
    await a.meetingClosed(meetingId);
    await new Promise((r) => setTimeout(r, 50));
    editor.doc.getArray('items').push([newItem('b', '会后')]);
    await new Promise((r) => setTimeout(r, 300));
    await b.settled();
    expect(await b.read(room, titles)).toEqual(['会前']);
    expect(await a.read(room, titles)).toEqual(['会前']);
    expect(await store.yjs.updateCount(room)).toBe(0);
    // The server still writes (an outcome line as the polls close).
    await a.change(room, (doc) => doc.getArray('items').push([newItem('c', '服务器')]));
    await expect.poll(() => b.read(room, titles)).toEqual(['会前', '服务器']);
    editor.disconnect();
    for (const s of stops) await s();
  });

  it('relays a change to the other instances, which catch up from the database after a lost message', async () => {
    const net = new TestRelayNetwork();
    const a = new YjsDocs(store.yjs, net.relay(), log, { gapWaitMs: 20 });
    const b = new YjsDocs(store.yjs, net.relay(), log, { gapWaitMs: 20 });
    const stops = [a.start(), b.start()];
    const room = notesRoom(randomUUID());
    await b.read(room, () => null);
    const changes: string[] = [];
    b.onChange((r) => changes.push(r));
    await a.change(room, (doc) => {
      const f = new Y.XmlFragment();
      doc.getMap('notes').set('item-1', f);
      const p = new Y.XmlElement('paragraph');
      p.insert(0, [new Y.XmlText('first')]);
      f.insert(0, [p]);
    });
    await expect.poll(() => b.read(room, (doc) => doc.getMap('notes').has('item-1'))).toBe(true);
    expect(changes).toEqual([room]);

    // Lost on the way: B notices the gap at the next message and asks the database.
    net.outage();
    await a.change(room, (doc) => doc.getMap('notes').set('item-2', new Y.XmlFragment()));
    net.back();
    await a.change(room, (doc) => doc.getMap('notes').set('item-3', new Y.XmlFragment()));
    await expect.poll(() => b.read(room, (doc) => [...doc.getMap('notes').keys()].sort())).toEqual(['item-1', 'item-2', 'item-3']);
    for (const stop of stops) await stop();
  });
  it("takes an editor's edit while a relayed update waits on the gap before it (never blames the editor)", async () => {
    const net = new TestRelayNetwork();
    const a = new YjsDocs(store.yjs, net.relay(), log, { gapWaitMs: 60_000 });
    const b = new YjsDocs(store.yjs, net.relay(), log, { gapWaitMs: 60_000 });
    const stops = [a.start(), b.start()];
    const room = agendaRoom(randomUUID());
    const onA = new TestClient({ write: true, user: { id: 'a', name: 'a', color: '#000' } });
    const onB = new TestClient({ write: true, user: { id: 'b', name: 'b', color: '#000' } });
    await onA.connect(a, room);
    await onB.connect(b, room);
    onA.doc.getArray('items').push([newItem('x', '预算')]);
    await expect.poll(() => titles(onB.doc)).toEqual(['预算']);

    // A's next edit is lost on the way to B; the one after builds on it, so B holds it as
    // pending content until it asks the database (not for a minute here).
    const title = () => onA.doc.getArray<Y.Map<unknown>>('items').get(0).get('title') as Y.Text;
    net.down = true;
    title().insert(2, '草案');
    await expect.poll(() => a.read(room, titles)).toEqual(['预算草案']);
    await a.settled();
    net.down = false;
    title().insert(4, '二稿');
    await expect.poll(() => a.read(room, titles)).toEqual(['预算草案二稿']);
    await expect.poll(() => b.read(room, (d) => d.store.pendingStructs !== null)).toBe(true);

    // An editor on B adds an item of its own meanwhile: it depends on nothing B lacks.
    onB.doc.getArray('items').push([newItem('y', 'Parking')]);
    await expect.poll(() => a.read(room, titles)).toEqual(['预算草案二稿', 'Parking']);
    expect(onB.closes).toEqual([]);
    await b.catchUpAll();
    await expect.poll(() => titles(onB.doc)).toEqual(['预算草案二稿', 'Parking']);
    onA.disconnect();
    onB.disconnect();
    for (const stop of stops) await stop();
  });

  it("writes none of a sender's later updates once one of its earlier ones could not be stored", async () => {
    // The database refuses the first batch, and only after the sender's next update is queued
    // behind it: that update must not be stored or relayed without the one before it.
    const { flaky, batches, refuse } = firstBatchHeld(store.yjs);
    const hub = new YjsDocs(flaky, new TestRelayNetwork().relay(), log);
    const stop = hub.start();
    const room = agendaRoom(randomUUID());
    const editor = new TestClient({ write: true, user: { id: 'e', name: 'e', color: '#000' } });
    const reader = new TestClient({ write: false, user: null });
    await editor.connect(hub, room);
    await reader.connect(hub, room);
    editor.doc.getArray('items').push([newItem('a', '第一')]);
    await expect.poll(() => batches.length).toBe(1);
    editor.doc.getArray('items').push([newItem('b', '第二')]);
    // Let the second update reach the hub and join the queue behind the batch in flight.
    await new Promise((r) => setTimeout(r, 50));
    refuse(new Error('the database is gone'));
    await hub.settled();
    await new Promise((r) => setTimeout(r, 50));

    expect(editor.closes).toEqual([YJS_CLOSE.storage]);
    // Nothing of the sender's was written after the refusal, and the reader saw none of it.
    expect(batches.slice(1).flat()).toEqual([]);
    expect(await store.yjs.updateCount(room)).toBe(0);
    expect(titles(reader.doc)).toEqual([]);

    // On reconnecting, sync sends both again, and both are stored in order.
    await editor.connect(hub, room);
    await expect.poll(() => hub.read(room, titles)).toEqual(['第一', '第二']);
    await expect.poll(() => titles(reader.doc)).toEqual(['第一', '第二']);
    reader.disconnect();
    editor.disconnect();
    await stop();
  });

  it("keeps another editor's update, stored in the same batch as a refused sender's, in what the next updates are checked on", async () => {
    // Batch 1 (A's first update) is held, then refused. Batch 2 holds B's update, then A's second,
    // which is not written: B's is stored and A's answered "not written" in the same turn. B's next
    // update builds on its first and must be taken, not held for content the server lacks.
    const { flaky, batches, refuse } = firstBatchHeld(store.yjs);
    const hub = new YjsDocs(flaky, new TestRelayNetwork().relay(), log);
    const stop = hub.start();
    const room = agendaRoom(randomUUID());
    const a = new TestClient({ write: true, user: { id: 'a', name: 'a', color: '#000' } });
    const b = new TestClient({ write: true, user: { id: 'b', name: 'b', color: '#000' } });
    const reader = new TestClient({ write: false, user: null });
    for (const c of [a, b, reader]) await c.connect(hub, room);
    a.doc.getArray('items').push([newItem('a1', 'A 一')]);
    await expect.poll(() => batches.length).toBe(1);
    b.doc.getArray('items').push([newItem('b1', 'B')]);
    await new Promise((r) => setTimeout(r, 30));
    a.doc.getArray('items').push([newItem('a2', 'A 二')]);
    await new Promise((r) => setTimeout(r, 30));
    refuse(new Error('the database is gone'));
    await hub.settled();
    // Batch 2 as the database saw it: B's alone (A's was dropped before the write).
    await expect.poll(() => batches.length).toBe(2);
    expect(batches[1]!.length).toBe(1);
    await new Promise((r) => setTimeout(r, 30));

    const item = b.doc.getArray<Y.Map<unknown>>('items').get(0);
    (item.get('title') as Y.Text).insert(1, '乙');
    await expect.poll(() => hub.read(room, titles)).toEqual(['B乙']);
    await expect.poll(() => titles(reader.doc)).toEqual(['B乙']);
    expect(b.closes).toEqual([]);
    for (const c of [a, b, reader]) c.disconnect();
    await stop();
  });
});

/**
 * `real`, except that it holds the first batch it is given until `refuse` fails it;
 * `batches` records every batch as the database was asked to write it.
 */
function firstBatchHeld(real: YjsStore) {
  let reject: ((err: Error) => void) | null = null;
  const batches: PendingUpdate[][] = [];
  const flaky: YjsStore = Object.assign(Object.create(real) as YjsStore, {
    append(batch: readonly PendingUpdate[]): Promise<number[]> {
      batches.push([...batch]);
      if (batches.length === 1) return new Promise<number[]>((_, r) => (reject = r));
      return real.append(batch);
    },
  });
  return { flaky, batches, refuse: (err: Error) => reject!(err) };
}
