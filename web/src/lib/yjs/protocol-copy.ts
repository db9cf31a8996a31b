/**
 * The agenda and notes documents' names and limits as the server enforces them. Copied from
 * packages/protocol/src/agenda-doc.ts and limits.ts (the yjs lane's) until they are in main;
 * then imported from `@yishi/protocol/constants` instead.
 */
export const NOTES_ELEMENTS = ['paragraph', 'bullet_list', 'ordered_list', 'list_item', 'outcome'] as const;
export const NOTES_MARKS = ['bold'] as const;
export const DOC_LIMITS = {
  items: 200,
  titleChars: 200,
  detailsChars: 5_000,
  presenterChars: 80,
  maxMinutes: 600,
  linksPerItem: 20,
  linkChars: 2_000,
} as const;
