import { randomUUID } from 'node:crypto';
import { ATTENDANCE_HEARTBEAT_MS, membersPresent, quorumStatus } from '@yishi/domain';
import type { Council, MeetingId, MemberId } from '@yishi/protocol';
import type { Logger } from '../../log.ts';
import type { Store } from '../../storage/store.ts';
import type { YishiSocket } from '../../realtime/types.ts';

/** The attendance the record gives at one moment, as the presence view and a poll's close read it. */
export interface RecordedAttendance {
  /** Members connected (within the grace) and members marked in the room. */
  online: Set<string>;
  inRoom: Set<string>;
  quorum: { required: number; present: number; members: number; met: boolean };
}

/**
 * Writes members' arrivals and departures to the attendance record (DESIGN.md 11) as their
 * sockets join and leave meetings, and keeps this instance's open rows confirmed with a
 * heartbeat. Quorum then comes from the rows, the same on every instance, and a slow instance or
 * a phone that dropped for a moment does not change it.
 */
export class AttendanceTracker {
  readonly instanceId = randomUUID();
  private stopped = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
  ) {
    this.timer = setInterval(() => {
      if (!this.stopped)
        void this.store.attendance.heartbeat(this.instanceId).catch((err: Error) => this.log.warn('attendance heartbeat failed', { err }));
    }, ATTENDANCE_HEARTBEAT_MS);
    this.timer.unref();
  }

  /** A socket joined a meeting: a member's arrival is written before the join is acknowledged. */
  async arrive(socket: YishiSocket, meetingId: MeetingId): Promise<void> {
    const principal = socket.data.principal;
    if (this.stopped || principal?.kind !== 'member') return;
    const held = (socket.data.connections ??= {});
    if (held[meetingId]) return;
    held[meetingId] = 'pending';
    held[meetingId] = await this.store.attendance.arrive(meetingId, principal.memberId as MemberId, this.instanceId);
  }

  /**
   * A socket left a meeting, or disconnected (then for every meeting it was in). `deliberate`:
   * it left on purpose, so no grace; a dropped connection keeps its member present for the grace.
   */
  async depart(socket: YishiSocket, deliberate: boolean, meetingId?: MeetingId): Promise<void> {
    const held = socket.data.connections;
    if (!held || this.stopped) return;
    for (const [m, id] of Object.entries(held)) {
      if (meetingId && m !== meetingId) continue;
      delete held[m];
      if (id !== 'pending')
        await this.store.attendance.depart(id, deliberate).catch((err: Error) => this.log.warn('attendance departure failed', { err }));
    }
  }

  /** Clean shutdown: this instance's connections have departed; the grace still covers a reconnect elsewhere. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    await this.store.attendance.departAll(this.instanceId).catch((err: Error) => this.log.warn('attendance departure failed', { err }));
  }
}

/**
 * Attendance and quorum of a meeting from the record: connection rows and in-room marks, no sockets.
 * A caller that has just read the meeting's council passes it (a live view computed several times
 * a second need not read it twice).
 */
export async function recordedAttendance(store: Store, meetingId: MeetingId, known?: { council: Council }): Promise<RecordedAttendance> {
  const [council, inRoom, conns] = await Promise.all([
    known?.council ?? store.meetings.get(meetingId).then((meeting) => store.councils.get(meeting.councilId)),
    store.meetings.inRoomMemberIds(meetingId),
    store.attendance.connections(meetingId),
  ]);
  const memberIds = new Set<string>(council.members.map((m) => m.id));
  const { online, present } = membersPresent(conns.rows, inRoom, conns.now);
  // A member removed from the council since no longer counts.
  const counted = [...present].filter((id) => memberIds.has(id)).length;
  return { online, inRoom, quorum: quorumStatus(council.quorum, council.members.length, counted) };
}
