import { and, eq, gt, lt } from 'drizzle-orm';
import type { CouncilId, MeetingId, MemberId, ResidentId, Role } from '@yishi/protocol';
import type { Db } from './database.ts';
import { members, residents, sessions } from './schema.ts';

export type SessionOwner =
  | { kind: 'member'; memberId: MemberId; councilId: CouncilId; role: Role; name: string }
  | { kind: 'resident'; residentId: ResidentId; meetingId: MeetingId; displayName: string };

export const SESSION_DAYS = 30;

export class SessionStore {
  constructor(private readonly db: Db) {}

  async create(tokenHash: string, owner: { memberId: MemberId } | { residentId: ResidentId }): Promise<void> {
    const expiresAt = new Date(Date.now() + SESSION_DAYS * 86_400_000);
    await this.db.insert(sessions).values({
      tokenHash,
      memberId: 'memberId' in owner ? owner.memberId : null,
      residentId: 'residentId' in owner ? owner.residentId : null,
      expiresAt,
    });
  }

  /** Who holds this session now: a member's role is read fresh, so a demotion takes effect at once. */
  async find(tokenHash: string): Promise<SessionOwner | null> {
    const [s] = await this.db
      .select()
      .from(sessions)
      .where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, new Date())));
    if (!s) return null;
    if (s.memberId) {
      const [m] = await this.db.select().from(members).where(eq(members.id, s.memberId));
      if (!m) return null;
      return { kind: 'member', memberId: m.id as MemberId, councilId: m.councilId as CouncilId, role: m.role as Role, name: m.name };
    }
    if (s.residentId) {
      const [r] = await this.db.select().from(residents).where(eq(residents.id, s.residentId));
      if (!r) return null;
      return { kind: 'resident', residentId: r.id as ResidentId, meetingId: r.meetingId as MeetingId, displayName: r.displayName };
    }
    return null;
  }

  async delete(tokenHash: string): Promise<void> {
    await this.db.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
  }

  /** Signs a member out everywhere, e.g. when their sign-in link is revoked. */
  async deleteForMember(memberId: MemberId): Promise<void> {
    await this.db.delete(sessions).where(eq(sessions.memberId, memberId));
  }

  async deleteExpired(): Promise<void> {
    await this.db.delete(sessions).where(lt(sessions.expiresAt, new Date()));
  }
}
