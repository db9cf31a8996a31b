import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  addItem,
  addLink,
  createUndoManager,
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
