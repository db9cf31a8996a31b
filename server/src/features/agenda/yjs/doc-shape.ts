import * as Y from 'yjs';
import {
  AGENDA_ITEM_FIELDS,
  AGENDA_ITEM_KINDS,
  AGENDA_ITEMS,
  NOTES_ELEMENTS,
  NOTES_MAP,
  NOTES_MARKS,
  NOTES_SERVER_ELEMENTS,
  YJS_LIMITS,
  isPosition,
  type AgendaDocName,
  type AgendaItemField,
} from '@yishi/protocol';

/**
 * The documents' shape (packages/protocol/src/agenda-doc.ts), checked on what one transaction
 * changed, not on the whole document: every struct it inserted must sit where the shape allows
 * (a Y.Text under an item's `title`, a string in a title...), every type it touched must still be
 * whole (an item keeps its required keys) and within YJS_LIMITS, and nothing it deleted or
 * inserted may touch a server-written outcome line. The checks are ones that a merge of valid
 * concurrent edits keeps (two valid edits never merge into a broken shape), so an honest client is
 * never refused for what someone else did at the same moment; the counts are the exception, by at
 * most one concurrent edit each (limits.ts).
 */

/**
 * Where a type sits in the shape. `outcome` and `outcomeText` are the server's alone: the role
 * `outcome` is any server-written element (NOTES_SERVER_ELEMENTS: a poll's outcome line, an item's speakers).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Yjs's own type parameter
type AnyType = Y.AbstractType<any>;

type Role = 'items' | 'item' | 'title' | 'details' | 'links' | 'notes' | 'fragment' | 'element' | 'xmlText' | 'outcome' | 'outcomeText' | 'value';

/** The shared types at the root of each document. */
export const ROOTS: Record<AgendaDocName, readonly string[]> = { agenda: [AGENDA_ITEMS], notes: [NOTES_MAP] };

const TEXT_LIMIT: Partial<Record<Role, number>> = { title: YJS_LIMITS.titleChars, details: YJS_LIMITS.detailsChars, xmlText: YJS_LIMITS.noteChars };
const ELEMENTS = new Set<string>(NOTES_ELEMENTS);
const MARKS = new Set<string>(NOTES_MARKS);
const SERVER_ELEMENTS = new Set<string>(NOTES_SERVER_ELEMENTS);
const KINDS = new Set<string>(AGENDA_ITEM_KINDS);
const FIELDS = AGENDA_ITEM_FIELDS as Record<string, (typeof AGENDA_ITEM_FIELDS)[AgendaItemField]>;
const REQUIRED = Object.entries(AGENDA_ITEM_FIELDS)
  .filter(([, f]) => f.required)
  .map(([k]) => k);

const isExactly = (t: unknown, c: abstract new (...args: never[]) => unknown): boolean => t !== null && typeof t === 'object' && t.constructor === c;

function oneValue(item: Y.Item): unknown {
  const c = item.content;
  if (!(c instanceof Y.ContentAny) || c.arr.length !== 1) return undefined;
  return c.arr[0];
}

/** A single primitive attribute value (strings short). */
function isPlainAttribute(v: unknown): boolean {
  return v === null || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= 200);
}

/** A mark's value as y-prosemirror stores it: null to end it, or the mark's attributes (a small object) or true. */
function isMarkValue(v: unknown): boolean {
  if (v === null || v === true) return true;
  if (typeof v !== 'object' || Array.isArray(v)) return false;
  return JSON.stringify(v).length <= 200;
}

/** A document of this kind with its shared types defined (before any update arrives, so they get their classes). */
export function defineRoots(doc: Y.Doc, name: AgendaDocName): Y.Doc {
  if (name === 'agenda') doc.getArray(AGENDA_ITEMS);
  else doc.getMap(NOTES_MAP);
  return doc;
}

export class ShapeChecker {
  private readonly roles = new WeakMap<AnyType, Role | null>();

