/**
 * The meetings feature on the wire: a meeting, its HTTP bodies, what its join code tells, the
 * `meeting:transition` event and the `meeting` live view. (Joining a meeting's room is the
 * core's, events.ts: it returns every feature's views.)
 */
import { z } from 'zod';
import { MEETING_MODES, MEETING_STATES, OUTCOME_KINDS, TEXT_LIMITS } from './constants.ts';
import { CouncilId, MeetingId } from './ids.ts';
import { Electorate } from './poll-definition.ts';
import { Line } from './text.ts';
import { snapshotOf } from './view-snapshot.ts';

export const MeetingState = z.enum(MEETING_STATES);
export type MeetingState = z.infer<typeof MeetingState>;

export const MeetingMode = z.enum(MEETING_MODES);
export type MeetingMode = z.infer<typeof MeetingMode>;

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
  title: Line(1, TEXT_LIMITS.meetingTitleChars),
  startsAt: z.string().datetime({ offset: true }),
  place: Line(0, TEXT_LIMITS.placeChars).default(''),
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
      kind: z.enum(OUTCOME_KINDS),
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

// ---- the feature's events, results and views ----

export const meetingEvents = {
  'meeting:transition': z.object({
    meetingId: MeetingId,
    to: MeetingState,
    /** The version the facilitator saw, so two facilitators cannot undo each other by accident. */
    expectedVersion: z.number().int().optional(),
  }),
} as const;

export const meetingResults = {
  'meeting:transition': z.object({ view: snapshotOf('meeting', Meeting) }),
} as const satisfies Record<keyof typeof meetingEvents, z.ZodTypeAny>;

export const meetingViews = {
  meeting: Meeting,
} as const;
