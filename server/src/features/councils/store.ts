import { randomUUID } from 'node:crypto';
import { and, asc, count, eq } from 'drizzle-orm';
import { DEFAULT_GROUPS, normaliseRule } from '@yishi/domain';
import type {
  BuiltinGroup,
  Council,
  CouncilId,
  Group,
  GroupId,
  Member,
  MemberId,
  Quorum,
  Role,
  UpdateCouncilBody,
  UpdateMemberBody,
} from '@yishi/protocol';
import { AppError } from '../../errors.ts';
import type { Db } from '../../storage/database.ts';
import { councils, groups, members, settings } from '../../storage/schema.ts';

const DEFAULT_QUORUM: Quorum = { kind: 'share', percent: 50 };
const SETUP_TOKEN_KEY = 'setup_token';

type MemberRow = typeof members.$inferSelect;

export function toMember(row: MemberRow): Member {
  return {
    id: row.id as MemberId,
    name: row.name,
    groupId: row.groupId as GroupId,
    role: row.role as Role,
    login: row.login,
  };
}

export class CouncilStore {
  constructor(private readonly db: Db) {}

  async needsSetup(): Promise<boolean> {
    const [row] = await this.db.select({ n: count() }).from(councils);
    return (row?.n ?? 0) === 0;
  }

  /**
   * The one-time setup token, created on first start. Kept in the database (not per process)
   * so every instance prints the same link. Null once a council exists.
   */
  async ensureSetupToken(fresh: string): Promise<string | null> {
    if (!(await this.needsSetup())) return null;
    await this.db.insert(settings).values({ key: SETUP_TOKEN_KEY, value: fresh }).onConflictDoNothing();
    const [row] = await this.db.select().from(settings).where(eq(settings.key, SETUP_TOKEN_KEY));
    return row?.value ?? null;
  }

  /** Creates the first council with the default groups and its admin, consuming the setup token. */
  async setup(token: string, councilName: string, adminName: string): Promise<{ councilId: CouncilId; adminId: MemberId }> {
    return this.db.transaction(async (tx) => {
      const [stored] = await tx.select().from(settings).where(eq(settings.key, SETUP_TOKEN_KEY)).for('update');
      const [existing] = await tx.select({ n: count() }).from(councils);
      if ((existing?.n ?? 0) > 0) throw new AppError('setup_done');
      if (!stored || stored.value !== token) throw new AppError('forbidden', 'wrong setup token');
      const created = await insertCouncil(tx, councilName, adminName);
      await tx.delete(settings).where(eq(settings.key, SETUP_TOKEN_KEY));
      return created;
    });
  }

  /** Another council beside the first (one installation may serve several communities). */
  async create(councilName: string, adminName: string): Promise<{ councilId: CouncilId; adminId: MemberId }> {
    return this.db.transaction((tx) => insertCouncil(tx, councilName, adminName));
  }

  async memberCount(councilId: CouncilId): Promise<number> {
    const [row] = await this.db.select({ n: count() }).from(members).where(eq(members.councilId, councilId));
    return Number(row?.n ?? 0);
  }

  async get(councilId: CouncilId): Promise<Council> {
    const [c] = await this.db.select().from(councils).where(eq(councils.id, councilId));
    if (!c) throw new AppError('not_found', 'council');
    const gs = await this.db.select().from(groups).where(eq(groups.councilId, councilId)).orderBy(asc(groups.position));
    const ms = await this.db.select().from(members).where(eq(members.councilId, councilId)).orderBy(asc(members.createdAt));
    return {
      id: c.id as CouncilId,
      name: c.name,
      quorum: c.quorum,
      consensusRule: normaliseRule(c.consensusRule),
      groups: gs.map((g): Group => ({
        id: g.id as GroupId,
        name: g.name,
        builtin: g.builtin as BuiltinGroup | null,
        position: g.position,
      })),
      members: ms.map(toMember),
    };
  }