  constructor(
    private readonly doc: Y.Doc,
    readonly name: AgendaDocName,
  ) {}

  /** The role of a type, or null when it sits where the shape has no place. */
  roleOf(type: AnyType): Role | null {
    const known = this.roles.get(type);
    if (known !== undefined) return known;
    let role: Role | null;
    if (type._item === null) {
      let key: string | null = null;
      for (const [k, v] of this.doc.share) if (v === type) key = k;
      if (this.name === 'agenda') role = key === AGENDA_ITEMS && isExactly(type, Y.Array) ? 'items' : null;
      else role = key === NOTES_MAP && isExactly(type, Y.Map) ? 'notes' : null;
    } else {
      const parent = type._item.parent;
      const parentRole = parent instanceof Y.AbstractType ? this.roleOf(parent) : null;
      role = parentRole === null ? null : childRole(parentRole, type._item);
    }
    this.roles.set(type, role);
    return role;
  }

  /**
   * Whether a transaction from a client left the document in shape. Call from the document's
   * `afterTransaction` (deleted content is still there, not yet garbage-collected).
   */
  check(tr: Y.Transaction): string | null {
    for (const [name, type] of this.doc.share) if (this.roleOf(type) === null) return `unexpected shared type ${name}`;
    const touched = new Set<AnyType>();
    for (const type of tr.changed.keys()) touched.add(type);
    let problem: string | null = null;

    // Every struct the transaction inserted.
    for (const [client, after] of tr.afterState) {
      const before = tr.beforeState.get(client) ?? 0;
      if (after <= before) continue;
      const structs = this.doc.store.clients.get(client)!;
      for (let i = Y.findIndexSS(structs, before); i < structs.length && structs[i]!.id.clock < after; i++) {
        const s = structs[i]!;
        if (!(s instanceof Y.Item)) continue;
        const parent = s.parent;
        if (!(parent instanceof Y.AbstractType)) return 'an item without a parent';
        const parentRole = this.roleOf(parent);
        if (parentRole === null) return 'content where the shape has no place';
        if (parentRole === 'outcome' || parentRole === 'outcomeText') return 'an edit inside an outcome line';
        if (s.content instanceof Y.ContentDeleted) continue;
        // Deleted values are never read, and Yjs may merge adjacent deleted ones into one struct
        // (a value set, then restored by an undo, once its item is deleted): no value to check.
        // A deleted type still must sit where the shape allows, so that what it holds has a role.
        if (s.deleted && !(s.content instanceof Y.ContentType)) continue;
        const role = childRole(parentRole, s);
        if (role === null) return `content not allowed in ${parentRole}${s.parentSub ? `.${s.parentSub}` : ''}`;
        if (role === 'outcome') return 'an outcome line written by a client';
        touched.add(parent);
        if (s.content instanceof Y.ContentType) touched.add(s.content.type);
      }
    }

    // Every struct it deleted: nothing of an outcome line.
    Y.iterateDeletedStructs(tr, tr.deleteSet, (s) => {
      if (problem || !(s instanceof Y.Item)) return;
      const parent = s.parent;
      if (!(parent instanceof Y.AbstractType)) return;
      const parentRole = this.roleOf(parent);
      if (parentRole === 'outcome' || parentRole === 'outcomeText') problem = 'an outcome line deleted or changed';
      else if (s.content instanceof Y.ContentType && this.roleOf(s.content.type) === 'outcome') problem = 'an outcome line deleted';
    });
    if (problem) return problem;

    // Every type it touched: still whole, within limits.
    for (const type of touched) {
      if (type._item?.deleted) continue;
      const role = this.roleOf(type);
      if (role === null) return 'content where the shape has no place';
      const p = wholeness(role, type);
      if (p) return p;
    }
    return null;
  }
}

