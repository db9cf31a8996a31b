import { z } from 'zod';
import { MeetingId } from './ids.ts';
import { Meeting, Presence } from './meeting.ts';
import { PollsView, TalliesView } from './votes.ts';

/**
 * Live views: server-computed snapshots pushed to a meeting's room, coalesced, versioned.
 * A client keeps the highest version per (meeting, kind) and can always refetch with view:get,
 * so a broadcast lost between instances heals on the next one or on reconnect.
 */
export const ViewKind = z.enum(['meeting', 'presence', 'polls', 'tallies']);
export type ViewKind = z.infer<typeof ViewKind>;

export const ViewPayloads = {
  meeting: Meeting,
  presence: Presence,
  polls: PollsView,
  tallies: TalliesView,
} as const satisfies Record<ViewKind, z.ZodTypeAny>;

export type ViewData<K extends ViewKind> = z.infer<(typeof ViewPayloads)[K]>;

export type ViewSnapshot<K extends ViewKind = ViewKind> = {
  [P in K]: { kind: P; meetingId: MeetingId; version: number; data: ViewData<P> };
}[K];

export const ViewSnapshotSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('meeting'), meetingId: MeetingId, version: z.number(), data: Meeting }),
  z.object({ kind: z.literal('presence'), meetingId: MeetingId, version: z.number(), data: Presence }),
  z.object({ kind: z.literal('polls'), meetingId: MeetingId, version: z.number(), data: PollsView }),
  z.object({ kind: z.literal('tallies'), meetingId: MeetingId, version: z.number(), data: TalliesView }),
]);
