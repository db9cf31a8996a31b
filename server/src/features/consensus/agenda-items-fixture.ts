import * as Y from 'yjs';
import { AGENDA_ITEMS, agendaRoom } from '@yishi/protocol';
import type { DocHub } from '../agenda/yjs/doc-hub.ts';

/** Items in a meeting's agenda document, written as the server writes documents (a consensus check belongs to one). */
export function addAgendaItems(docs: Pick<DocHub, 'change'>, meetingId: string, ...ids: string[]): Promise<void> {
  return docs.change(agendaRoom(meetingId), (doc) => {
    for (const id of ids) {
      const item = new Y.Map<unknown>();
      item.set('id', id);
      doc.getArray<Y.Map<unknown>>(AGENDA_ITEMS).push([item]);
    }
  });
}
