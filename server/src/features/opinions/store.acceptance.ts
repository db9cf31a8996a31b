import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import type { Principal } from '@yishi/domain';
import type { MeetingId, MemberId, ResidentId } from '@yishi/protocol';
import type { StoreCase } from '../../storage/acceptance-context.ts';
import type { AuthorInput, OpinionStore, PostInput } from './store.ts';

/**
 * Threaded opinions: the per-meeting sequence, posting and replies, edits, withdrawal, seconds,
 * reports, moderation and its log, catch-up and pages; run on each driver by
 * storage/store.acceptance.ts, in order, on a meeting of its own (created in draft here).
 */
export function opinionStoreAcceptance(t: StoreCase): void {
  let meetingId: MeetingId;
  let other: { id: MemberId; name: string; groupId: string };
  let residentId: ResidentId;
  let resident: Principal;
  let member: Principal;
  const store = (): OpinionStore => t.store.opinions;
  const asResident = (): AuthorInput => ({ ref: `r:${residentId}`, memberId: null, residentId, name: '王阿姨', groupId: null });
  const asMember = (): AuthorInput => ({ ref: `m:${other.id}`, memberId: other.id, residentId: null, name: other.name, groupId: other.groupId });
  const post = (over: Partial<PostInput>): Promise<{ row: { id: string; seq: number; rev: number } & Record<string, unknown>; created: boolean }> =>
    store().post({
      meetingId,
      thread: 'item-1',
      stance: 'concern',
      text: '电梯噪音问题',
      anonymous: false,
      clientKey: randomUUID(),
      author: asResident(),
      principal: resident,
      ...over,
    });

  it('opens threads only once the meeting is published', async () => {
    meetingId = await t.store.meetings.create(
      t.councilId as never,
      { title: '意见征集', startsAt: '2026-12-01T19:00:00+08:00', place: '', mode: 'hybrid' },
      t.adminId,
    );
    const council = await t.store.councils.get(t.councilId as never);
    const m = council.members.find((x) => x.id !== t.adminId)!;
    other = { id: m.id, name: m.name, groupId: m.groupId };
    residentId = await t.store.meetings.createResident(meetingId, '王阿姨');
    resident = { kind: 'resident', residentId, meetingId, displayName: '王阿姨' };
    member = { kind: 'member', memberId: other.id, councilId: t.councilId as never, role: 'member', name: other.name };
    await expect(post({})).rejects.toMatchObject({ code: 'thread_not_open' });
    await t.store.meetings.transition(meetingId, 'scheduled', t.adminId);
  });

  it('numbers every post in one sequence per meeting; a resend with the same key returns the same opinion', async () => {
    const key = randomUUID();
    const a = await post({ clientKey: key });
    expect(a.created).toBe(true);
    expect(a.row).toMatchObject({ seq: 1, rev: 1, depth: 0, stance: 'concern', thread: 'item-1' });
    const again = await post({ clientKey: key, text: 'different' });
    expect(again).toMatchObject({ created: false, row: { id: a.row.id, text: '电梯噪音问题' } });
    // Concurrent resends of one post: one row.
    const k2 = randomUUID();
    const both = await Promise.all([post({ clientKey: k2 }), post({ clientKey: k2 })]);
    expect(both[0].row.id).toBe(both[1].row.id);
    const general = await post({ thread: '', stance: 'question', author: asMember(), principal: member });
    expect(general.row.seq).toBe(3);
    expect((await store().settings(meetingId)).seq).toBe(3);
  });

  it('threads replies under a shown opinion of the same thread, without a stance', async () => {
    const [top] = (await store().page(meetingId, 'item-1', null, 10)).rows.slice(-1);
    const reply = await post({ parentId: top!.id, stance: undefined, author: asMember(), principal: member, text: '同意' });
    expect(reply.row).toMatchObject({ depth: 1, parentId: top!.id, stance: null, replyingTo: '王阿姨' });
    const deeper = await post({ parentId: reply.row.id, stance: undefined, text: '谢谢' });
    expect(deeper.row).toMatchObject({ depth: 2, replyingTo: other.name });
    await expect(post({ parentId: top!.id })).rejects.toMatchObject({ code: 'invalid_input', fields: ['stance'] });
    await expect(post({ parentId: top!.id, stance: undefined, thread: 'item-2' })).rejects.toMatchObject({
      code: 'invalid_input',
      fields: ['parentId'],
    });
    await expect(post({ stance: undefined })).rejects.toMatchObject({ code: 'invalid_input', fields: ['stance'] });
    await expect(post({ anonymous: true })).rejects.toMatchObject({ code: 'anonymous_not_allowed' });
    await store().setAnonymousAllowed(meetingId, true, t.adminId);
    const anon = await post({ anonymous: true, text: '匿名意见' });
    expect(anon.row).toMatchObject({ anonymous: true, authorName: '王阿姨' });
    const replyToAnon = await post({ parentId: anon.row.id, stance: undefined, author: asMember(), principal: member });
    expect(replyToAnon.row.replyingTo).toBeNull();
  });

  it('lets the author edit within ten minutes, marked edited; not after, not someone else', async () => {
    const a = await post({ text: '原文' });
    const { row: edited } = await store().edit(meetingId, a.row.id, resident, `r:${residentId}`, '改过');
    expect(edited.text).toBe('改过');
    expect(edited.editedAt).not.toBeNull();
    expect(edited.rev).toBeGreaterThan(a.row.rev);
    await expect(store().edit(meetingId, a.row.id, member, `m:${other.id}`, 'x')).rejects.toMatchObject({ code: 'forbidden' });
    await t.store.db.execute(sql`UPDATE opinions SET created_at = now() - interval '11 minutes' WHERE id = ${a.row.id}`);
    await expect(store().edit(meetingId, a.row.id, resident, `r:${residentId}`, 'late')).rejects.toMatchObject({ code: 'edit_window_closed' });
    expect((await store().get(meetingId, a.row.id))!.text).toBe('改过');
  });

  it('seconds once per participant and takes it back; never one’s own', async () => {
    const a = await post({ text: '请加装电梯' });
    const s1 = await store().second(meetingId, a.row.id, member, `m:${other.id}`, true);
    expect(s1.row.seconds).toBe(1);
    expect(s1.onFloor).toBe(false);
    await expect(store().second(meetingId, a.row.id, member, `m:${other.id}`, true)).rejects.toMatchObject({ code: 'already_seconded' });
    await expect(store().second(meetingId, a.row.id, resident, `r:${residentId}`, true)).rejects.toMatchObject({ code: 'own_opinion' });
    const back = await store().second(meetingId, a.row.id, member, `m:${other.id}`, false);
    expect(back.row.seconds).toBe(0);
    await expect(store().second(meetingId, a.row.id, member, `m:${other.id}`, false)).rejects.toMatchObject({ code: 'not_seconded' });
    // Concurrent seconds by different people all count.
    const people = await Promise.all([1, 2, 3, 4].map((i) => t.store.meetings.createResident(meetingId, `居民${i}`)));
    await Promise.all(
      people.map((p) => store().second(meetingId, a.row.id, { kind: 'resident', residentId: p, meetingId, displayName: 'x' }, `r:${p}`, true)),
    );
    expect((await store().get(meetingId, a.row.id))!.seconds).toBe(4);
  });

  it('seconds many in one transaction, each with its own outcome as if one after the other', async () => {
    const a = await post({ text: '楼道灯' });
    const b = await post({ text: '垃圾分类' });
    const people = await Promise.all([1, 2].map((i) => t.store.meetings.createResident(meetingId, `邻居${i}`)));
    const as = (p: ResidentId): Principal => ({ kind: 'resident', residentId: p, meetingId, displayName: 'x' });
    const head = (await store().settings(meetingId)).seq;
    const out = await store().secondMany([
      { meetingId, id: a.row.id, who: as(people[0]!), whoRef: `r:${people[0]}`, seconded: true },
      { meetingId, id: a.row.id, who: as(people[0]!), whoRef: `r:${people[0]}`, seconded: true },
      { meetingId, id: a.row.id, who: resident, whoRef: `r:${residentId}`, seconded: true },
      { meetingId, id: b.row.id, who: as(people[1]!), whoRef: `r:${people[1]}`, seconded: false },
      { meetingId, id: b.row.id, who: member, whoRef: `m:${other.id}`, seconded: true },
      { meetingId, id: b.row.id, who: as(people[1]!), whoRef: `r:${people[1]}`, seconded: true },
      { meetingId, id: b.row.id, who: member, whoRef: `m:${other.id}`, seconded: false },
      { meetingId, id: randomUUID(), who: member, whoRef: `m:${other.id}`, seconded: true },
    ]);
    expect(out.map((o) => ('row' in o ? 'ok' : o.code))).toEqual([
      'ok',
      'already_seconded',
      'own_opinion',
      'not_seconded',
      'ok',
      'ok',
      'ok',
      'not_found',
    ]);
    // Each changed opinion took one number, and comes back as it stands at the commit.
    const after = (await store().settings(meetingId)).seq;
    expect(after).toBe(head + 2);
    expect((await store().get(meetingId, a.row.id))!).toMatchObject({ seconds: 1, rev: head + 1 });
    expect((await store().get(meetingId, b.row.id))!).toMatchObject({ seconds: 1, rev: head + 2 });
    expect(out[6]).toMatchObject({ row: { id: b.row.id, seconds: 1 }, onFloor: false });
    // What was stored is what second() sees: taking back a second made in the batch works, twice does not.
    expect((await store().second(meetingId, b.row.id, as(people[1]!), `r:${people[1]}`, false)).row.seconds).toBe(0);
    await expect(store().second(meetingId, b.row.id, member, `m:${other.id}`, false)).rejects.toMatchObject({ code: 'not_seconded' });
  });

  it('reports once per participant; hides with a reason, logged; refuses a second hide and edits of hidden ones', async () => {
    const a = await post({ text: '广告 www.spam.cn' });
    const r = await store().report(meetingId, a.row.id, `m:${other.id}`);
    expect(r.reports).toBe(1);
    await expect(store().report(meetingId, a.row.id, `m:${other.id}`)).rejects.toMatchObject({ code: 'already_reported' });
    await expect(store().hide(meetingId, a.row.id, t.adminId, 'other', undefined)).rejects.toMatchObject({ code: 'invalid_input', fields: ['note'] });
    await store().setFloor(meetingId, a.row.id);
    // A second of the opinion on the floor says so (the floor in the meeting's view shows its seconds).
    expect((await store().second(meetingId, a.row.id, member, `m:${other.id}`, true)).onFloor).toBe(true);
    const { row, offFloor } = await store().hide(meetingId, a.row.id, t.adminId, 'advertising', undefined);
    expect(offFloor).toBe(true);
    expect((await store().settings(meetingId)).floorOpinionId).toBeNull();
    expect(row).toMatchObject({ hiddenReason: 'advertising', text: '广告 www.spam.cn' });
    await expect(store().hide(meetingId, a.row.id, t.adminId, 'duplicate', undefined)).rejects.toMatchObject({ code: 'already_hidden' });
    await expect(store().second(meetingId, a.row.id, member, `m:${other.id}`, true)).rejects.toMatchObject({ code: 'opinion_gone' });
    await expect(store().edit(meetingId, a.row.id, resident, `r:${residentId}`, 'x')).rejects.toMatchObject({ code: 'opinion_gone' });
    await expect(store().setFloor(meetingId, a.row.id)).rejects.toMatchObject({ code: 'opinion_gone' });
    const shown = await store().unhide(meetingId, a.row.id, t.adminId);
    expect(shown.hiddenReason).toBeNull();
    await expect(store().unhide(meetingId, a.row.id, t.adminId)).rejects.toMatchObject({ code: 'not_hidden' });
    const log = await store().moderationLog(meetingId, 10);
    expect(log.map((e) => e.action)).toEqual(['unhide', 'hide', 'anonymous_allowed']);
    expect(log[1]).toMatchObject({ actorMemberId: t.adminId, reason: 'advertising', subject: '王阿姨', opinionId: a.row.id });
  });

  it('withdraws one’s own at any time, once, leaving the row', async () => {
    const a = await post({ text: '撤回我' });
    await expect(store().withdraw(meetingId, a.row.id, `m:${other.id}`)).rejects.toMatchObject({ code: 'forbidden' });
    const { row } = await store().withdraw(meetingId, a.row.id, `r:${residentId}`);
    expect(row.withdrawnAt).not.toBeNull();
    await expect(store().withdraw(meetingId, a.row.id, `r:${residentId}`)).rejects.toMatchObject({ code: 'opinion_gone' });
    await expect(post({ parentId: a.row.id, stance: undefined })).rejects.toMatchObject({ code: 'opinion_gone' });
  });

  it('mutes a resident of this meeting only, logged; a muted resident cannot post, edit or second', async () => {
    await expect(store().mute(meetingId, randomUUID() as ResidentId, true, t.adminId, undefined)).rejects.toMatchObject({ code: 'not_a_resident' });
    const before = await post({ text: '禁言前' });
    await store().mute(meetingId, residentId, true, t.adminId, '人身攻击');
    expect(await store().standing(residentId)).toEqual({ muted: true, verified: false });
    const seqBefore = (await store().settings(meetingId)).seq;
    await expect(post({})).rejects.toMatchObject({ code: 'muted' });
    await expect(store().edit(meetingId, before.row.id, resident, `r:${residentId}`, 'x')).rejects.toMatchObject({ code: 'muted' });
    expect((await store().settings(meetingId)).seq).toBe(seqBefore);
    expect((await store().muted(meetingId)).map((m) => m.name)).toEqual(['王阿姨']);
    await store().mute(meetingId, residentId, false, t.adminId, undefined);
    expect((await store().muted(meetingId)).length).toBe(0);
    expect((await store().moderationLog(meetingId, 2)).map((e) => [e.action, e.subject])).toEqual([
      ['unmute', '王阿姨'],
      ['mute', '王阿姨'],
    ]);
  });

  it('marks a verified household’s posts, earlier ones too', async () => {
    const changed = await store().verify(meetingId, residentId);
    expect(changed.sort()).toEqual(['item-1']);
    const a = await post({ text: '已核实' });
    expect(a.row.verified).toBe(true);
    expect(await store().standing(residentId)).toEqual({ muted: false, verified: true });
  });

  it('returns what changed after a number, oldest first, in pages, each change once, and pages back by seq', async () => {
    const head = await store().head(meetingId, 'item-1');
    expect(head).toBeLessThanOrEqual((await store().settings(meetingId)).seq);
    const all: string[] = [];
    let after = 0;
    for (;;) {
      const page = await store().since(meetingId, 'item-1', after, 4);
      expect(page.cursor).toBe(head);
      all.push(...page.rows.map((r) => r.id));
      for (let i = 1; i < page.rows.length; i++) expect(page.rows[i]!.rev).toBeGreaterThan(page.rows[i - 1]!.rev);
      if (!page.more) break;
      after = page.rows.at(-1)!.rev;
    }
    expect(new Set(all).size).toBe(all.length);
    const newest = await store().page(meetingId, 'item-1', null, 3);
    const older = await store().page(meetingId, 'item-1', newest.rows.at(-1)!.seq, 100);
    const seqs = [...newest.rows, ...older.rows].map((r) => r.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(seqs.length).toBe(all.length);
    expect((await store().since(meetingId, 'item-1', head, 10)).rows).toEqual([]);
    expect((await store().heads([meetingId])).get(meetingId)).toBe((await store().settings(meetingId)).seq);
    // The general thread's head is its own last change, not the meeting's.
    expect(await store().head(meetingId, '')).toBeLessThan(head);
  });

  it('digests an item: shown top-level opinions by stance and group, replies, the most seconded', async () => {
    const d = await store().digest(meetingId, 'item-1', 5);
    const residentsConcerns = d.counts.find((c) => c.stance === 'concern' && c.group === 'residents');
    expect(residentsConcerns!.count).toBeGreaterThan(0);
    expect(d.replies).toBeGreaterThan(0);
    expect(d.top[0]).toMatchObject({ text: '请加装电梯', seconds: 4 });
    const counts = await store().threadCounts(meetingId);
    expect(counts.map((c) => c.thread)).toEqual(['', 'item-1']);
  });

  it('freezes threads when the meeting closes', async () => {
    const [top] = (await store().page(meetingId, 'item-1', null, 1)).rows;
    await t.store.meetings.transition(meetingId, 'live', t.adminId);
    await t.store.meetings.transition(meetingId, 'closed', t.adminId);
    const seq = (await store().settings(meetingId)).seq;
    await expect(post({})).rejects.toMatchObject({ code: 'meeting_closed' });
    await expect(store().second(meetingId, top!.id, member, `m:${other.id}`, true)).rejects.toMatchObject({ code: 'meeting_closed' });
    await expect(store().hide(meetingId, top!.id, t.adminId, 'duplicate', undefined)).rejects.toMatchObject({ code: 'meeting_closed' });
    expect((await store().settings(meetingId)).seq).toBe(seq);
  });
}
