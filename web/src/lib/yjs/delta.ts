/**
 * Text positions and deltas, with no Yjs and no DOM: how a caret moves through someone else's
 * change, and what one local edit of a field was.
 */

/** One operation of a Yjs text delta (`YTextEvent#delta`): retain, insert or delete. */
export type DeltaOp = { retain?: number; insert?: unknown; delete?: number };

function insertLength(insert: unknown): number {
  return typeof insert === 'string' ? insert.length : 1; // an embed counts one
}

/**
 * Where position `index` of the text before `delta` is in the text after it. A position stays
 * with the character to its right, as Yjs's relative positions do (and y-prosemirror's cursors):
 * text inserted exactly at it goes before it (`assoc` 1, the default); with `assoc` -1 it stays
 * with the character to its left instead.
 */
export function mapIndex(index: number, delta: readonly DeltaOp[], assoc: -1 | 1 = 1): number {
  let oldPos = 0;
  let result = index;
  for (const op of delta) {
    if (oldPos > index) break;
    if (op.retain !== undefined) {
      oldPos += op.retain;
    } else if (op.insert !== undefined) {
      if (oldPos < index || (oldPos === index && assoc === 1)) result += insertLength(op.insert);
    } else if (op.delete !== undefined) {
      if (oldPos < index) result -= Math.min(op.delete, index - oldPos);
      oldPos += op.delete;
    }
  }
  return result;
}

/** One local edit: at `index` of the old text, `remove` characters replaced by `insert`. */
export interface Splice {
  index: number;
  remove: number;
  insert: string;
}

/**
 * The smallest single splice that turns `before` into `after`. A field changes by one splice
 * per input event (typing, deleting, pasting over a selection, a composition), but a repeated
 * character makes it ambiguous ("aa" -> "aaa"): `caret`, where the caret is after the edit,
 * puts the splice where the person typed.
 */
export function diffText(before: string, after: string, caret?: number): Splice | null {
  if (before === after) return null;
  let start = 0;
  const minLen = Math.min(before.length, after.length);
  // The common prefix may not reach past the caret: the edit ends there.
  const prefixLimit = caret === undefined ? minLen : Math.min(minLen, Math.max(0, caret - Math.max(0, after.length - before.length)));
  while (start < prefixLimit && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let endBefore = before.length;
  let endAfter = after.length;
  while (endBefore > start && endAfter > start && before.charCodeAt(endBefore - 1) === after.charCodeAt(endAfter - 1)) {
    endBefore--;
    endAfter--;
  }
  // Never split a surrogate pair (an emoji, a rare CJK character).
  if (start > 0 && isHighSurrogate(before.charCodeAt(start - 1))) start--;
  if (endBefore < before.length && isLowSurrogate(before.charCodeAt(endBefore))) {
    endBefore++;
    endAfter++;
  }
  return { index: start, remove: endBefore - start, insert: after.slice(start, endAfter) };
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
