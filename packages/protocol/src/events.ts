import { z } from 'zod';
import type { Result } from './errors.ts';
import { MeetingId, MemberId } from './ids.ts';
import { MeetingState } from './meeting.ts';
import { ViewKind, type ViewSnapshot } from './views.ts';
import { PollId } from './poll.ts';
import { BallotHeld, CastBallot, CreatePollBody, InRoomCountsBody, IssueCodesBody, MyBallotQuery, type CastResult, type Poll, type VotingCodeSlip } from './votes.ts';

/**
 * Socket.IO events, client to server. Every payload is parsed with its schema at the edge;
 * every event takes an ack callback that receives a Result.
 */
export const ClientEvents = {
  'meeting:join': z.object({ meetingId: MeetingId }),
  'meeting:leave': z.object({ meetingId: MeetingId }),
  'meeting:transition': z.object({
    meetingId: MeetingId,
    to: MeetingState,
    /** The version the facilitator saw, so two facilitators cannot undo each other by accident. */
    expectedVersion: z.number().int().optional(),
  }),
  'attendance:mark': z.object({ meetingId: MeetingId, memberId: MemberId, inRoom: z.boolean() }),
  'view:get': z.object({ meetingId: MeetingId, kind: ViewKind }),
  'poll:create': CreatePollBody,
  'poll:open': z.object({ pollId: PollId }),
  'poll:close': z.object({ pollId: PollId }),
  'ballot:cast': CastBallot,
  /** Whether I (or this voting code) have voted in a poll: after a reload, the page asks. */
  'ballot:mine': MyBallotQuery,
  'inroom:set': InRoomCountsBody,
  'codes:issue': IssueCodesBody,
} as const;

export type ClientEventName = keyof typeof ClientEvents;
export type ClientPayload<E extends ClientEventName> = z.infer<(typeof ClientEvents)[E]>;

/** What each event's ack carries on success. */
export interface ClientResults {
  'meeting:join': { views: ViewSnapshot[] };
  'meeting:leave': null;
  'meeting:transition': { view: ViewSnapshot<'meeting'> };
  'attendance:mark': null;
  'view:get': { view: ViewSnapshot };
  'poll:create': { poll: Poll };
  'poll:open': { poll: Poll };
  'poll:close': { poll: Poll };
  'ballot:cast': CastResult;
  /** inRoom: counted by hand in the room (members), so no online ballot. */
  'ballot:mine': { voted: boolean; inRoom: boolean };
  'inroom:set': null;
  'codes:issue': { slips: VotingCodeSlip[] };
}

export type ClientToServerEvents = {
  [E in ClientEventName]: (payload: unknown, ack: (result: Result<ClientResults[E]>) => void) => void;
};

export interface ServerToClientEvents {
  view: (snapshot: ViewSnapshot) => void;
  'ballot:held': (held: BallotHeld) => void;
  /**
   * To a member's other sockets (their other tabs and devices) after they voted as a member in a
   * poll: that they voted, never what. Those pages stop offering the ballot.
   */
  'ballot:voted': (event: { pollId: PollId }) => void;
}
