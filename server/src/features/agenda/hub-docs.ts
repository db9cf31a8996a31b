import * as Y from 'yjs';
import { AGENDA_ITEM_KINDS, AGENDA_ITEMS, AgendaItemId, agendaRoom, NOTES_MAP, NOTES_OUTCOME, notesRoom, parseRoom } from '@yishi/protocol';
import type { AgendaItemKind, MeetingId } from '@yishi/protocol';
import type { DocHub } from './yjs/doc-hub.ts';
import type { AgendaDocItem, AgendaDocs, OutcomeLine } from './docs.ts';
import { itemsInOrder, positionAtEnd } from './item-order.ts';

const KINDS = new Set<string>(AGENDA_ITEM_KINDS);

/**
 * The agenda document's items as plain values, in agenda order (by position: item-order.ts). An
 * item the events could not name (an id that is not an AgendaItemId, or one already seen: the
 * first keeps it) is left out; a field
 * missing or of another type reads as empty (the yjs lane's shape check keeps them whole).
 */
export function readItems(doc: Y.Doc): AgendaDocItem[] {
  const seen = new Set<string>();
  const out: AgendaDocItem[] = [];
  for (const m of itemsInOrder(doc)) {
    const id = m.get('id');
    if (typeof id !== 'string' || !AgendaItemId.safeParse(id).success || seen.has(id)) continue;
    seen.add(id);
    const text = (k: string) => {
      const v = m.get(k);
      return v instanceof Y.Text ? v.toString() : typeof v === 'string' ? v : '';
    };
    const kind = m.get('kind');
    const minutes = m.get('minutes');
    const links = m.get('links');
    out.push({
      id,
      title: text('title'),
      details: text('details'),
      kind: (typeof kind === 'string' && KINDS.has(kind) ? kind : 'discussion') as AgendaItemKind,
      minutes: typeof minutes === 'number' && Number.isInteger(minutes) && minutes >= 0 ? minutes : 0,
      presenter: text('presenter'),
      links: links instanceof Y.Array ? links.toArray().filter((l): l is string => typeof l === 'string') : [],
    });
  }
  return out;
}

/**
 * The outcome line as the notes hold it (docs/API.md, "The outcome line"): a Y.XmlElement
 * `outcome` appended to the item's notes fragment (made if the item has none yet), with the attributes `pollId`, `title` and
 * `outcomes` (JSON: [{electorate, kind, labels}]), and one Y.XmlText child holding the poll's
 * title, for a renderer that does not know the element. Each screen words the outcome in its own
 * language from the attributes. Only the server writes one; editors cannot change or delete it.
 */
export function outcomeElement(line: OutcomeLine): Y.XmlElement {
  const el = new Y.XmlElement(NOTES_OUTCOME);
  el.setAttribute('pollId', line.pollId);
  el.setAttribute('title', line.title);
  el.setAttribute('outcomes', JSON.stringify(line.outcomes));
  el.insert(0, [new Y.XmlText(line.title)]);
  return el;
}

/** The agenda's view of the meeting's documents, over services.docs. */
export function hubDocs(hub: DocHub): AgendaDocs {
  return {
    items: (meetingId) => hub.read(agendaRoom(meetingId), readItems),

    appendItem: (meetingId, item) =>
      hub.change(agendaRoom(meetingId), (doc) => {
        const items = doc.getArray<Y.Map<unknown>>(AGENDA_ITEMS);
        if (items.toArray().some((m) => m instanceof Y.Map && m.get('id') === item.id)) return;
        const m = new Y.Map<unknown>();
        m.set('id', item.id);
        m.set('title', new Y.Text(item.title));
        m.set('details', new Y.Text(item.details));
        m.set('kind', item.kind);
        m.set('minutes', item.minutes);
        m.set('presenter', item.presenter);
        m.set('links', Y.Array.from(item.links));
        positionAtEnd(doc, m, item.id);
        items.push([m]);
      }),

    removeItem: (meetingId, itemId) =>
      hub.change(agendaRoom(meetingId), (doc) => {
        const items = doc.getArray<Y.Map<unknown>>(AGENDA_ITEMS);
        const i = items.toArray().findIndex((m) => m instanceof Y.Map && m.get('id') === itemId);
        if (i >= 0) items.delete(i, 1);
      }),

    appendOutcome: (meetingId, itemId, line) =>
      hub.change(notesRoom(meetingId), (doc) => {
        const notes = doc.getMap<Y.XmlFragment>(NOTES_MAP);
        let fragment = notes.get(itemId);
        if (!(fragment instanceof Y.XmlFragment)) {
          fragment = new Y.XmlFragment();
          notes.set(itemId, fragment);
        }
        // Once per poll: a retry, or a close told twice, adds nothing.
        if (fragment.toArray().some((n) => n instanceof Y.XmlElement && n.nodeName === NOTES_OUTCOME && n.getAttribute('pollId') === line.pollId))
          return;
        // At the end: the notes run in the order things happened.
        fragment.push([outcomeElement(line)]);
      }),

    ensureNotes: async (meetingId) => {
      const ids = await hub.read(agendaRoom(meetingId), (doc) =>
        doc
          .getArray<unknown>(AGENDA_ITEMS)
          .toArray()
          .map((m) => (m instanceof Y.Map ? m.get('id') : undefined))
          .filter((id): id is string => typeof id === 'string' && AgendaItemId.safeParse(id).success),
      );
      const missing = await hub.read(notesRoom(meetingId), (doc) => {
        const notes = doc.getMap<unknown>(NOTES_MAP);
        return ids.filter((id) => !(notes.get(id) instanceof Y.XmlFragment));
      });
      if (missing.length === 0) return;
      await hub.change(notesRoom(meetingId), (doc) => {
        const notes = doc.getMap<unknown>(NOTES_MAP);
        for (const id of missing) if (!(notes.get(id) instanceof Y.XmlFragment)) notes.set(id, new Y.XmlFragment());
      });
    },

    onAgendaChange: (listener) =>
      hub.onChange((room, here) => {
        const parsed = parseRoom(room);
        if (parsed?.doc === 'agenda') listener(parsed.meetingId as MeetingId, here);
      }),
  };
}
