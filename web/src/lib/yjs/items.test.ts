import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  addItem,
  addLink,
  changesOrder,
  createUndoManager,
  itemsOf,
  itemText,
  findItem,
  moveItem,
  readItems,
  removeItem,
  removeLink,
  setKind,
  setMinutes,
  setPresenter,
} from './items.ts';
import { TextBinding } from './text-binding.ts';
import { FakeField, MemoryNetwork } from './test-support.ts';

function titles(doc: Y.Doc): string[] {
  return readItems(doc).map((i) => i.title);
}

describe('agenda item operations', () => {
  it('add, edit, move and remove items; every peer converges', () => {
    const net = new MemoryNetwork();
    const a = net.add();
    const b = net.add();
    const me = {};
    const first = addItem(a, me, { title: '物业费调整', kind: 'decision', minutes: 20 });
    const second = addItem(a, me, { title: 'Parking' });
    addItem(a, me, { title: '开场' }, 0);
    net.flushAll();
    expect(titles(b)).toEqual(['开场', '物业费调整', 'Parking']);
    expect(readItems(b)[1]).toMatchObject({ id: first, kind: 'decision', minutes: 20, presenter: '', links: [] });

    expect(moveItem(b, {}, second, -1)).toBe(true);
    expect(moveItem(b, {}, second, -1)).toBe(true);
    expect(moveItem(b, {}, second, -1)).toBe(false); // already first
    net.flushAll();
    expect(titles(a)).toEqual(['Parking', '开场', '物业费调整']);
    expect(readItems(a)[0]!.id).toBe(second); // moved, not replaced

    setKind(a, me, first, 'information');
    setMinutes(a, me, first, 7.6);
    setPresenter(a, me, first, '物业公司代表');
    addLink(a, me, first, 'https://example.org/plan.pdf');
    addLink(a, me, first, 'https://example.org/b.pdf');
    removeLink(a, me, first, 0);
    expect(setMinutes(a, me, first, -1)).toBe(false);
    net.flushAll();
    expect(readItems(b).find((i) => i.id === first)).toMatchObject({
      kind: 'information',
      minutes: 8,
      presenter: '物业公司代表',
      links: ['https://example.org/b.pdf'],
    });

    expect(removeItem(b, {}, first)).toBe(true);
    expect(removeItem(b, {}, first)).toBe(false);
    net.flushAll();
    expect(titles(a)).toEqual(['Parking', '开场']);
  });

  it('a moved item keeps its text, and edits made after the move reach everyone', () => {
    const net = new MemoryNetwork();
    const a = net.add();
    const b = net.add();
    const x = addItem(a, {}, { title: 'x', details: 'details of x' });
    addItem(a, {}, { title: 'y' });
    net.flushAll();
    moveItem(a, {}, x, 1);
    net.flushAll();
    itemText(findItem(b, x)!, 'title')!.insert(1, '!');
    net.flushAll();
    expect(readItems(a).map((i) => [i.title, i.details])).toEqual([
      ['y', ''],
      ['x!', 'details of x'],
    ]);
  });

  it('an edit made offline to an item someone else moves is kept, and the move too', () => {
    const net = new MemoryNetwork();
    const facilitator = net.add();
    const secretary = net.add();
    const x = addItem(facilitator, {}, { title: 'x' });
    const y = addItem(facilitator, {}, { title: 'y' });
    const z = addItem(facilitator, {}, { title: 'z' });
    net.flushAll();
    // The secretary types into x's details, not yet delivered; the facilitator moves x down twice.
    const field = new FakeField();
    const binding = new TextBinding(itemText(findItem(secretary, x)!, 'details')!, field, { origin: {} });
    field.type('物业费调整');
    expect(moveItem(facilitator, {}, x, 1)).toBe(true);
    expect(moveItem(facilitator, {}, x, 1)).toBe(true);
    field.type('方案');
    net.flushAll();
    for (const doc of [facilitator, secretary]) {
      expect(readItems(doc).map((i) => i.id)).toEqual([y, z, x]);
      expect(readItems(doc)[2]!.details).toBe('物业费调整方案');
      expect(itemsOf(doc).length).toBe(3);
    }
    // The secretary's field still shows her text with her caret at its end.
    expect(field.value).toBe('物业费调整方案');
    expect(field.selectionStart).toBe(7);
    binding.destroy();
  });

  it('two editors moving one item at the same moment leave one item', () => {
    const net = new MemoryNetwork();
    const a = net.add();
    const b = net.add();
    const x = addItem(a, {}, { title: 'x' });
    const y = addItem(a, {}, { title: 'y' });
    const z = addItem(a, {}, { title: 'z' });
    net.flushAll();
    moveItem(a, {}, y, 1);
    moveItem(b, {}, y, -1);
    net.flushAll();
    expect(readItems(a)).toEqual(readItems(b));
    expect(itemsOf(a).length).toBe(3);
    expect([[x, z, y].join(), [y, x, z].join()]).toContain(
      readItems(a)
        .map((i) => i.id)
        .join(),
    );
  });

  it('a document from before positions reads in its array order; the first move orders it for good', () => {
    const doc = new Y.Doc();
    const items = doc.getArray<Y.Map<unknown>>('items');
    for (const title of ['一', '二', '三']) {
      const m = new Y.Map<unknown>();
      m.set('id', title);
      m.set('title', new Y.Text(title));
      m.set('details', new Y.Text(''));
      m.set('kind', 'discussion');
      m.set('minutes', 5);
      items.push([m]);
    }
    expect(titles(doc)).toEqual(['一', '二', '三']);
    moveItem(doc, {}, '三', -1);
    expect(titles(doc)).toEqual(['一', '三', '二']);
    expect(items.toArray().every((m) => typeof m.get('position') === 'string')).toBe(true);
    addItem(doc, {}, { title: '四' });
    expect(titles(doc)).toEqual(['一', '三', '二', '四']);
    expect(items.length).toBe(4);
  });

  it('typing does not count as a change of order; adding, removing and moving do', () => {
    const doc = new Y.Doc();
    const changes: boolean[] = [];
    itemsOf(doc).observeDeep((events) => changes.push(changesOrder(events, doc)));
    const a = addItem(doc, {}, { title: 'a' });
    addItem(doc, {}, { title: 'b' });
    itemText(findItem(doc, a)!, 'title')!.insert(1, '!');
    setMinutes(doc, {}, a, 5);
    moveItem(doc, {}, a, 1);
    removeItem(doc, {}, a);
    expect(changes).toEqual([true, true, false, false, true, true]);
  });

  it('concurrent adds from two editors keep both items', () => {
    const net = new MemoryNetwork();
    const a = net.add();
    const b = net.add();
    addItem(a, {}, { title: 'from a' });
    addItem(b, {}, { title: 'from b' });
    net.flushAll();
    expect(titles(a)).toEqual(titles(b));
    expect(titles(a).sort()).toEqual(['from a', 'from b']);
  });

  it("undo is per person: it takes back my item operations and typing, never the other editor's", () => {
    const net = new MemoryNetwork();
    const a = net.add();
    const b = net.add();
    const meA = {};
    const meB = {};
    const undoA = createUndoManager(a, meA);
    const undoB = createUndoManager(b, meB);
    const id = addItem(a, meA, { title: '' });
    undoA.stopCapturing();
    net.flushAll();
    // A types in the title through a field; B adds an item of their own.
    const field = new FakeField();
    const binding = new TextBinding(itemText(findItem(a, id)!, 'title')!, field, { origin: meA, undo: undoA });
    field.type('议程草案');
    undoA.stopCapturing();
    addItem(b, meB, { title: 'B item' });
    net.flushAll();
    expect(titles(b)).toEqual(['议程草案', 'B item']);

    undoA.undo(); // the typing
    expect(field.value).toBe('');
    net.flushAll();
    expect(titles(b)).toEqual(['', 'B item']);
    undoA.undo(); // the item
    net.flushAll();
    expect(titles(b)).toEqual(['B item']);
    expect(undoA.undo()).toBeNull(); // nothing of B's to take back
    expect(titles(a)).toEqual(['B item']);

    undoB.undo();
    net.flushAll();
    expect(titles(a)).toEqual([]);
    undoA.redo();
    net.flushAll();
    expect(titles(b)).toEqual(['']);
    binding.destroy();
  });

  it('undo of a move puts the item back', () => {
    const doc = new Y.Doc();
    const me = {};
    const undo = createUndoManager(doc, me);
    const one = addItem(doc, me, { title: '1' });
    addItem(doc, me, { title: '2' });
    undo.stopCapturing();
    moveItem(doc, me, one, 1);
    expect(titles(doc)).toEqual(['2', '1']);
    undo.undo();
    expect(titles(doc)).toEqual(['1', '2']);
    expect(readItems(doc)[0]!.id).toBe(one);
  });
});
