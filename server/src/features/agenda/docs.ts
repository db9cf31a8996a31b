import type { AgendaItemDecision, AgendaItemKind, MeetingId } from '@yishi/protocol';

/** An item of the agenda document as plain values (agenda-doc.ts: `doc.getArray('items')`). */
export interface AgendaDocItem {
  id: string;
  title: string;
  details: string;
  kind: AgendaItemKind;
  minutes: number;
  presenter: string;
  links: string[];
}

/**
 * A closed poll's outcome as the notes hold it: written by the server, never by an editor. Data,
 * not a sentence: each screen words it in its own language (docs/API.md, "The outcome line").
 */
export type OutcomeLine = AgendaItemDecision;

/**
 * What the agenda's server side needs of the meeting's documents (the agenda and the notes),
 * over services.docs (the yjs lane's DocHub, features/agenda/yjs/doc-hub.ts): the items in order;
 * server-written changes (an accepted proposal's item, a poll's outcome line in the notes), each
 * idempotent; and a signal when a meeting's agenda document changes.
 */
export interface AgendaDocs {
  items(meetingId: MeetingId): Promise<AgendaDocItem[]>;
  /** Adds an item at the end, unless one with its id is there already. */
  appendItem(meetingId: MeetingId, item: AgendaDocItem): Promise<void>;
  /** Removes the item with this id, if there. */
  removeItem(meetingId: MeetingId, itemId: string): Promise<void>;
  /** Appends the outcome line to the item's notes, unless the line for this poll is there already. */
  appendOutcome(meetingId: MeetingId, itemId: string, line: OutcomeLine): Promise<void>;
  /**
   * Makes the notes container of every agenda item that has none. Only the server makes them:
   * two editors opening an item's empty notes at once would each make one, and the map keeps one,
   * losing what was typed into the other.
   */
  ensureNotes(meetingId: MeetingId): Promise<void>;
  /**
   * Calls back with the meeting whose agenda document changed (any instance's edit; `here` when
   * this instance accepted it); returns an unsubscribe.
   */
  onAgendaChange(listener: (meetingId: MeetingId, here: boolean) => void): () => void;
}
