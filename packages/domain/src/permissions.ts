// Types only from the protocol: the web bundles this file, and must not bundle zod (bundle.test.ts).
import type { CouncilId, MeetingId, MemberId, ResidentId, Role, Session } from '@yishi/protocol';

/**
 * Who is acting: the one name for it, on the server (the session's holder, re-read before
 * privileged actions) and on the web (from the Session). Residents hold no account: they are
 * scoped to the one meeting they joined.
 */
export type Principal =
  | { kind: 'member'; memberId: MemberId; councilId: CouncilId; role: Role; name: string }
  | { kind: 'resident'; residentId: ResidentId; meetingId: MeetingId; displayName: string };

export type Action =
  | 'council.view' // see the council, its members and meetings, get link origins
  | 'council.manage' // name, groups, members, quorum, sign-in links
  | 'meeting.create'
  | 'meeting.edit' // title, time, place, mode of a meeting (PATCH)
  | 'meeting.run' // transitions
  | 'meeting.view' // join, follow the live views
  | 'attendance.mark' // mark members present in the room
  | 'poll.run' // create, open and close polls, issue voting codes, enter hand counts
  | 'ballot.cast' // vote, and ask whether I voted
  // Agenda (issue 10)
  | 'agenda.run' // set the current item, next / previous / jump, defer items
  | 'agenda.propose' // propose an agenda item before the meeting (and see one's own proposals)
  | 'agenda.edit' // edit the agenda and notes documents; accept or decline proposals, see them all
  // Opinions (issue 11)
  | 'opinion.post' // post, reply, edit and withdraw one's own, second, report, follow threads
  | 'opinion.moderate' // hide with a reason, mute a resident session, see reports, anonymous authors and the digest
  | 'opinion.log'; // read the meeting's moderation log (every council member)

/** Every action a principal can ever be granted, for tests and for the web's menus. */
export const ACTIONS: readonly Action[] = [
  'council.view',
  'council.manage',
  'meeting.create',
  'meeting.edit',
  'meeting.run',
  'meeting.view',
  'attendance.mark',
  'poll.run',
  'ballot.cast',
  'agenda.run',
  'agenda.propose',
  'agenda.edit',
  'opinion.post',
  'opinion.moderate',
  'opinion.log',
];

// Proposing an item is open to every member (the web offers it to those who cannot edit the agenda).
const EVERY_MEMBER: readonly Action[] = ['council.view', 'meeting.view', 'ballot.cast', 'agenda.propose', 'opinion.post', 'opinion.log'];

const ROLE_ACTIONS: Record<Role, readonly Action[]> = {
  admin: [
    ...EVERY_MEMBER,
    'council.manage',
    'meeting.create',
    'meeting.edit',
    'meeting.run',
    'attendance.mark',
    'poll.run',
    'agenda.run',
    'agenda.edit',
    'opinion.moderate',
  ],
  facilitator: [
    ...EVERY_MEMBER,
    'meeting.create',
    'meeting.edit',
    'meeting.run',
    'attendance.mark',
    'poll.run',
    'agenda.run',
    'agenda.edit',
    'opinion.moderate',
  ],
  // The secretary keeps the record: attendance, votes, the agenda and notes, but not the meeting's life cycle nor the room's pace; and moderates threads.
  secretary: [...EVERY_MEMBER, 'attendance.mark', 'poll.run', 'agenda.edit', 'opinion.moderate'],
  member: EVERY_MEMBER,
};

/** A resident may follow, vote and post opinions in the meeting they joined, nothing else. */
const RESIDENT_ACTIONS: readonly Action[] = ['meeting.view', 'ballot.cast', 'opinion.post'];

export interface Target {
  councilId: CouncilId;
  meetingId?: MeetingId;
}

/**
 * The one permission rule, for server and web: a principal may act only inside its own council
 * (or, a resident, its own meeting), and only as its role allows.
 */
export function can(who: Principal | null, action: Action, target: Target): boolean {
  if (!who) return false;
  if (who.kind === 'resident') {
    return RESIDENT_ACTIONS.includes(action) && target.meetingId !== undefined && who.meetingId === target.meetingId;
  }
  if (who.councilId !== target.councilId) return false;
  return ROLE_ACTIONS[who.role].includes(action);
}

/**
 * Actions beyond what every member may do. The server re-reads the session before these, so that
 * a role taken away stops at once on open connections too.
 */
export function isPrivileged(action: Action): boolean {
  return !EVERY_MEMBER.includes(action);
}

/** Who acts in a browser: the Session the server sent (null when signed out). */
export function principalOf(session: Session | null | undefined): Principal | null {
  if (!session || session.kind === 'anonymous') return null;
  if (session.kind === 'resident') {
    return { kind: 'resident', residentId: session.residentId, meetingId: session.meetingId, displayName: session.displayName };
  }
  return { kind: 'member', memberId: session.member.id, councilId: session.council.id, role: session.member.role, name: session.member.name };
}
