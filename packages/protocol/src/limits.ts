/**
 * Limits of the co-edited agenda and notes (Yjs documents, issue 10). Plain values, no imports:
 * the web app reads them through `@yishi/protocol/constants` (which re-exports this file) to stop
 * its editors at the same place the server refuses.
 *
 * The server (server/src/features/agenda/yjs/) refuses an update that would break one of these
 * and closes the connection that sent it (docs/API.md, "Agenda and notes documents"). Two editors
 * adding the last allowed item at the same moment on two instances can overshoot a count by one
 * each: the counts are a guard against abuse, not a business rule.
 */
export const YJS_LIMITS = {
  /** Largest websocket message, hence largest single update, in bytes. */
  updateBytes: 64 * 1024,
  /** Largest document, as its encoded state, in bytes. */
  docBytes: 1024 * 1024,
  /** Items in one agenda. */
  items: 200,
  /** An item's id (the web app makes UUIDs). */
  itemIdChars: 64,
  /** An item's position (agenda-order.ts): a fractional index, re-spaced before it grows longer. */
  positionChars: 64,
  /** An item's title, in UTF-16 code units as Y.Text counts them. */
  titleChars: 200,
  /** An item's details (background, the proposal text). */
  detailsChars: 5_000,
  /** A presenter given as free text (a member's name or a property-company representative). */
  presenterChars: 80,
  /** Planned duration of an item, in whole minutes. */
  maxMinutes: 600,
  /** Attachments of one item, as links. */
  linksPerItem: 20,
  linkChars: 2_000,
  /** Characters of text in one item's notes. */
  noteChars: 50_000,
  /** One awareness state (cursor, selection) as JSON, in bytes. */
  awarenessStateBytes: 4 * 1024,
  /** Yjs connections one session may hold on one instance. */
  connectionsPerSession: 16,
} as const;
