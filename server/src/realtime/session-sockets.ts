import type { MemberId } from '@yishi/protocol';
import { memberRoom, sessionRoom } from './rooms.ts';
import type { YishiServer } from './types.ts';

/**
 * Ends live connections when the session behind them ends. A socket is authenticated once, at
 * the handshake; without this, a signed-out browser or a revoked link would keep following
 * meetings until it reconnected. disconnectSockets reaches every instance through the adapter.
 */
export class SessionSockets {
  constructor(private readonly io: YishiServer) {}

  /** Sign-out: the sockets of this session. */
  endSession(tokenHash: string): void {
    this.io.in(sessionRoom(tokenHash)).disconnectSockets(true);
  }

  /** A revoked sign-in link ends all of a member's sessions, so all of their sockets go too. */
  endMember(memberId: MemberId): void {
    this.io.in(memberRoom(memberId)).disconnectSockets(true);
  }
}
