import * as Y from 'yjs';
import { randomUuid } from '../uuid.ts';

/**
 * The agenda document (docs/API.md, issue 10): `doc.getArray('items')` of Y.Map, each with `id`
 * (string), `title` and `details` (Y.Text), `kind`, `minutes` (number), `presenter` (string) and
 * `links` (Y.Array of strings). Every change here is one transaction with the caller's origin,
 * so the person's UndoManager takes it back as one step.
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

export function readItems(doc: Y.Doc): PlainItem[] {
  return itemsOf(doc).toArray().map(plainItem);
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

/** Adds an item (at the end unless `index`) and returns its id. */
export function addItem(doc: Y.Doc, origin: object, init: Partial<Omit<PlainItem, 'id'>> = {}, index?: number): string {
  const id = randomUuid();
  const map = newItemMap({ id, title: '', details: '', kind: 'discussion', minutes: 10, presenter: '', links: [], ...init });
  doc.transact(() => {
    const items = itemsOf(doc);
    items.insert(Math.max(0, Math.min(index ?? items.length, items.length)), [map]);
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
 * Moves an item one place up (-1) or down (+1). A Y.Array cannot move an element: the item is
 * copied (same id, same text) to its new place and the old one deleted, in one transaction. An
 * edit someone else makes to the old copy at the same moment is lost with it (the price of the
 * document's shape; moves are rare and quick).
 */
export function moveItem(doc: Y.Doc, origin: object, id: string, by: -1 | 1): boolean {
  const items = itemsOf(doc);
  const i = indexOfItem(doc, id);
  const j = i + by;
  if (i < 0 || j < 0 || j >= items.length) return false;
  doc.transact(() => {
    const copy = newItemMap(plainItem(items.get(i)));
    items.delete(i, 1);
    items.insert(j, [copy]);
  }, origin);
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
 * This person's undo and redo over the whole agenda: only transactions with their `origin` (their
 * text bindings and the item operations above) are tracked, so undo never takes back someone
 * else's edit.
 */
export function createUndoManager(doc: Y.Doc, origin: object): Y.UndoManager {
  return new Y.UndoManager(itemsOf(doc), { trackedOrigins: new Set([origin]), captureTimeout: 500 });
}
