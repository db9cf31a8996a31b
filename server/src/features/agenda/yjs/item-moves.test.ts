import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { agendaRoom } from '@yishi/protocol';
import { createLogger } from '../../../log.ts';
import type { Store } from '../../../storage/store.ts';
import { readItems } from '../hub-docs.ts';
import type { YjsDocs } from './doc-hub.ts';
import { TestClient, agendaIds, moveItem, newItem } from './test-client.ts';
import { startTwoHubs } from './hubs-fixture.ts';

/**
 * Moving an agenda item (issue 10, "offline and reconnect ... no loss and no duplicate"): an edit
 * made to an item while someone else moves it, even offline, survives the move, and two people
 * moving one item at once leave one item. Two instances joined by the relay, one editor on each.
 */
const log = createLogger('error');
const editor = (name: string) => new TestClient({ write: true, user: { id: name, name, color: '#000' } });

/** What everyone sees: the ids in agenda order and each item's details, by id. */
function seen(doc: Y.Doc): { order: string[]; details: Record<string, string> } {
  const items = readItems(doc);
  return { order: items.map((i) => i.id), details: Object.fromEntries(items.map((i) => [i.id, i.details])) };
}

describe('moving agenda items across two instances', () => {
  let store: Store;
  let hubs: YjsDocs[];
  let close = async () => {};
  beforeAll(async () => {
    ({ store, hubs, close } = await startTwoHubs(log, { gapWaitMs: 20 }));
  });
  afterAll(() => close());

  /** A room with three items that both editors have. */
  async function agenda(a: TestClient, b: TestClient) {
    const room = agendaRoom(randomUUID());
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    await a.connect(hubs[0]!, room);
    await b.connect(hubs[1]!, room);
    a.doc.getArray('items').push(ids.map((id, i) => newItem(id, `议题${i + 1}`)));
    await expect.poll(() => readItems(b.doc).length).toBe(3);
    return { room, ids };
  }

  /** Every copy (both editors, both instances, a document rebuilt from the database) the same. */
  async function everywhere(room: string, a: TestClient, b: TestClient) {
    // Each editor holds its own edits: once both read the same, each has the other's.
    await expect.poll(() => JSON.stringify(seen(b.doc)) === JSON.stringify(seen(a.doc))).toBe(true);
    await Promise.all(hubs.map((h) => h.settled()));
    for (const h of hubs) await expect.poll(() => h.read(room, seen)).toEqual(seen(a.doc));
    const stored = await store.yjs.load(room);
    const rebuilt = new Y.Doc();
    if (stored.snapshot) Y.applyUpdate(rebuilt, stored.snapshot.state);
    for (const u of stored.updates) Y.applyUpdate(rebuilt, u.update);
    expect(seen(rebuilt)).toEqual(seen(a.doc));
    return seen(a.doc);
  }

  it('keeps what an offline editor typed into an item another editor moved meanwhile', async () => {
    const facilitator = editor('facilitator');
    const secretary = editor('secretary');
    const { room, ids } = await agenda(facilitator, secretary);
    const [x, y, z] = ids as [string, string, string];

    // The secretary's train enters a tunnel; she keeps typing into the first item's details.
    secretary.disconnect();
    const details = secretary.doc
      .getArray<Y.Map<unknown>>('items')
      .toArray()
      .find((m) => m.get('id') === x)!
      .get('details') as Y.Text;
    details.insert(0, '物业费');
    // Meanwhile the facilitator moves that item down, then down again.
    moveItem(facilitator.doc, x, 1);
    moveItem(facilitator.doc, x, 1);
    await expect.poll(() => hubs[0]!.read(room, (d) => seen(d).order)).toEqual([y, z, x]);
    details.insert(3, '调整方案');

    await secretary.connect(hubs[1]!, room);
    const after = await everywhere(room, facilitator, secretary);
    expect(after.order).toEqual([y, z, x]);
    expect(after.details[x]).toBe('物业费调整方案');
    expect(agendaIds(secretary.doc).filter((id) => id === x)).toHaveLength(1);
    expect([...facilitator.closes, ...secretary.closes]).toEqual([]);
    facilitator.disconnect();
    secretary.disconnect();
  });

  it('leaves one item when two editors move it at the same moment', async () => {
    const a = editor('a');
    const b = editor('b');
    const { room, ids } = await agenda(a, b);
    const [x, y, z] = ids as [string, string, string];
    a.disconnect();
    b.disconnect();
    moveItem(a.doc, y, 1);
    moveItem(b.doc, y, -1);
    // And one of them edits it, which must survive whichever move wins.
    (
      b.doc
        .getArray<Y.Map<unknown>>('items')
        .toArray()
        .find((m) => m.get('id') === y)!
        .get('title') as Y.Text
    ).insert(0, '★');
    await a.connect(hubs[0]!, room);
    await b.connect(hubs[1]!, room);
    const after = await everywhere(room, a, b);
    expect([...after.order].sort()).toEqual([...ids].sort());
    expect([[x, z, y].join(), [y, x, z].join()]).toContain(after.order.join());
    for (const c of [a, b]) expect(agendaIds(c.doc).filter((id) => id === y)).toHaveLength(1);
    expect(readItems(a.doc).find((i) => i.id === y)!.title).toBe('★议题2');
    expect([...a.closes, ...b.closes]).toEqual([]);
    a.disconnect();
    b.disconnect();
  });
});
