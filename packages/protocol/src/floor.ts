/**
 * The floor on the wire (issue 11): the speaker queue of the current agenda item, its timers and
 * the `floor` live view. A speech's timer is a start time and a duration (server time, ms); each
 * screen counts down locally, corrected by its offset from the server's clock (`floor:clock`).
 */
import { z } from 'zod';
import { AgendaItemId } from './agenda.ts';
import { DISPLAY_MODES, FLOOR_KINDS, FLOOR_LIMITS } from './constants.ts';
import { GroupId, MeetingId, MemberId, ResidentId } from './ids.ts';
import { Line } from './text.ts';

export const FloorKind = z.enum(FLOOR_KINDS);

/** What the room display shows (constants.ts DISPLAY_MODES); a meeting-level choice of the facilitator. */
export const DisplayMode = z.enum(DISPLAY_MODES);
export type DisplayMode = z.infer<typeof DisplayMode>;
export type FloorKind = z.infer<typeof FloorKind>;

/**
 * The agenda item the queue belongs to: the agenda's current item (`services.agenda.currentItem`),
 * or null while no item is current. Another item than the current one is `not_current_item`.
 */
export const FloorItemId = AgendaItemId.nullable();
export type FloorItemId = z.infer<typeof FloorItemId>;

export const FloorRequestId = z.string().uuid().brand<'FloorRequestId'>();
export type FloorRequestId = z.infer<typeof FloorRequestId>;

const Seconds = z.number().int().min(FLOOR_LIMITS.minSeconds).max(FLOOR_LIMITS.maxSeconds);
export const FloorLimits = z.object({ speak: Seconds, reply: Seconds, point_of_order: Seconds, question: Seconds });
export type FloorLimits = z.infer<typeof FloorLimits>;

/** Who speaks: a member (with their group, for the balance), a resident (their display name), or a guest the facilitator named. */
export const Speaker = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('member'), memberId: MemberId, name: z.string(), groupId: GroupId }),
  z.object({ kind: z.literal('resident'), residentId: ResidentId, name: z.string() }),
  z.object({ kind: z.literal('guest'), name: z.string() }),
]);
export type Speaker = z.infer<typeof Speaker>;

export const QueuedHand = z.object({
  id: FloorRequestId,
  kind: FloorKind,
  speaker: Speaker,
  requestedAt: z.number(),
});
export type QueuedHand = z.infer<typeof QueuedHand>;

export const CurrentSpeech = z.object({
  id: FloorRequestId,
  kind: FloorKind,
  speaker: Speaker,
  /** Server time, ms. Ends at startedAt + durationSeconds * 1000 (packages/domain floor/countdown.ts). */
  startedAt: z.number(),
  durationSeconds: z.number().int(),
});
export type CurrentSpeech = z.infer<typeof CurrentSpeech>;

/** One line of the item's record: who spoke, in order, with kind, time limit and time taken. */
export const SpeechRecord = z.object({
  id: FloorRequestId,
  kind: FloorKind,
  speaker: Speaker,
  startedAt: z.number(),
  limitSeconds: z.number().int(),
  seconds: z.number().int(),
});
export type SpeechRecord = z.infer<typeof SpeechRecord>;

export const FloorBalanceRow = z.object({
  /** A group's id, 'residents' or 'guests'. */
  group: z.string(),
  spoken: z.number().int(),
  waiting: z.number().int(),
  unheard: z.boolean(),
});

export const FloorView = z.object({
  itemId: FloorItemId,
  /** The facilitator closed the list for this item: no more hands. */
  closed: z.boolean(),
  residentsMaySpeak: z.boolean(),
  limits: FloorLimits,
  /** What the room display shows, as the facilitator chose it (`floor:display`); `auto` by default. */
  displayMode: DisplayMode,
  /** The server's clock when this snapshot was computed (ms): a fallback for the clock offset. */
  serverTime: z.number(),
  current: CurrentSpeech.nullable(),
  /** Waiting hands in speaking order. */
  queue: z.array(QueuedHand),
  balance: z.array(FloorBalanceRow),
  /** Speeches ended on this item, in order. */
  record: z.array(SpeechRecord),
});
export type FloorView = z.infer<typeof FloorView>;

const Item = { meetingId: MeetingId, itemId: FloorItemId };

export const floorEvents = {
  /** Members; residents when the meeting allows them to speak. */
  'floor:raise': z.object({ ...Item, kind: FloorKind }),
  /** One's own hand only. */
  'floor:lower': z.object({ meetingId: MeetingId, requestId: FloorRequestId }),
  /** The facilitator adds someone in the room: a member, or a guest by name. */
  'floor:add': z.object({
    ...Item,
    kind: FloorKind,
    person: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('member'), memberId: MemberId }),
      z.object({ kind: z.literal('guest'), name: Line(1, FLOOR_LIMITS.guestNameChars) }),
    ]),
  }),
  /** Gives the floor to the head of the queue, or to `requestId`; ends the speech under way. */
  'floor:call': z.object({ ...Item, requestId: FloorRequestId.optional() }),
  /** Every waiting hand, in the order wanted (points of order stay on top). */
  'floor:reorder': z.object({ ...Item, order: z.array(FloorRequestId).max(FLOOR_LIMITS.maxQueue) }),
  'floor:remove': z.object({ meetingId: MeetingId, requestId: FloorRequestId }),
  /** Closes (or opens again) the list of speakers for the item. */
  'floor:close': z.object({ ...Item, closed: z.boolean() }),
  /** Ends the speech under way. */
  'floor:end': z.object({ meetingId: MeetingId }),
  /** The meeting's time limits and whether residents may ask to speak. */
  'floor:settings': z.object({ meetingId: MeetingId, limits: FloorLimits.partial().optional(), residentsMaySpeak: z.boolean().optional() }),
  /** What the room display shows (the facilitator's choice for the meeting). */
  'floor:display': z.object({ meetingId: MeetingId, mode: DisplayMode }),
  /** The server's clock now (ms), for the offset of a screen's countdown. */
  'floor:clock': z.object({ meetingId: MeetingId }),
} as const;

export const floorResults = {
  'floor:raise': z.object({ requestId: FloorRequestId }),
  'floor:lower': z.null(),
  'floor:add': z.object({ requestId: FloorRequestId }),
  'floor:call': z.object({ requestId: FloorRequestId }),
  'floor:reorder': z.null(),
  'floor:remove': z.null(),
  'floor:close': z.null(),
  'floor:end': z.null(),
  'floor:settings': z.null(),
  'floor:display': z.null(),
  'floor:clock': z.object({ serverTime: z.number() }),
} as const satisfies Record<keyof typeof floorEvents, z.ZodTypeAny>;

export const floorViews = {
  floor: FloorView,
} as const;