/** The role of `item`'s content under a parent of role `parent`, or null when it may not be there. */
function childRole(parent: Role, item: Y.Item): Role | null {
  const c = item.content;
  const sub = item.parentSub;
  const type = c instanceof Y.ContentType ? c.type : null;
  if (c instanceof Y.ContentDeleted) return 'value';
  switch (parent) {
    case 'items':
      return sub === null && isExactly(type, Y.Map) ? 'item' : null;
    case 'item': {
      const field = sub === null ? undefined : FIELDS[sub];
      if (!field) return null;
      switch (field.type) {
        case 'text':
          return isExactly(type, Y.Text) ? (sub as 'title' | 'details') : null;
        case 'links':
          return isExactly(type, Y.Array) ? 'links' : null;
        case 'string': {
          const v = oneValue(item);
          const max = sub === 'id' ? YJS_LIMITS.itemIdChars : YJS_LIMITS.presenterChars;
          return typeof v === 'string' && v.length <= max && (sub !== 'id' || v.length > 0) ? 'value' : null;
        }
        case 'kind':
          return KINDS.has(oneValue(item) as string) ? 'value' : null;
        case 'number': {
          const v = oneValue(item);
          return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= YJS_LIMITS.maxMinutes ? 'value' : null;
        }
        case 'position':
          // Bounded in length and alphabet (agenda-order.ts); any such string orders, so a merge keeps it valid.
          return isPosition(oneValue(item)) ? 'value' : null;
      }
      return null;
    }
    case 'title':
    case 'details':
      return sub === null && c instanceof Y.ContentString ? 'value' : null;
    case 'links':
      return sub === null && c instanceof Y.ContentAny && c.arr.every((v) => typeof v === 'string' && v.length <= YJS_LIMITS.linkChars)
        ? 'value'
        : null;
    case 'notes':
      return sub !== null && sub.length > 0 && sub.length <= YJS_LIMITS.itemIdChars && isExactly(type, Y.XmlFragment) ? 'fragment' : null;
    case 'fragment':
    case 'element':
    case 'outcome':
      if (sub !== null) {
        // Attributes: on elements only (an ordered list's start...), plain values.
        return parent !== 'fragment' && sub.length <= 32 && isPlainAttribute(oneValue(item)) ? 'value' : null;
      }
      if (isExactly(type, Y.XmlText)) return parent === 'outcome' ? 'outcomeText' : 'xmlText';
      if (isExactly(type, Y.XmlElement) && parent !== 'outcome') {
        const nodeName = (type as Y.XmlElement).nodeName;
        if (SERVER_ELEMENTS.has(nodeName)) return parent === 'fragment' ? 'outcome' : null;
        return ELEMENTS.has(nodeName) ? 'element' : null;
      }
      return null;
    case 'xmlText':
    case 'outcomeText':
      if (sub !== null) return null;
      if (c instanceof Y.ContentString) return 'value';
      if (c instanceof Y.ContentFormat) return MARKS.has(c.key) && isMarkValue(c.value) ? 'value' : null;
      return null;
    case 'value':
      return null;
  }
}

/** What must hold of a type of this role after any change: required keys, sizes. */
function wholeness(role: Role, type: AnyType): string | null {
  switch (role) {
    case 'items':
      return (type as Y.Array<unknown>).length > YJS_LIMITS.items ? `more than ${YJS_LIMITS.items} items` : null;
    case 'item': {
      const map = type as Y.Map<unknown>;
      for (const key of REQUIRED) if (!map.has(key)) return `an item without ${key}`;
      return null;
    }
    case 'links':
      return (type as Y.Array<unknown>).length > YJS_LIMITS.linksPerItem ? 'too many links' : null;
    case 'notes':
      return (type as Y.Map<unknown>).size > 2 * YJS_LIMITS.items ? 'notes for too many items' : null;
    default: {
      const limit = TEXT_LIMIT[role];
      return limit !== undefined && (type as Y.Text).length > limit ? `${role} longer than ${limit}` : null;
    }
  }
}
