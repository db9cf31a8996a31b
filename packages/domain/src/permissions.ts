import type { CouncilId, MeetingId, Role } from '@yishi/protocol';

/** Who is acting. Residents hold no account: they are scoped to the one meeting they joined. */
export type Principal =
  | { kind: 'member'; councilId: CouncilId; role: Role }
  | { kind: 'resident'; meetingId: MeetingId };

export type Action =
  | 'council.manage' // name, groups, members, quorum, sign-in links
  | 'meeting.create'
  | 'meeting.run' // transitions
  | 'poll.run' // create, open and close polls, issue voting codes, enter hand counts
  | 'meeting.view';

const ROLE_ACTIONS: Record<Role, readonly Action[]> = {
  admin: ['council.manage', 'meeting.create', 'meeting.run', 'poll.run', 'meeting.view'],
  facilitator: ['meeting.create', 'meeting.run', 'poll.run', 'meeting.view'],
  // The secretary keeps the record: attendance and votes, but not the meeting's life cycle.
  secretary: ['poll.run', 'meeting.view'],
  member: ['meeting.view'],
};

export interface Target {
  councilId: CouncilId;
  meetingId?: MeetingId;
}

/** The one permission rule: a principal may act only inside its own council (or meeting). */
export function can(who: Principal, action: Action, target: Target): boolean {
  if (who.kind === 'resident') {
    return action === 'meeting.view' && target.meetingId !== undefined && who.meetingId === target.meetingId;
  }
  if (who.councilId !== target.councilId) return false;
  return ROLE_ACTIONS[who.role].includes(action);
}

/** Marking attendance in the room is record keeping: the secretary may do it too. */
export function canMarkAttendance(who: Principal, target: Target): boolean {
  if (who.kind !== 'member' || who.councilId !== target.councilId) return false;
  return who.role === 'admin' || who.role === 'facilitator' || who.role === 'secretary';
}
