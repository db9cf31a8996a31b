import { describe, expect, it } from 'vitest';
import { inAgendaOrder, isPosition, placeItem, positionBetween, spacedPositions } from './agenda-order.ts';
import { YJS_LIMITS } from './limits.ts';

describe('agenda positions', () => {
  it('finds a position strictly between any two, and after the last, without growing fast', () => {
    let last: string | null = null;
    const appended: string[] = [];
    for (let i = 0; i < YJS_LIMITS.items; i++) {
      last = positionBetween(last, null)!;
      appended.push(last);
    }
    expect([...appended].sort()).toEqual(appended);
    expect(new Set(appended).size).toBe(appended.length);
    expect(Math.max(...appended.map((p) => p.length))).toBeLessThanOrEqual(8);

    // Squeezing into the same gap again and again grows by about one digit per six.
    let lo = 'V';
    const hi = 'W';
    for (let i = 0; i < 60; i++) {
      const mid = positionBetween(lo, hi)!;
      expect(lo < mid && mid < hi).toBe(true);
      expect(isPosition(mid) && !mid.endsWith('0')).toBe(true);
      lo = mid;
    }
    expect(lo.length).toBeLessThan(20);
    expect(positionBetween(null, '01')! < '01').toBe(true);
  });

  it('gives none where there is no gap to take, so the caller re-spaces', () => {
    expect(positionBetween('V', 'V')).toBeNull();
    expect(positionBetween('W', 'V')).toBeNull();
    expect(positionBetween('V0', null)).toBeNull();
    expect(positionBetween('a-b', null)).toBeNull();
    expect(positionBetween('z'.repeat(YJS_LIMITS.positionChars - 1) + 'y', 'z'.repeat(YJS_LIMITS.positionChars))).toBeNull();
  });

  it('spaces n positions evenly below the first one an empty agenda gives', () => {
    for (const n of [0, 1, 2, 14, 15, 200, 960]) {
      const ps = spacedPositions(n);
      expect(ps).toHaveLength(n);
      expect([...ps].sort()).toEqual(ps);
      expect(new Set(ps).size).toBe(n);
      for (const p of ps) expect(isPosition(p) && !p.endsWith('0') && p < positionBetween(null, null)!).toBe(true);
    }
  });

  it('orders by position then id; items without a valid position first, in array order', () => {
    const e = (id: string, position?: unknown) => ({ id, position });
    const order = inAgendaOrder(
      [e('p2', 'W'), e('old1'), e('p1b', 'V'), e('bad', 'no-no'), e('p1a', 'V'), e('old2', 42)],
      (x) => x.position,
      (x) => x.id,
    );
    expect(order.map((x) => x.id)).toEqual(['old1', 'bad', 'old2', 'p1a', 'p1b', 'p2']);
  });
});

describe('placing an item', () => {
  const apply = (items: { id: string; position: unknown }[], writes: { id: string; position: string }[]) =>
    items.map((it) => ({ ...it, position: writes.find((w) => w.id === it.id)?.position ?? it.position }));
  const ids = (items: { id: string; position: unknown }[]) =>
    inAgendaOrder(
      items,
      (x) => x.position,
      (x) => x.id,
    ).map((x) => x.id);

  it('writes only the moved item where there is a gap', () => {
    const items = [
      { id: 'a', position: 'V' },
      { id: 'b', position: 'W' },
      { id: 'c', position: 'X' },
    ];
    const writes = placeItem([items[1]!, items[2]!], 2, 'a');
    expect(writes).toEqual([{ id: 'a', position: 'Y' }]);
    expect(ids(apply(items, writes))).toEqual(['b', 'c', 'a']);
    const top = placeItem([items[0]!, items[1]!], 0, 'c');
    expect(top).toHaveLength(1);
    expect(ids(apply(items, top))).toEqual(['c', 'a', 'b']);
  });

  it('appends to a document without positions without touching the others', () => {
    const old = [
      { id: 'a', position: undefined },
      { id: 'b', position: undefined },
    ];
    expect(placeItem(old, 2, 'n')).toEqual([{ id: 'n', position: 'V' }]);
    // Moving the last old item to the end needs no other write either.
    expect(placeItem([old[0]!], 1, 'b')).toEqual([{ id: 'b', position: 'V' }]);
  });

  it('re-spaces the agenda, in the new order, when there is no gap', () => {
    const old = [
      { id: 'a', position: undefined },
      { id: 'b', position: undefined },
      { id: 'c', position: undefined },
    ];
    const up = placeItem([old[0]!, old[1]!], 1, 'c');
    expect(up.map((w) => w.id).sort()).toEqual(['a', 'b', 'c']);
    expect(ids(apply(old, up))).toEqual(['a', 'c', 'b']);

    const tied = [
      { id: 'a', position: 'V' },
      { id: 'b', position: 'V' },
      { id: 'c', position: 'W' },
    ];
    const writes = placeItem([tied[0]!, tied[1]!], 1, 'c');
    expect(ids(apply(tied, writes))).toEqual(['a', 'c', 'b']);
  });
});
