import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { agendaRoom, notesRoom, type MeetingId } from '@yishi/protocol';
import { createLogger } from '../../log.ts';
import type { Store } from '../../storage/store.ts';
import { hubDocs } from './hub-docs.ts';
import { YjsDocs } from './yjs/doc-hub.ts';
import { newItem, TestClient } from './yjs/test-client.ts';
import { openEmbeddedStore } from './yjs/hubs-fixture.ts';
import { TestRelayNetwork } from './yjs/test-relay.ts';

const log = createLogger('error');

/**
 * An item's notes container is the server's to make, once, on the instance that accepted the item:
 * two editors opening an item's empty notes at once used to make one each, and the notes map kept
 * one of them, losing what had been typed into the other.
 */
describe('notes containers', () => {
  let store: Store;
  let close = async () => {};
  beforeAll(async () => {
    ({ store, close } = await openEmbeddedStore(log));
  });
  afterAll(() => close());

  it('the instance that accepted a new item makes its notes container, once, and both instances have it', async () => {
    const net = new TestRelayNetwork();
    const hubs = [new YjsDocs(store.yjs, net.relay(), log), new YjsDocs(store.yjs, net.relay(), log)];
    const stops = hubs.map((h) => h.start());
    const heard: boolean[][] = [[], []];
    // Wired as the agenda feature's start does, on each instance.
    const offs = hubs.map((h, i) => {
      const docs = hubDocs(h);
      return docs.onAgendaChange((meetingId, here) => {
        heard[i]!.push(here);
        if (here) void docs.ensureNotes(meetingId);
      });
    });
    const meetingId = randomUUID() as MeetingId;
    await hubs[1]!.read(agendaRoom(meetingId), () => null);
    await hubs[1]!.read(notesRoom(meetingId), () => null);

    const editor = new TestClient({ write: true, user: { id: 'f', name: 'f', color: '#000' } });
    await editor.connect(hubs[0]!, agendaRoom(meetingId));
    editor.doc.getArray('items').push([newItem('item-1', '停车')]);

    const containers = (h: YjsDocs) =>
      h.read(notesRoom(meetingId), (d) => [...d.getMap('notes').entries()].filter(([, v]) => v instanceof Y.XmlFragment).map(([k]) => k));
    await expect.poll(() => containers(hubs[0]!)).toEqual(['item-1']);
    await expect.poll(() => containers(hubs[1]!)).toEqual(['item-1']);
    await Promise.all(hubs.map((h) => h.settled()));
    // Told on both instances; only A made the container: one stored notes update.
    expect(heard[0]).toEqual([true]);
    expect(heard[1]).toEqual([false]);
    expect(await store.yjs.updateCount(notesRoom(meetingId))).toBe(1);

    // An edit of the title changes nothing in the notes.
    const title = editor.doc.getArray<Y.Map<unknown>>('items').get(0).get('title') as Y.Text;
    title.insert(2, '问题');
    await expect
      .poll(() => hubs[1]!.read(agendaRoom(meetingId), (d) => (d.getArray<Y.Map<unknown>>('items').get(0).get('title') as Y.Text).toString()))
      .toBe('停车问题');
    await Promise.all(hubs.map((h) => h.settled()));
    expect(await store.yjs.updateCount(notesRoom(meetingId))).toBe(1);

    editor.disconnect();
    offs.forEach((off) => off());
    for (const s of stops) await s();
  });
});
