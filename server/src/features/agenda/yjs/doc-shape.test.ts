import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ShapeChecker, defineRoots } from './doc-shape.ts';
import { newItem } from './test-client.ts';

/** What the server's checker says of a client's whole document, applied as one update. */
function verdict(client: Y.Doc): string | null {
  const server = defineRoots(new Y.Doc(), 'agenda');
  const checker = new ShapeChecker(server, 'agenda');
  let problem: string | null = null;
  server.on('afterTransaction', (tr: Y.Transaction) => (problem ??= checker.check(tr)));
  Y.applyUpdate(server, Y.encodeStateAsUpdate(client));
  return problem;
}

describe('the agenda shape check', () => {
  it('accepts a deleted item whose undone values Yjs merged into one struct', () => {
    // An UndoManager keeps deleted values from garbage collection, so once the item is deleted
    // its kind's set and the undo's restored value (adjacent, both deleted) merge into one
    // struct of two values: deleted content, never read, sent as is on reconnect.
    const doc = new Y.Doc();
    const items = doc.getArray<Y.Map<unknown>>('items');
    const undo = new Y.UndoManager(items, { captureTimeout: 0 });
    items.push([newItem('x', 'a')]);
    items.get(0).set('kind', 'information');
    undo.undo();
    items.delete(0, 1);
    expect(verdict(doc)).toBeNull();
  });

  it('refuses a position out of bounds, and takes one within them', () => {
    for (const [position, ok] of [
      ['V', true],
      ['0zZ9', true],
      ['V'.repeat(64), true],
      ['V'.repeat(65), false],
      ['', false],
      ['a b', false],
      ['ü', false],
      [1, false],
    ] as const) {
      const doc = new Y.Doc();
      const m = newItem('x', 'a');
      m.set('position', position);
      doc.getArray('items').push([m]);
      expect(verdict(doc) === null, String(position)).toBe(ok);
    }
  });
});
