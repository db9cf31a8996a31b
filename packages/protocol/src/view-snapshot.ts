import { z } from 'zod';
import { MeetingId } from './ids.ts';

/**
 * The sub-key of a keyed view (one agenda item's view rather than the whole meeting's): an id
 * of the thing it is about. Absent for the views of a whole meeting.
 */
export const ViewKey = z.string().min(1).max(64);
export type ViewKey = z.infer<typeof ViewKey>;

/**
 * The envelope of every live view: server-computed snapshots pushed to a meeting's room,
 * coalesced, versioned. A client keeps the highest version per (meeting, kind, key) and can always
 * refetch with view:get, so a broadcast lost between instances heals on the next one or on
 * reconnect. Features declare their views' data; views.ts assembles them.
 */
export const snapshotOf = <K extends string, D extends z.ZodTypeAny>(kind: K, data: D) =>
  z.object({ kind: z.literal(kind), meetingId: MeetingId, key: ViewKey.optional(), version: z.number(), data });
