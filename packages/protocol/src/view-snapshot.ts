import { z } from 'zod';
import { MeetingId } from './ids.ts';

/**
 * The envelope of every live view: server-computed snapshots pushed to a meeting's room,
 * coalesced, versioned. A client keeps the highest version per (meeting, kind) and can always
 * refetch with view:get, so a broadcast lost between instances heals on the next one or on
 * reconnect. Features declare their views' data; views.ts assembles them.
 */
export const snapshotOf = <K extends string, D extends z.ZodTypeAny>(kind: K, data: D) =>
  z.object({ kind: z.literal(kind), meetingId: MeetingId, version: z.number(), data });
