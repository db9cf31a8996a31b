/**
 * The attendance feature on the wire: who is present (the `presence` live view, with the quorum
 * it makes) and the facilitator marking a member present in the room.
 */
import { z } from 'zod';
import { Group } from './councils.ts';
import { GroupId, MeetingId, MemberId } from './ids.ts';

export const PresentMember = z.object({
  memberId: MemberId,
  name: z.string(),
  groupId: GroupId,
  /** online: connected now; room: marked present by the facilitator. Both may hold. */
  online: z.boolean(),
  inRoom: z.boolean(),
});
export type PresentMember = z.infer<typeof PresentMember>;

export const Presence = z.object({
  /** The council's stakeholder groups, so anyone (residents too) can show members by group. */
  groups: z.array(Group),
  members: z.array(PresentMember),
  /** Residents are shown as a count, never by name, to everyone. */
  residents: z.number().int().min(0),
  totalMembers: z.number().int().min(0),
  quorum: z.object({
    required: z.number().int().min(0),
    present: z.number().int().min(0),
    /** The council's members, so a screen can say "present 7 / members 9, quorum 5". */
    members: z.number().int().min(0),
    met: z.boolean(),
  }),
});
export type Presence = z.infer<typeof Presence>;

// ---- the feature's events, results and views ----

export const attendanceEvents = {
  'attendance:mark': z.object({ meetingId: MeetingId, memberId: MemberId, inRoom: z.boolean() }),
} as const;

export const attendanceResults = {
  'attendance:mark': z.null(),
} as const satisfies Record<keyof typeof attendanceEvents, z.ZodTypeAny>;

export const attendanceViews = {
  presence: Presence,
} as const;
