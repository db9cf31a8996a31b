import { YJS_LIMITS } from './limits.ts';

/**
 * The order of the agenda (issue 10, "no loss"): a Y.Array cannot move an element, and moving by
 * delete-and-copy loses any edit made at the same moment to the deleted original (and two people
 * moving one item leave two copies). So the array only says which items exist; each item's
 * `position` (a fractional index: a string compared as text, set last-writer-wins) says where it
 * stands, and a move only sets the moved item's position. Readers order by (position, id): the id
 * breaks the tie of two items given the same position at the same moment.
 *
 * Items without a valid position (documents written before positions, or a client that writes
 * none) come first, in their array order; the first move in such a document gives every item a
 * position (`spacedPositions`) in the order they are shown, so nothing jumps.
 *
 * Positions are digits of base 62 in ASCII order (0-9, A-Z, a-z), read as a fraction 0.xyz…; no
 * trailing '0' (0.V0 is 0.V: there would be no room left below it), so between any two there is
 * always another. No imports beyond limits: the web app takes this through `@yishi/protocol/constants`.
 */

export const POSITION_DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const POSITION = /^[0-9A-Za-z]+$/;

/** What the document's shape accepts as a position: 1..positionChars of POSITION_DIGITS. */
export function isPosition(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= YJS_LIMITS.positionChars && POSITION.test(v);
}

/** A position the algorithm below can build on (shape-valid, no trailing '0'). */
const usable = (v: string | null): boolean => v === null || (isPosition(v) && !v.endsWith('0'));

/**
 * A position strictly between `a` and `b` (null: the start, the end), as short as the gap allows;
 * null when there is none to give: `a` not below `b`, a position this algorithm cannot build on
 * (e.g. written by another client), or the result would be over the length limit. The caller then
 * re-spaces the agenda (`spacedPositions`).
 */
export function positionBetween(a: string | null, b: string | null): string | null {
  if (!usable(a) || !usable(b) || (a !== null && b !== null && a >= b)) return null;
  const p = a !== null && b === null ? after(a) : midpoint(a ?? '', b);
  return p.length <= YJS_LIMITS.positionChars ? p : null;
}

/**
 * A position after `a` that grows slowly as items are appended one after another (the common
 * case): the first digit that is not the last one, plus one ('V' → 'W', 'Vz' → 'W', 'zz' → 'zzV').
 */
function after(a: string): string {
  for (let i = 0; i < a.length; i++) {
    const d = POSITION_DIGITS.indexOf(a[i]!);
    if (d < POSITION_DIGITS.length - 1) return a.slice(0, i) + POSITION_DIGITS[d + 1]!;
  }
  return a + POSITION_DIGITS[31]!;
}

/** rocicorp/fractional-indexing's midpoint (CC0): a < b, neither ends in '0'. */
function midpoint(a: string, b: string | null): string {
  if (b !== null) {
    // The common prefix (a padded with zeros) stays; the midpoint is taken after it.
    let n = 0;
    while ((a[n] ?? '0') === b[n]) n++;
    if (n > 0) return b.slice(0, n) + midpoint(a.slice(n), b.slice(n));
  }
  const da = a ? POSITION_DIGITS.indexOf(a[0]!) : 0;
  const db = b !== null ? POSITION_DIGITS.indexOf(b[0]!) : POSITION_DIGITS.length;
  if (db - da > 1) return POSITION_DIGITS[Math.round((da + db) / 2)]!;
  // Adjacent first digits: b's first digit alone if b goes on, else a's first digit and more.
  if (b !== null && b.length > 1) return b.slice(0, 1);
  return POSITION_DIGITS[da]! + midpoint(a.slice(1), null);
}

/**
 * `n` short positions, evenly spaced, ascending, all below 'V' (the first position an empty
 * agenda gives): for the first move in a document without positions, and to re-space an agenda
 * when a gap runs out. Kept in the lower half so that an item appended at the same moment by
 * someone who saw no positions (it gets 'V') still lands at the end.
 */
export function spacedPositions(n: number): string[] {
  const base = POSITION_DIGITS.length;
  let width = 1;
  while (31 * base ** (width - 1) < 2 * (n + 1)) width++;
  const room = 31 * base ** (width - 1);
  const out: string[] = [];
  for (let i = 1; i <= n; i++) {
    let v = Math.floor((i * room) / (n + 1));
    // No trailing '0': one up (the step is at least 2, so the order and distinctness hold).
    if (v % base === 0) v++;
    let s = '';
    for (let k = 0; k < width; k++) {
      s = POSITION_DIGITS[v % base]! + s;
      v = Math.floor(v / base);
    }
    out.push(s);
  }
  return out;
}

/**
 * The agenda's order: entries (in the array's order) sorted by position, then id; those without a
 * valid position first, in array order. Returns a new array; the input is not changed.
 */
export function inAgendaOrder<T>(entries: readonly T[], positionOf: (e: T) => unknown, idOf: (e: T) => string): T[] {
  const keyed = entries.map((e, i) => {
    const p = positionOf(e);
    return { e, i, p: isPosition(p) ? p : null, id: idOf(e) };
  });
  keyed.sort((x, y) => {
    if (x.p === null || y.p === null) return x.p === y.p ? x.i - y.i : x.p === null ? -1 : 1;
    if (x.p !== y.p) return x.p < y.p ? -1 : 1;
    if (x.id !== y.id) return x.id < y.id ? -1 : 1;
    return x.i - y.i;
  });
  return keyed.map((k) => k.e);
}

/** An item as the order sees it: its id and whatever its `position` key holds. */
export interface PlacedItem {
  id: string;
  position: unknown;
}

/**
 * The position writes that put item `id` at `index` among `others` (the other items, in agenda
 * order): a move (`others` without the item) or an add (the new item's position). Usually one
 * write, the item's own; when there is no gap to take (two items given one position at the same
 * moment, a position grown to the limit, items before it without positions) every item is
 * re-spaced in the new order, writing only the positions that change. Apply them in one
 * transaction, so that one undo takes the move back.
 */
export function placeItem(others: readonly PlacedItem[], index: number, id: string): { id: string; position: string }[] {
  const at = Math.max(0, Math.min(index, others.length));
  const before = others[at - 1];
  const after = others[at];
  // Items without a position come first whatever their positions: the start, seen from after them.
  const lo = before !== undefined && isPosition(before.position) ? before.position : null;
  const hi = after === undefined ? null : isPosition(after.position) ? after.position : undefined;
  const p = hi === undefined ? null : positionBetween(lo, hi);
  if (p !== null) return [{ id, position: p }];
  const order = [...others.slice(0, at).map((o) => o.id), id, ...others.slice(at).map((o) => o.id)];
  const was = new Map(others.map((o) => [o.id, o.position]));
  const spaced = spacedPositions(order.length);
  return order.map((oid, i) => ({ id: oid, position: spaced[i]! })).filter((w) => w.id === id || was.get(w.id) !== w.position);
}
