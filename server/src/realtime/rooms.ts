import type { MeetingId, MemberId } from '@yishi/protocol';

/** Socket.IO room of everyone following one meeting, on every instance. */
export const meetingRoom = (id: MeetingId | string) => `meeting:${id}`;
export const meetingIdOfRoom = (room: string): MeetingId | null =>
  room.startsWith('meeting:') ? (room.slice('meeting:'.length) as MeetingId) : null;

/** Every socket opened with one session cookie (by its hash), to end them with the session. */
export const sessionRoom = (tokenHash: string) => `session:${tokenHash}`;
/** Every socket of one council member, whatever session opened it. */
export const memberRoom = (id: MemberId | string) => `member:${id}`;
