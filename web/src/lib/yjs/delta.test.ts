import { describe, expect, it } from 'vitest';
import { diffText, mapIndex } from './delta.ts';

describe('mapIndex', () => {
  it('moves a position by what is inserted or deleted before it, never by what is after it', () => {
    expect(mapIndex(5, [{ insert: 'abc' }])).toBe(8);
    expect(mapIndex(5, [{ retain: 6 }, { insert: 'abc' }])).toBe(5);
    expect(mapIndex(5, [{ retain: 1 }, { delete: 2 }])).toBe(3);
    expect(mapIndex(5, [{ retain: 4 }, { delete: 3 }])).toBe(4); // the deleted range held it
  });
  it('keeps a caret with the character to its right: text inserted exactly at it goes before it (as Yjs relative positions)', () => {
    expect(mapIndex(2, [{ retain: 2 }, { insert: 'xy' }])).toBe(4);
    expect(mapIndex(2, [{ retain: 2 }, { insert: 'xy' }], -1)).toBe(2);
  });
});

describe('diffText', () => {
  it('finds one splice', () => {
    expect(diffText('hello', 'hello')).toBeNull();
    expect(diffText('hllo', 'hello')).toEqual({ index: 1, remove: 0, insert: 'e' });
    expect(diffText('hello world', 'hello')).toEqual({ index: 5, remove: 6, insert: '' });
    expect(diffText('议程一', '议程二')).toEqual({ index: 2, remove: 1, insert: '二' });
  });
  it('puts an ambiguous insert where the caret says', () => {
    expect(diffText('aa', 'aaa', 1)).toEqual({ index: 0, remove: 0, insert: 'a' });
    expect(diffText('aa', 'aaa', 2)).toEqual({ index: 1, remove: 0, insert: 'a' });
    expect(diffText('aa', 'aaa', 3)).toEqual({ index: 2, remove: 0, insert: 'a' });
    expect(diffText('aaa', 'aa', 0)).toEqual({ index: 0, remove: 1, insert: '' });
  });
  it('never splits a surrogate pair', () => {
    const s = diffText('a\u{1F600}b', 'a\u{1F601}b')!;
    expect(s.insert).toBe('\u{1F601}');
    expect(s.remove).toBe(2);
  });
});
