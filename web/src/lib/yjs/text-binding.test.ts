import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { TextBinding } from './text-binding.ts';
import { FakeField, MemoryNetwork } from './test-support.ts';

function setUp(initial = '') {
  const net = new MemoryNetwork();
  const a = net.add();
  const b = net.add();
  if (initial) a.getText('t').insert(0, initial);
  net.flushAll();
  const originA = { person: 'a' };
  const originB = { person: 'b' };
  const undoA = new Y.UndoManager(a.getText('t'), { trackedOrigins: new Set([originA]), captureTimeout: 0 });
  const undoB = new Y.UndoManager(b.getText('t'), { trackedOrigins: new Set([originB]), captureTimeout: 0 });
  const fieldA = new FakeField();
  const fieldB = new FakeField();
  const bindA = new TextBinding(a.getText('t'), fieldA, { origin: originA, undo: undoA });
  const bindB = new TextBinding(b.getText('t'), fieldB, { origin: originB, undo: undoB });
  return { net, a, b, fieldA, fieldB, bindA, bindB, undoA, undoB };
}

describe('TextBinding', () => {
  it('sends typing to the other side', () => {
    const { net, a, b, fieldA, fieldB } = setUp();
    fieldA.type('hello');
    expect(a.getText('t').toString()).toBe('hello');
    net.flushAll();
    expect(b.getText('t').toString()).toBe('hello');
    expect(fieldB.value).toBe('hello');
  });

  it('keeps the local caret on the same characters when a remote edit lands before it', () => {
    const { net, fieldA, fieldB } = setUp('agenda item');
    fieldA.setSelectionRange(7, 7); // after "agenda "
    fieldB.setSelectionRange(0, 0);
    fieldB.type('The ');
    net.flushAll();
    expect(fieldA.value).toBe('The agenda item');
    expect([fieldA.selectionStart, fieldA.selectionEnd]).toEqual([11, 11]);
    fieldA.type('X');
    net.flushAll();
    expect(fieldB.value).toBe('The agenda Xitem');
  });

  it('keeps a selection when text after it or inside the deleted span changes', () => {
    const { net, fieldA, fieldB } = setUp('0123456789');
    fieldA.setSelectionRange(2, 5);
    fieldB.setSelectionRange(8, 10);
    fieldB.backspace(); // deletes 89
    net.flushAll();
    expect(fieldA.value).toBe('01234567');
    expect([fieldA.selectionStart, fieldA.selectionEnd]).toEqual([2, 5]);
  });

  it('never writes the field during a composition; applies the composed text at compositionend, mapped through remote edits', () => {
    const { net, a, b, fieldA, fieldB, bindA } = setUp('会议：讨论');
    fieldA.setSelectionRange(3, 3); // after "会议："
    const writesBefore = fieldA.writes;
    fieldA.compose('yicheng', '议程', () => {
      // Meanwhile the other editor types at the start and at the end of the same title.
      fieldB.setSelectionRange(0, 0);
      fieldB.type('第一次');
      fieldB.setSelectionRange(fieldB.value.length, fieldB.value.length);
      fieldB.type('!');
      net.flush(a);
      expect(bindA.isComposing).toBe(true);
      expect(fieldA.writes).toBe(writesBefore); // the input method's text was left alone
      expect(fieldA.value).toBe('会议：yicheng讨论');
      // Nothing of the composition went out: pinyin never reaches the document.
      expect(a.getText('t').toString()).toBe('第一次会议：讨论!');
    });
    net.flushAll();
    expect(a.getText('t').toString()).toBe('第一次会议：议程讨论!');
    expect(b.getText('t').toString()).toBe('第一次会议：议程讨论!');
    expect(fieldA.value).toBe('第一次会议：议程讨论!');
    expect(fieldB.value).toBe('第一次会议：议程讨论!');
    // The caret is right after what was composed.
    expect(fieldA.selectionEnd).toBe('第一次会议：议程'.length);
  });

  it('text inserted remotely exactly where a composition began goes before the composed text (the caret keeps to the text on its right, as in Yjs)', () => {
    const { net, fieldA, fieldB } = setUp();
    fieldA.compose('kaichang', '开场', () => {
      fieldB.type('1. ');
      net.flushAll();
    });
    net.flushAll();
    expect(fieldA.value).toBe('1. 开场');
    expect(fieldB.value).toBe('1. 开场');
    expect(fieldA.selectionEnd).toBe(5);
  });

  it('replaces a selection by composition while the other side deletes elsewhere', () => {
    const { net, fieldA, fieldB } = setUp('abc DEF ghi');
    fieldA.setSelectionRange(4, 7); // DEF
    fieldA.compose('biaojue', '表决', () => {
      fieldB.setSelectionRange(0, 3);
      fieldB.type('');
      fieldB.backspace();
      net.flushAll();
    });
    net.flushAll();
    expect(fieldA.value).toBe(' 表决 ghi');
    expect(fieldB.value).toBe(' 表决 ghi');
  });

  it("undoes only the local person's edits, and the undone text reaches the field", () => {
    const { net, a, b, fieldA, fieldB, undoA } = setUp();
    fieldA.type('mine ');
    net.flushAll();
    fieldB.setSelectionRange(5, 5);
    fieldB.type('theirs');
    net.flushAll();
    expect(a.getText('t').toString()).toBe('mine theirs');
    undoA.undo();
    expect(fieldA.value).toBe('theirs');
    net.flushAll();
    expect(b.getText('t').toString()).toBe('theirs');
    expect(fieldB.value).toBe('theirs');
    undoA.redo();
    net.flushAll();
    expect(fieldB.value).toBe('mine theirs');
  });

  it('cuts an insert to the limit the server enforces, when another editor filled the room meanwhile', () => {
    const net = new MemoryNetwork();
    const a = net.add();
    const b = net.add();
    const field = new FakeField();
    new TextBinding(a.getText('t'), field, { origin: {}, maxLength: 8 });
    field.type('abc');
    b.getText('t').insert(0, '12345'); // the other editor, concurrently
    net.flushAll();
    expect(field.value).toBe('12345abc');
    field.type('XYZ'); // the field's maxlength could not know: nothing fits
    expect(a.getText('t').toString()).toBe('12345abc');
    expect(field.value).toBe('12345abc');
    a.getText('t').delete(0, 2);
    field.setSelectionRange(0, 0);
    field.type('\u{1F600}\u{1F600}'); // two code units fit: one emoji, never half of one
    expect(a.getText('t').toString()).toBe('\u{1F600}345abc');
    expect(field.selectionEnd).toBe(2);
  });

  it('stops listening when destroyed', () => {
    const { net, fieldA, fieldB, bindA } = setUp('x');
    bindA.destroy();
    fieldB.type('y');
    net.flushAll();
    expect(fieldA.value).toBe('x');
  });
});
