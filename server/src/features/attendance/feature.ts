import { computePresence } from '@yishi/domain';
import type { Feature } from '../../core/feature.ts';
import { actingMember, defineView } from '../../core/feature.ts';
import { AppError } from '../../errors.ts';
import { meetingRoom } from '../../realtime/rooms.ts';
import { recordedAttendance } from './tracker.ts';

/** Attendance: who is here (the presence view and quorum), and members marked present in the room. */
export const attendanceFeature: Feature = {
  name: 'attendance',
  views: [
    defineView({
      kind: 'presence',
      action: 'meeting.view',
      // Once a second: every arrival changes it, and it goes to every phone in the room (a join
      // storm of 5,000 phones pushed it 4 times a second to thousands of sockets, issue 9).
      minIntervalMs: 1_000,
      // The council's groups and members by name, and its quorum.
      showsCouncil: true,
      /**
       * Who is here. Members come from the attendance record (tracker.ts): the same rows a poll's
       * close reads, so the screen and the binding outcome agree. Residents are only ever a count
       * on screen; fetchSockets asks every instance for them.
       */
      compute: async ({ store, io, nextVersion }, meetingId) => {
        // Taken first: a computation that starts later carries a higher version.
        const version = await nextVersion();
        const meeting = await store.meetings.get(meetingId);
        const [council, sockets] = await Promise.all([store.councils.get(meeting.councilId), io.in(meetingRoom(meetingId)).fetchSockets()]);
        // The council just read serves the attendance too (this view is computed every second during a join storm).
        const recorded = await recordedAttendance(store, meetingId, { council });
        const residents = new Set<string>();
        for (const s of sockets) {
          const p = s.data.principal;
          if (p?.kind === 'resident') residents.add(p.residentId);
        }
        const data = computePresence({
          members: council.members,
          groups: council.groups,
          quorum: council.quorum,
          onlineMemberIds: recorded.online,
          inRoomMemberIds: recorded.inRoom,
          residentCount: residents.size,
        });
        return { version, data };
      },
    }),
  ],
  events: {
    'attendance:mark': {
      action: 'attendance.mark',
      target: async ({ services }, { meetingId }) => ({ councilId: (await services.store.meetings.get(meetingId)).councilId, meetingId }),
      handle: async ({ services, principal }, { meetingId, memberId, inRoom }) => {
        const { store, live } = services;
        const meeting = await store.meetings.get(meetingId);
        if (meeting.state === 'closed') throw new AppError('meeting_closed');
        const target = await store.councils.memberById(memberId);
        if (!target || target.councilId !== meeting.councilId) throw new AppError('invalid_input', 'not a member of this council', ['memberId']);
        await store.meetings.markAttendance(meetingId, memberId, inRoom, actingMember(principal).memberId);
        live.invalidate(meetingId, 'presence');
        return null;
      },
    },
  },
};
