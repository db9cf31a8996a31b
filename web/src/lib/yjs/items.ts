import * as Y from 'yjs';
import { inAgendaOrder, placeItem } from '@yishi/protocol/constants';
import { randomUuid } from '../uuid.ts';

/**
 * The agenda document (docs/API.md, issue 10): `doc.getArray('items')` of Y.Map, each with `id`
 * (string), `title` and `details` (Y.Text), `kind`, `minutes` (number), `presenter` (string),
 * `links` (Y.Array of strings) and `position` (string). The array says which items exist; the
 * positions say in which order (agenda-order.ts), so a move sets a position and never copies the
 * item (an edit made to it meanwhile, even offline, is kept). Every change here is one
 * transaction with the caller's origin, so the person's UndoManager takes it back as one step.
 */

export const ITEM_KINDS = ['information', 'discussion', 'decision'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

export type ItemMap = Y.Map<unknown>;

export interface PlainItem {
  id: string;
  title: string;
  details: string;
  kind: ItemKind;
  minutes: number;
  presenter: string;
  links: string[];
}

export function itemsOf(doc: Y.Doc): Y.Array<ItemMap> {
  return doc.getArray<ItemMap>('items');
}

/**
 * The items in agenda order, each id once (a document from before positions may hold two copies
 * of a moved item: the first in order is the item, as on the server).
 */
export function orderedItems(doc: Y.Doc): ItemMap[] {
  const seen = new Set<string>();
  const maps = itemsOf(doc)
    .toArray()
    .filter((m) => m instanceof Y.Map);
  return inAgendaOrder(maps, (m) => m.get('position'), idOf).filter((m) => {
    const id = idOf(m);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

export const idOf = (item: ItemMap): string => String(item.get('id') ?? '');

/**
 * Puts item `id` at `index` among `others` (in agenda order) by setting positions (usually its
 * own; see placeItem). Call inside the caller's transaction.
 */
function place(others: ItemMap[], index: number, id: string, item: ItemMap): void {
  const byId = new Map(others.map((m) => [idOf(m), m]));
  for (const w of placeItem(
    others.map((m) => ({ id: idOf(m), position: m.get('position') })),
    index,
    id,
  ))
    (w.id === id ? item : byId.get(w.id))?.set('position', w.position);
}

/** The item's place in the array (which says only which items exist, not their order). */
export function indexOfItem(doc: Y.Doc, id: string): number {
  const items = itemsOf(doc);
  for (let i = 0; i < items.length; i++) if (items.get(i).get('id') === id) return i;
  return -1;
}

export function findItem(doc: Y.Doc, id: string): ItemMap | undefined {
  const i = indexOfItem(doc, id);
  return i < 0 ? undefined : itemsOf(doc).get(i);
}

export function itemText(item: ItemMap, key: 'title' | 'details'): Y.Text | undefined {
  const t = item.get(key);
  return t instanceof Y.Text ? t : undefined;
}

export function kindOf(item: ItemMap): ItemKind {
  const k = item.get('kind');
  return ITEM_KINDS.includes(k as ItemKind) ? (k as ItemKind) : 'discussion';
}

export function plainItem(item: ItemMap): PlainItem {
  const links = item.get('links');
  const minutes = item.get('minutes');
  const presenter = item.get('presenter');
  return {
    id: String(item.get('id') ?? ''),
    title: itemText(item, 'title')?.toString() ?? '',
    details: itemText(item, 'details')?.toString() ?? '',
    kind: kindOf(item),
    minutes: typeof minutes === 'number' ? minutes : 0,
    presenter: typeof presenter === 'string' ? presenter : '',
    links: links instanceof Y.Array ? links.toArray().filter((l): l is string => typeof l === 'string') : [],
  };
}

/** The agenda as plain values, in order. */
export function readItems(doc: Y.Doc): PlainItem[] {
  return orderedItems(doc).map(plainItem);
}

/** A new item's Y.Map, not yet in a document (a prelim: its content is written when inserted). */
function newItemMap(init: Omit<PlainItem, 'id'> & { id?: string }): ItemMap {
  const map = new Y.Map<unknown>();
  map.set('id', init.id ?? randomUuid());
  map.set('title', new Y.Text(init.title));
  map.set('details', new Y.Text(init.details));
  map.set('kind', init.kind);
  map.set('minutes', init.minutes);
  map.set('presenter', init.presenter);
  const links = new Y.Array<string>();
  links.push(init.links);
  map.set('links', links);
  return map;
}

/** Adds an item (at the end of the agenda unless `index`) and returns its id. */
export function addItem(doc: Y.Doc, origin: object, init: Partial<Omit<PlainItem, 'id'>> = {}, index?: number): string {
  const id = randomUuid();
  const map = newItemMap({ id, title: '', details: '', kind: 'discussion', minutes: 10, presenter: '', links: [], ...init });
  doc.transact(() => {
    const others = orderedItems(doc);
    place(others, index ?? others.length, id, map);
    itemsOf(doc).push([map]);
  }, origin);
  return id;
}

export function removeItem(doc: Y.Doc, origin: object, id: string): boolean {
  const i = indexOfItem(doc, id);
  if (i < 0) return false;
  doc.transact(() => itemsOf(doc).delete(i, 1), origin);
  return true;
}

/**
 * Moves an item one place up (-1) or down (+1) in the agenda: sets its position (last writer
 * wins), never copies it, so an edit made to it at the same moment is kept and two people moving
 * it at once leave one item, where the later move put it.
 */
export function moveItem(doc: Y.Doc, origin: object, id: string, by: -1 | 1): boolean {
  const order = orderedItems(doc);
  const i = order.findIndex((m) => idOf(m) === id);
  const j = i + by;
  if (i < 0 || j < 0 || j >= order.length) return false;
  doc.transact(
    () =>
      place(
        order.filter((_, k) => k !== i),
        j,
        id,
        order[i]!,
      ),
    origin,
  );
  return true;
}

export function setKind(doc: Y.Doc, origin: object, id: string, kind: ItemKind): boolean {
  return setField(doc, origin, id, 'kind', kind);
}

export function setMinutes(doc: Y.Doc, origin: object, id: string, minutes: number): boolean {
  if (!Number.isFinite(minutes) || minutes < 0) return false;
  return setField(doc, origin, id, 'minutes', Math.round(minutes));
}

export function setPresenter(doc: Y.Doc, origin: object, id: string, presenter: string): boolean {
  return setField(doc, origin, id, 'presenter', presenter);
}

function setField(doc: Y.Doc, origin: object, id: string, key: 'kind' | 'minutes' | 'presenter', value: unknown): boolean {
  const item = findItem(doc, id);
  if (!item || item.get(key) === value) return false;
  doc.transact(() => item.set(key, value), origin);
  return true;
}

export function addLink(doc: Y.Doc, origin: object, id: string, url: string): boolean {
  const links = findItem(doc, id)?.get('links');
  if (!(links instanceof Y.Array)) return false;
  doc.transact(() => links.push([url]), origin);
  return true;
}

export function removeLink(doc: Y.Doc, origin: object, id: string, index: number): boolean {
  const links = findItem(doc, id)?.get('links');
  if (!(links instanceof Y.Array) || index < 0 || index >= links.length) return false;
  doc.transact(() => links.delete(index, 1), origin);
  return true;
}

/**
 * Whether a change to the document (the events of `observeDeep` on the items) may change the
 * agenda's order: an item added or removed, or a position set. Typing does not.
 */
export function changesOrder(events: Y.YEvent<Y.AbstractType<unknown>>[], doc: Y.Doc): boolean {
  const items = itemsOf(doc);
  return events.some((e) => e.target === items || (e instanceof Y.YMapEvent && e.target.parent === items && e.keysChanged.has('position')));
}

/**
 * This person's undo and redo over the whole agenda: only transactions with their `origin` (their
 * text bindings and the item operations above) are tracked, so undo never takes back someone
 * else's edit.
 */
export function createUndoManager(doc: Y.Doc, origin: object): Y.UndoManager {
  return new Y.UndoManager(itemsOf(doc), { trackedOrigins: new Set([origin]), captureTimeout: 500 });
}