  async update(councilId: CouncilId, body: UpdateCouncilBody): Promise<void> {
    if (body.name === undefined && body.quorum === undefined && body.consensusRule === undefined) return;
    await this.db
      .update(councils)
      .set({
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.quorum ? { quorum: body.quorum } : {}),
        ...(body.consensusRule ? { consensusRule: body.consensusRule } : {}),
      })
      .where(eq(councils.id, councilId));
  }

  async createGroup(councilId: CouncilId, name: string): Promise<void> {
    const existing = await this.db.select({ p: groups.position }).from(groups).where(eq(groups.councilId, councilId));
    const position = existing.reduce((max, g) => Math.max(max, g.p + 1), 0);
    await this.db.insert(groups).values({ id: randomUUID(), councilId, name, builtin: null, position });
  }

  async renameGroup(councilId: CouncilId, groupId: GroupId, name: string): Promise<void> {
    // Renaming a default group makes it custom: the admin's words win over the translation.
    const done = await this.db
      .update(groups)
      .set({ name, builtin: null })
      .where(and(eq(groups.id, groupId), eq(groups.councilId, councilId)))
      .returning({ id: groups.id });
    if (done.length === 0) throw new AppError('not_found', 'group');
  }

  async deleteGroup(councilId: CouncilId, groupId: GroupId): Promise<void> {
    await this.db.transaction(async (tx) => {
      // Another council's group is not found here, whatever it holds: no 409 that says it exists.
      const [own] = await tx
        .select({ id: groups.id })
        .from(groups)
        .where(and(eq(groups.id, groupId), eq(groups.councilId, councilId)));
      if (!own) throw new AppError('not_found', 'group');
      const [inUse] = await tx.select({ n: count() }).from(members).where(eq(members.groupId, groupId));
      if ((inUse?.n ?? 0) > 0) throw new AppError('group_not_empty', 'group has members');
      const done = await tx
        .delete(groups)
        .where(and(eq(groups.id, groupId), eq(groups.councilId, councilId)))
        .returning({ id: groups.id });
      if (done.length === 0) throw new AppError('not_found', 'group');
    });
  }

  private async assertGroupInCouncil(councilId: CouncilId, groupId: GroupId): Promise<void> {
    const [g] = await this.db
      .select({ id: groups.id })
      .from(groups)
      .where(and(eq(groups.id, groupId), eq(groups.councilId, councilId)));
    if (!g) throw new AppError('invalid_input', 'group not in this council', ['groupId']);
  }

  async createMember(councilId: CouncilId, m: { name: string; groupId: GroupId; role: Role }, linkTokenHash: string): Promise<MemberId> {
    await this.assertGroupInCouncil(councilId, m.groupId);
    const id = randomUUID() as MemberId;
    await this.db.insert(members).values({ id, councilId, groupId: m.groupId, name: m.name, role: m.role, linkTokenHash });
    return id;
  }

  async updateMember(councilId: CouncilId, memberId: MemberId, body: UpdateMemberBody): Promise<void> {
    if (body.groupId) await this.assertGroupInCouncil(councilId, body.groupId);
    const done = await this.db
      .update(members)
      .set({
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.groupId !== undefined ? { groupId: body.groupId } : {}),
        ...(body.role !== undefined ? { role: body.role } : {}),
      })
      .where(and(eq(members.id, memberId), eq(members.councilId, councilId)))
      .returning({ id: members.id });
    if (done.length === 0) throw new AppError('not_found', 'member');
  }

  /** Replaces (or, with null, revokes) a member's sign-in link: the old link stops working at once. */
  async setLinkTokenHash(councilId: CouncilId, memberId: MemberId, hash: string | null): Promise<void> {
    const done = await this.db
      .update(members)
      .set({ linkTokenHash: hash })
      .where(and(eq(members.id, memberId), eq(members.councilId, councilId)))
      .returning({ id: members.id });
    if (done.length === 0) throw new AppError('not_found', 'member');
  }

  async memberByLinkHash(hash: string): Promise<MemberRow | undefined> {
    const [row] = await this.db.select().from(members).where(eq(members.linkTokenHash, hash));
    return row;
  }

  async memberByLogin(login: string): Promise<MemberRow | undefined> {
    const [row] = await this.db.select().from(members).where(eq(members.login, login.toLowerCase()));
    return row;
  }

  async memberById(id: MemberId): Promise<MemberRow | undefined> {
    const [row] = await this.db.select().from(members).where(eq(members.id, id));
    return row;
  }

  async setPassword(memberId: MemberId, login: string, passwordHash: string): Promise<void> {
    const lower = login.toLowerCase();
    const [taken] = await this.db.select({ id: members.id }).from(members).where(eq(members.login, lower));
    if (taken && taken.id !== memberId) throw new AppError('conflict', 'login taken', ['login']);
    await this.db.update(members).set({ login: lower, passwordHash }).where(eq(members.id, memberId));
  }
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** A council with the default stakeholder groups and its first admin. */
async function insertCouncil(tx: Tx, councilName: string, adminName: string): Promise<{ councilId: CouncilId; adminId: MemberId }> {
  const councilId = randomUUID() as CouncilId;
  await tx.insert(councils).values({ id: councilId, name: councilName, quorum: DEFAULT_QUORUM });
  const groupRows = DEFAULT_GROUPS.map((g, i) => ({
    id: randomUUID(),
    councilId,
    name: g.name,
    builtin: g.builtin,
    position: i,
  }));
  await tx.insert(groups).values(groupRows);
  const adminId = randomUUID() as MemberId;
  // The admin sits in the residents' committee by default; they can move themselves.
  await tx.insert(members).values({
    id: adminId,
    councilId,
    groupId: groupRows[0]!.id,
    name: adminName,
    role: 'admin',
  });
  return { councilId, adminId };
}
