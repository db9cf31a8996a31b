import * as Y from 'yjs';
import { AGENDA_ITEMS, inAgendaOrder, placeItem } from '@yishi/protocol';

/**
 * The agenda document's items in agenda order: by `position`, not by their place in the array
 * (packages/protocol/src/agenda-order.ts: the array only says which items exist). Anything in the
 * array that is not a Y.Map is left out.
 */
export function itemsInOrder(doc: Y.Doc): Y.Map<unknown>[] {
  const maps = doc
    .getArray<unknown>(AGENDA_ITEMS)
    .toArray()
    .filter((m): m is Y.Map<unknown> => m instanceof Y.Map);
  return inAgendaOrder(
    maps,
    (m) => m.get('position'),
    (m) => String(m.get('id')),
  );
}

/** Gives a new item (not yet in the array) the position after every item, re-spacing them if need be. */
export function positionAtEnd(doc: Y.Doc, item: Y.Map<unknown>, id: string): void {
  const others = itemsInOrder(doc);
  const byId = new Map(others.map((m) => [String(m.get('id')), m]));
  for (const w of placeItem(
    others.map((m) => ({ id: String(m.get('id')), position: m.get('position') })),
    others.length,
    id,
  ))
    (w.id === id ? item : byId.get(w.id))?.set('position', w.position);
}
