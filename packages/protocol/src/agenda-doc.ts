/**
 * The agenda and notes documents (issue 10): their room names and their shape. Part of the
 * protocol: the server refuses any update that breaks the shape (docs/API.md, "Agenda and notes
 * documents"). No imports: the web app takes these through `@yishi/protocol/constants`.
 *
 * Agenda (`meetings/<meetingId>/agenda`): `doc.getArray('items')`, one `Y.Map` per item:
 *   id (string), title (Y.Text), details (Y.Text), kind ('information' | 'discussion' | 'decision'),
 *   minutes (number), presenter (string, optional), links (Y.Array<string>, optional),
 *   position (string, optional: where the item stands, agenda-order.ts; the array's order is not
 *   the agenda's, and a move sets this, never copies the item).
 * Notes (`meetings/<meetingId>/notes`): `doc.getMap('notes')`, keyed by item id, each a
 *   `Y.XmlFragment` of NOTES_ELEMENTS with text marks NOTES_MARKS (y-prosemirror's naming).
 */

/** The two documents of a meeting. */
export const AGENDA_DOCS = ['agenda', 'notes'] as const;
export type AgendaDocName = (typeof AGENDA_DOCS)[number];

export const agendaRoom = (meetingId: string): string => `meetings/${meetingId}/agenda`;
export const notesRoom = (meetingId: string): string => `meetings/${meetingId}/notes`;

const ROOM = /^meetings\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/(agenda|notes)$/;

/** The meeting and document a room names, or null for anything else (a room name is a path: no normalisation). */
export function parseRoom(room: string): { meetingId: string; doc: AgendaDocName } | null {
  const m = ROOM.exec(room);
  return m ? { meetingId: m[1]!, doc: m[2] as AgendaDocName } : null;
}

/** The one shared type of the agenda document: `doc.getArray(AGENDA_ITEMS)`. */
export const AGENDA_ITEMS = 'items';
/** The one shared type of the notes document: `doc.getMap(NOTES_MAP)`. */
export const NOTES_MAP = 'notes';

export const AGENDA_ITEM_KINDS = ['information', 'discussion', 'decision'] as const;

/**
 * The keys of an item's Y.Map and what each holds. `required` keys must be present whenever the
 * item is (an item is inserted with all of them in one transaction); the others may be missing.
 * `kind` and `minutes` are set again after the insert, and an undo of an item's deletion does not
 * bring back a value someone else overwrote meanwhile: the item comes back without it. So they
 * are not required; every reader takes 'discussion' and 0 for a missing one.
 */
export const AGENDA_ITEM_FIELDS = {
  id: { type: 'string', required: true },
  title: { type: 'text', required: true },
  details: { type: 'text', required: true },
  kind: { type: 'kind', required: false },
  minutes: { type: 'number', required: false },
  presenter: { type: 'string', required: false },
  links: { type: 'links', required: false },
  position: { type: 'position', required: false },
} as const;
export type AgendaItemField = keyof typeof AGENDA_ITEM_FIELDS;

/** Block elements of an item's notes (Y.XmlElement node names, as y-prosemirror names ProseMirror nodes). */
export const NOTES_ELEMENTS = ['paragraph', 'bullet_list', 'ordered_list', 'list_item', 'outcome', 'speakers'] as const;
/** Text marks in the notes (Y.XmlText formatting attributes): bold only for now. */
export const NOTES_MARKS = ['bold'] as const;
/**
 * The server-written line with a poll's outcome: an element only the server creates, with the
 * attribute `pollId` and one Y.XmlText child. Editors cannot insert, change or delete one.
 */
export const NOTES_OUTCOME = 'outcome';
/**
 * The server-written record of who spoke on the item (the floor, issue 11): an element only the
 * server creates, no children, with the attribute `speakers`, JSON
 * `[{kind, name, seconds, limitSeconds}]` in the order they spoke. Written when the room leaves
 * the item (rewritten, never doubled, if it comes back). Editors cannot insert, change or delete one.
 */
export const NOTES_SPEAKERS = 'speakers';
/** The notes' elements only the server writes. */
export const NOTES_SERVER_ELEMENTS: readonly string[] = [NOTES_OUTCOME, NOTES_SPEAKERS];

/**
 * The custom message the server sends a read-only connection that tried to write: y-protocols'
 * auth message (type 2) "permission denied" (0) with this reason. The stock WebsocketProvider
 * logs it; the write is dropped.
 */
export const YJS_READ_ONLY_REASON = 'read-only';

/**
 * Close codes of a Yjs connection (refusals before the upgrade are HTTP statuses instead: 403 a
 * foreign Origin or a room the session may not open, 401 no session, 404 no such room).
 */
export const YJS_CLOSE = {
  /** An undecodable or malformed message or update. */
  malformed: 4400,
  /** The session ended or lost its right to the room (signed out, role changed). */
  forbidden: 4403,
  /** A message or update over YJS_LIMITS.updateBytes, or a document over docBytes. */
  tooLarge: 4413,
  /** A valid update that would break the document's shape or a limit. */
  shape: 4422,
  /** Too many messages. */
  rateLimited: 4429,
  /** The update could not be stored: reconnect and send it again (sync does so). */
  storage: 4500,
} as const;
