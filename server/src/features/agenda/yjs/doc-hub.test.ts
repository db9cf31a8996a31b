import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { agendaRoom, notesRoom } from '@yishi/protocol';
import { createLogger } from '../../../log.ts';
import { openDatabase } from '../../../storage/database.ts';
import { createStore, type Store } from '../../../storage/store.ts';
import { YjsDocs } from './doc-hub.ts';
import { TestRelayNetwork } from './test-relay.ts';

const log = createLogger('error');

/** An agenda item with every required key, as a client would insert it. */
export function newItem(id: string, title: string): Y.Map<unknown> {
  const m = new Y.Map<unknown>();
  m.set('id', id);
  m.set('title', new Y.Text(title));
  m.set('details', new Y.Text(''));
  m.set('kind', 'discussion');
  m.set('minutes', 10);
  return m;
}

const titles = (doc: Y.Doc) => doc.getArray<Y.Map<unknown>>('items').map((m) => (m.get('title') as Y.Text).toString());

describe('DocHub (in process, PGlite)', () => {
  let dir: string;
  let store: Store;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'yishi-dochub-'));
    store = createStore(await openDatabase({ DATA_DIR: dir, DATABASE_URL: undefined }, log));
  });
  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

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
});
