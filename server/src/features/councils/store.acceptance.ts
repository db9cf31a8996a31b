import { expect, it } from 'vitest';
import type { GroupId } from '@yishi/protocol';
import { hashToken, newToken } from '../../auth/tokens.ts';
import type { StoreCase } from '../../storage/acceptance-context.ts';

/** Councils, groups, members, sign-in links and logins (first: it sets up the council the other cases use); run on each driver by storage/store.acceptance.ts, in order. */
export function councilStoreAcceptance(t: StoreCase): void {
  it('needs setup until the first council exists, and the setup token is stable across instances', async () => {
    expect(await t.store.councils.needsSetup()).toBe(true);
    const t1 = await t.store.councils.ensureSetupToken('first-token-aaaaaaaaaaaaaaaa');
    const t2 = await t.store.councils.ensureSetupToken('second-token-bbbbbbbbbbbbbbb');
    expect(t1).toBe('first-token-aaaaaaaaaaaaaaaa');
    expect(t2).toBe(t1);
  });

  it('refuses a wrong setup token and changes nothing', async () => {
    await expect(t.store.councils.setup('wrong-token-cccccccccccccccc', 'X', 'Y')).rejects.toMatchObject({ code: 'forbidden' });
    expect(await t.store.councils.needsSetup()).toBe(true);
  });

  it('sets up the council with the six default groups and an admin, once', async () => {
    const r = await t.store.councils.setup('first-token-aaaaaaaaaaaaaaaa', '幸福里社区议事会', '王主任');
    t.councilId = r.councilId;
    t.adminId = r.adminId;
    const c = await t.store.councils.get(r.councilId);
    expect(c.name).toBe('幸福里社区议事会');
    expect(c.groups.map((g) => g.builtin)).toEqual([
      'residents_committee',
      'owners_committee',
      'property_management',
      'social_organisations',
      'local_units',
      'residents',
    ]);
    expect(c.members).toEqual([expect.objectContaining({ name: '王主任', role: 'admin' })]);
    await expect(t.store.councils.setup('first-token-aaaaaaaaaaaaaaaa', 'Again', 'Z')).rejects.toMatchObject({ code: 'setup_done' });
    expect(await t.store.councils.ensureSetupToken('x')).toBeNull();
  });

  it('manages groups: add, rename (becomes custom), and refuses to delete a group with members', async () => {
    await t.store.councils.createGroup(t.councilId as never, '志愿者');
    let c = await t.store.councils.get(t.councilId as never);
    const added = c.groups.at(-1)!;
    expect(added).toMatchObject({ name: '志愿者', builtin: null, position: 6 });
    await t.store.councils.renameGroup(t.councilId as never, c.groups[2]!.id, 'Property Co.');
    c = await t.store.councils.get(t.councilId as never);
    expect(c.groups[2]).toMatchObject({ name: 'Property Co.', builtin: null });
    await expect(t.store.councils.deleteGroup(t.councilId as never, c.groups[0]!.id)).rejects.toMatchObject({ code: 'group_not_empty' });
    await t.store.councils.deleteGroup(t.councilId as never, added.id);
    c = await t.store.councils.get(t.councilId as never);
    expect(c.groups).toHaveLength(6);
  });

  it('keeps councils apart: a group of another council cannot be used or renamed', async () => {
    const other = await t.store.councils.create('Other council', 'Other admin');
    const otherCouncil = await t.store.councils.get(other.councilId);
    await expect(
      t.store.councils.createMember(t.councilId as never, { name: 'X', groupId: otherCouncil.groups[0]!.id, role: 'member' }, 'h1'),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(t.store.councils.renameGroup(t.councilId as never, otherCouncil.groups[0]!.id, 'hijack')).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(t.store.councils.updateMember(t.councilId as never, other.adminId, { role: 'member' })).rejects.toMatchObject({
      code: 'not_found',
    });
    // Not 'conflict' for a group of theirs that has members: it does not exist for this council.
    const occupied = otherCouncil.members[0]!.groupId;
    await expect(t.store.councils.deleteGroup(t.councilId as never, occupied)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('finds members by sign-in link until the link is replaced or revoked', async () => {
    const c = await t.store.councils.get(t.councilId as never);
    const token = newToken();
    const id = await t.store.councils.createMember(
      t.councilId as never,
      { name: '李主持', groupId: c.groups[1]!.id as GroupId, role: 'facilitator' },
      hashToken(token),
    );
    expect((await t.store.councils.memberByLinkHash(hashToken(token)))?.id).toBe(id);
    const token2 = newToken();
    await t.store.councils.setLinkTokenHash(t.councilId as never, id, hashToken(token2));
    expect(await t.store.councils.memberByLinkHash(hashToken(token))).toBeUndefined();
    expect((await t.store.councils.memberByLinkHash(hashToken(token2)))?.id).toBe(id);
    await t.store.councils.setLinkTokenHash(t.councilId as never, id, null);
    expect(await t.store.councils.memberByLinkHash(hashToken(token2))).toBeUndefined();
  });

  it('keeps logins unique, case-insensitively', async () => {
    await t.store.councils.setPassword(t.adminId, 'Wang', 'scrypt$x$y');
    expect((await t.store.councils.memberByLogin('WANG'))?.id).toBe(t.adminId);
    const c = await t.store.councils.get(t.councilId as never);
    const other = c.members.find((m) => m.id !== t.adminId)!;
    await expect(t.store.councils.setPassword(other.id, 'wang', 'scrypt$a$b')).rejects.toMatchObject({ code: 'conflict' });
  });
}
