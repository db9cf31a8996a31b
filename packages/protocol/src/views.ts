import { z } from 'zod';
import { agendaViews } from './agenda.ts';
import { attendanceViews } from './attendance.ts';
import { meetingViews } from './meetings.ts';
import { opinionViews } from './opinions.ts';
import { pollViews } from './polls.ts';
import { snapshotOf, type ViewKey } from './view-snapshot.ts';
import type { MeetingId } from './ids.ts';

/**
 * Every live view kind and its data, assembled from the features (a new feature adds its
 * `<feature>Views` here). The envelope and how clients treat versions: view-snapshot.ts.
 */
export const ViewPayloads = {
  ...meetingViews,
  ...attendanceViews,
  ...pollViews,
  ...agendaViews,
  ...opinionViews,
} as const;

type Kinds = keyof typeof ViewPayloads;
const KINDS = Object.keys(ViewPayloads) as [Kinds, ...Kinds[]];

export const ViewKind = z.enum(KINDS);
export type ViewKind = z.infer<typeof ViewKind>;

export type ViewData<K extends ViewKind> = z.infer<(typeof ViewPayloads)[K]>;

/** `key` only for a keyed view (one item's view, not the whole meeting's): view-snapshot.ts#ViewKey. */
export type ViewSnapshot<K extends ViewKind = ViewKind> = {
  [P in K]: { kind: P; meetingId: MeetingId; key?: ViewKey; version: number; data: ViewData<P> };
}[K];

type SnapshotSchema = ReturnType<typeof snapshotOf<Kinds, z.ZodTypeAny>>;

/**
 * Any live view, as pushed in `view` and returned by `meeting:join` and `view:get`: for tests
 * that check what the server sends (the server builds snapshots from its own typed values).
 * Built by mapping over the kinds, which TypeScript cannot follow, so its type is stated.
 */
export const ViewSnapshot = z.discriminatedUnion(
  'kind',
  KINDS.map((kind) => snapshotOf(kind, ViewPayloads[kind])) as unknown as [SnapshotSchema, ...SnapshotSchema[]],
) as unknown as z.ZodType<ViewSnapshot>;
