import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '@yishi/protocol';
import type { SessionOwner } from '../storage/sessions.ts';

export interface SocketData {
  owner: SessionOwner;
  /** Hash of the session cookie, to re-read the owner (and its current role) before privileged actions. */
  sessionHash: string;
}

// Socket.IO's event maps come from the protocol package; they are types, not validation (see handlers.ts).
export type YishiServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type YishiSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
