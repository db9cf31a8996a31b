import type { MeetingId } from '@yishi/protocol';

/** Socket.IO room of everyone following one meeting, on every instance. */
export const meetingRoom = (id: MeetingId | string) => `meeting:${id}`;
export const meetingIdOfRoom = (room: string): MeetingId | null =>
  room.startsWith('meeting:') ? (room.slice('meeting:'.length) as MeetingId) : null;
