import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents, ViewSnapshot } from '@yishi/protocol';
import type { PendingBallot } from '../features/polls/store.ts';
import type { Principal } from '@yishi/domain';

export interface SocketData {
  principal: Principal;
  /** Hash of the session cookie, to re-read the principal (and its current role) before privileged actions. */
  sessionHash: string;
  /** Members: this socket's rows in the attendance record, by meeting (features/attendance/tracker.ts). */
  connections?: Record<string, string>;
}

/**
 * Between instances (through the adapter): a snapshot for each instance to deliver to its own
 * sockets; `quietIfSame` for a refresh (live-views.ts), not written again where the sockets have its data.
 */
export interface InterServerEvents {
  view: (snapshot: ViewSnapshot, quietIfSame?: boolean) => void;
  /** A close on another instance asks for the secret ballots held here (features/polls/seal-holder.ts). */
  'seal:handover': (pollId: string, ack: (ballots: PendingBallot[]) => void) => void;
  /** That close is over: answer the voters whose ballots were handed over. */
  'seal:settled': (pollId: string) => void;
  /** A thread changed (features/opinions/feed.ts): each instance pushes what is new to its own followers. */
  'opinions:changed': (meetingId: string, thread: string) => void;
}

// Socket.IO's event maps come from the protocol package; they are types, not validation (see core/events.ts).
export type YishiServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type YishiSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
