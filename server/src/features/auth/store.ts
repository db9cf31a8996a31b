import { and, eq, gt, lt } from 'drizzle-orm';
import type { Principal } from '@yishi/domain';
import type { CouncilId, MeetingId, MemberId, ResidentId, Role } from '@yishi/protocol';
import type { Db } from '../../storage/database.ts';
import { members, residents, sessions } from '../../storage/schema.ts';

export const SESSION_DAYS = 30;

/** The principal a member row stands for. */
export function memberPrincipal(row: { id: string; councilId: string; role: string; name: string }): Principal {
  return { kind: 'member', memberId: row.id as MemberId, councilId: row.councilId as CouncilId, role: row.role as Role, name: row.name };
}

export class SessionStore {
  constructor(private readonly db: Db) {}

  async create(tokenHash: string, principal: { memberId: MemberId } | { residentId: ResidentId }): Promise<void> {
    const expiresAt = new Date(Date.now() + SESSION_DAYS * 86_400_000);
    await this.db.insert(sessions).values({
      tokenHash,
      memberId: 'memberId' in principal ? principal.memberId : null,
      residentId: 'residentId' in principal ? principal.residentId : null,
      expiresAt,
    });
  }

  /** Who holds this session now, in one query: a member's role is read fresh, so a demotion takes effect at once. */
  async find(tokenHash: string): Promise<Principal | null> {
    const [row] = await this.db
      .select({
        memberId: members.id,
        councilId: members.councilId,
        role: members.role,
        name: members.name,
        residentId: residents.id,
        meetingId: residents.meetingId,
        displayName: residents.displayName,
      })
      .from(sessions)
      .leftJoin(members, eq(members.id, sessions.memberId))
      .leftJoin(residents, eq(residents.id, sessions.residentId))
      .where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, new Date())));
    if (!row) return null;
    if (row.memberId && row.councilId && row.role && row.name !== null) {
      return { kind: 'member', memberId: row.memberId as MemberId, councilId: row.councilId as CouncilId, role: row.role as Role, name: row.name };
    }
    if (row.residentId && row.meetingId && row.displayName !== null) {
      return { kind: 'resident', residentId: row.residentId as ResidentId, meetingId: row.meetingId as MeetingId, displayName: row.displayName };
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
