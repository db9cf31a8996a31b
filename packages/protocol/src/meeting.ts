import { z } from 'zod';
import { Group } from './council.ts';
import { CouncilId, GroupId, MeetingId, MemberId } from './ids.ts';
import { Electorate } from './poll.ts';
import { Line } from './text.ts';

export const MeetingState = z.enum(['draft', 'scheduled', 'live', 'adjourned', 'closed']);
export type MeetingState = z.infer<typeof MeetingState>;

export const MeetingMode = z.enum(['in_person', 'online', 'hybrid']);
export type MeetingMode = z.infer<typeof MeetingMode>;

/** Join codes avoid look-alike characters (0/O, 1/I/L) so they can be read aloud in a noisy room. */
export const JOIN_CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const JOIN_CODE_LENGTH = 6;

export const Meeting = z.object({
  id: MeetingId,
  councilId: CouncilId,
  councilName: z.string(),
  title: z.string(),
  startsAt: z.string().datetime({ offset: true }),
  place: z.string(),
  mode: MeetingMode,
  state: MeetingState,
  joinCode: z.string(),
  /** Bumped on every change; clients drop snapshots older than the one they hold. */
  version: z.number().int(),
});
export type Meeting = z.infer<typeof Meeting>;

export const CreateMeetingBody = z.object({
  title: Line(1, 200),
  startsAt: z.string().datetime({ offset: true }),
  place: Line(0, 200).default(''),
  mode: MeetingMode,
});
export type CreateMeetingBody = z.infer<typeof CreateMeetingBody>;

export const UpdateMeetingBody = CreateMeetingBody.partial();
export type UpdateMeetingBody = z.infer<typeof UpdateMeetingBody>;

/**
 * A decision of a closed meeting as anyone with its code may read it: the poll's title and, per
 * electorate, the outcome with the winning option labels (none for a motion). No counts, no voters.
 */
export const PublicDecision = z.object({
  title: z.string(),
  outcomes: z.array(
    z.object({
      electorate: Electorate,
      kind: z.enum(['passed', 'failed', 'no_quorum', 'winner', 'tie']),
      labels: z.array(z.string()),
    }),
  ),
});
export type PublicDecision = z.infer<typeof PublicDecision>;

/**
 * What a resident sees before joining by code: enough to know it is the right meeting. A closed
 * meeting cannot be joined; its code still answers, with what it decided, for those who come late.
 */
export const JoinPreview = z.object({
  meetingId: MeetingId,
  title: z.string(),
  councilName: z.string(),
  state: MeetingState,
  startsAt: z.string(),
  /** Empty unless the meeting is closed. */
  decisions: z.array(PublicDecision),
});
export type JoinPreview = z.infer<typeof JoinPreview>;

export const AttendanceVia = z.enum(['online', 'room']);
export type AttendanceVia = z.infer<typeof AttendanceVia>;

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
