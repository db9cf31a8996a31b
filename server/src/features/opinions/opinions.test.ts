import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applyCatchUp, applyPush, emptyThread, type ThreadState } from '@yishi/domain';
import {
  AGENDA_ITEMS,
  agendaRoom,
  type ClientResults,
  type ModerationView,
  type Opinion,
  type OpinionDigest,
  type OpinionsView,
  type ServerToClientEvents,
} from '@yishi/protocol';
import { ApiClient, connected, emit, viewOf, type YishiClientSocket } from '../../../../test/support/client.ts';
import { waitFor } from '../../../../test/support/ports.ts';
import { setUpPollMeeting, type JoinedSocket, type PollMeeting } from '../../../../test/support/poll-meeting.ts';
import { adminOfAnotherCouncil } from '../../../../test/support/in-process.ts';

type Entries = Parameters<ServerToClientEvents['opinions:entries']>[0];

/** A thread as a client follows it: the pushes applied with the domain's rules, gaps caught up. */
async function follow(j: JoinedSocket, meetingId: string, itemId: string | null) {
  const t: ThreadState & { pushes: Entries[]; self?: ClientResults['opinions:follow']['self'] } = Object.assign(emptyThread(), {
    pushes: [] as Entries[],
  });
  let catching = Promise.resolve();
  j.s.on('opinions:entries', (p) => {
    if (p.meetingId !== meetingId || p.itemId !== itemId) return;
    t.pushes.push(p);
    if (applyPush(t, p) === 'gap') catching = catching.then(() => catchUp(j.s, meetingId, itemId, t));
  });
  const r = await emit(j.s, 'opinions:follow', { meetingId, itemId });
  if (!r.ok) throw new Error(JSON.stringify(r));
  t.ref = r.data.self.ref;
  for (const id of r.data.self.mine) t.mine.add(id);
  for (const o of r.data.entries) t.byId.set(o.id, o);
  t.cursor = Math.max(t.cursor, r.data.cursor);
  t.self = r.data.self;
  return t;
}

async function catchUp(s: YishiClientSocket, meetingId: string, itemId: string | null, t: ThreadState): Promise<void> {
  for (;;) {
    const r = await emit(s, 'opinions:since', { meetingId, itemId, after: t.cursor });
    if (!r.ok) throw new Error(JSON.stringify(r));
    if (!applyCatchUp(t, r.data)) return;
  }
}

const ok = <T>(r: { ok: true; data: T } | { ok: false; error: unknown }): T => {
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.data;
};

describe('threaded opinions, in process', () => {
  let pm: PollMeeting;
  let meetingId: string;
  let joinCode: string;
  let fac: JoinedSocket;
  let mem: JoinedSocket;
  let sec: JoinedSocket;
  let res: JoinedSocket;
  let res2: JoinedSocket;
  let residentClient: ApiClient;

  beforeAll(async () => {
    // Posting more than 5 a minute per session here: the limit itself has its own test below.
    pm = await setUpPollMeeting({ OPINION_POSTS_PER_MINUTE: '1000', OPINION_SECONDS_PER_MINUTE: '1000' });
    const secretary = await pm.c.admin.ok('POST', '/api/council/members', { name: '陈记录', groupId: pm.c.council.groups[0].id, role: 'secretary' });
    const secClient = new ApiClient(pm.app.url);
    await secClient.ok('POST', '/api/auth/link', { token: secretary.link.url.split('/signin/')[1] });
    ({ id: meetingId, joinCode } = await pm.newMeeting('加装电梯意见征集'));
    fac = await pm.open(pm.c.facilitator, meetingId);
    mem = await pm.open(pm.c.member, meetingId);
    sec = await pm.open(secClient, meetingId);
    // Residents join while the meeting is a draft; threads open when it is published.
    residentClient = new ApiClient(pm.app.url);
    await residentClient.ok('POST', '/api/join', { code: joinCode, displayName: '王阿姨<b>' });
    res = await pm.open(residentClient, meetingId);
    const r2 = new ApiClient(pm.app.url);
    await r2.ok('POST', '/api/join', { code: joinCode, displayName: '刘师傅' });
    res2 = await pm.open(r2, meetingId);
  }, 120_000);
  afterAll(async () => {
    await pm?.dispose();
  });

  const post = (j: JoinedSocket, body: Record<string, unknown>) =>
    emit(j.s, 'opinion:post', { meetingId, itemId: 'item-1', stance: 'concern', text: '电梯噪音', clientKey: randomUUID(), ...body });

  it('keeps threads closed before publication, with a typed error and nothing stored', async () => {
    // The agenda document's item (the thread 'item-1'), written as the server writes documents.
    await pm.app.services.docs.change(agendaRoom(meetingId), (doc) => {
      const item = new Y.Map<unknown>();
      item.set('id', 'item-1');
      doc.getArray<Y.Map<unknown>>(AGENDA_ITEMS).push([item]);
    });
    const r = await post(res, {});
    expect(r).toMatchObject({ ok: false, error: { code: 'thread_not_open' } });
    expect((await pm.app.services.store.opinions.settings(meetingId as never)).seq).toBe(0);
    ok(await emit(fac.s, 'meeting:transition', { meetingId, to: 'scheduled' }));
  });

  it('lets a resident and a member post, each shown as they are, and pushes the entries to followers of that thread only', async () => {
    const memThread = await follow(mem, meetingId, 'item-1');
    const memGeneral = await follow(mem, meetingId, null);
    const a = ok(await post(res, { text: '担心噪音\n第二行 <script>alert(1)</script>' })).opinion;
    expect(a).toMatchObject({
      stance: 'concern',
      depth: 0,
      text: '担心噪音\n第二行 <script>alert(1)</script>',
      author: { kind: 'resident', name: '王阿姨<b>', groupId: null, verified: false, anonymous: false },
    });
    const b = ok(await post(mem, { stance: 'support', text: '支持加装' })).opinion;
    expect(b.author).toMatchObject({ kind: 'member', name: '张业主', groupId: pm.c.council.groups[2].id });
    await waitFor(() => memThread.byId.size === 2, 5_000, 'both posts pushed');
    expect(memThread.byId.get(a.id)!.text).toBe(a.text);
    expect(memGeneral.byId.size).toBe(0);
    expect(memGeneral.pushes).toHaveLength(0);
  });

  it('refuses bad input with typed errors and changes nothing', async () => {
    const seq = (await pm.app.services.store.opinions.settings(meetingId as never)).seq;
    const cases: [Record<string, unknown>, string][] = [
      [{ text: 'x'.repeat(2001) }, 'invalid_input'],
      [{ text: '   \n ' }, 'invalid_input'],
      [{ text: 'bell\u0007' }, 'invalid_input'],
      [{ stance: 'angry' }, 'invalid_input'],
      [{ stance: undefined }, 'invalid_input'],
      [{ clientKey: 'nope' }, 'invalid_input'],
      [{ parentId: randomUUID(), stance: undefined }, 'invalid_input'],
      [{ anonymous: true }, 'anonymous_not_allowed'],
    ];
    for (const [body, code] of cases) expect(await post(res, body), JSON.stringify(body)).toMatchObject({ ok: false, error: { code } });
    expect(await post(mem, { anonymous: true })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await post(mem, { itemId: 'no-such-item' })).toMatchObject({ ok: false, error: { code: 'unknown_item' } });
    expect(await emit(mem.s, 'opinions:follow', { meetingId, itemId: 'no-such-item' })).toMatchObject({ ok: false, error: { code: 'unknown_item' } });
    expect(await emit(res.s, 'opinion:hide', { meetingId, opinionId: randomUUID(), reason: 'duplicate' })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(await emit(mem.s, 'opinion:mute', { meetingId, residentId: randomUUID(), muted: true })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(await emit(sec.s, 'opinion:floor', { meetingId, opinionId: null })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await emit(res.s, 'opinion:settings', { meetingId, anonymousAllowed: true })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect((await pm.app.services.store.opinions.settings(meetingId as never)).seq).toBe(seq);
  });

  it("refuses another council's member everything in this meeting", async () => {
    const stranger = await adminOfAnotherCouncil(pm.app);
    const s = stranger.socket();
    await connected(s);
    try {
      const seq = (await pm.app.services.store.opinions.settings(meetingId as never)).seq;
      const first = [...(await pm.app.services.store.opinions.page(meetingId as never, 'item-1', null, 1)).rows][0]!;
      const attempts: [string, unknown][] = [
        ['opinion:post', { meetingId, itemId: 'item-1', stance: 'support', text: 'x', clientKey: randomUUID() }],
        ['opinion:second', { meetingId, opinionId: first.id, seconded: true }],
        ['opinion:report', { meetingId, opinionId: first.id }],
        ['opinion:hide', { meetingId, opinionId: first.id, reason: 'duplicate' }],
        ['opinion:floor', { meetingId, opinionId: first.id }],
        ['opinions:follow', { meetingId, itemId: 'item-1' }],
        ['opinions:since', { meetingId, itemId: 'item-1', after: 0 }],
      ];
      for (const [event, body] of attempts) {
        expect(await emit(s, event as 'opinion:post', body), event).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      }
      expect((await pm.app.services.store.opinions.settings(meetingId as never)).seq).toBe(seq);
    } finally {
      s.close();
    }
  });

  it('edits within the window (marked edited), withdraws with a placeholder, and refuses others', async () => {
    const a = ok(await post(res2, { text: '原话' })).opinion;
    expect(await emit(res.s, 'opinion:edit', { meetingId, opinionId: a.id, text: '改' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const e = ok(await emit(res2.s, 'opinion:edit', { meetingId, opinionId: a.id, text: '改过的话' })).opinion;
    expect(e.text).toBe('改过的话');
    expect(e.editedAt).not.toBeNull();
    await pm.app.services.store.db.execute(
      (await import('drizzle-orm')).sql`UPDATE opinions SET created_at = now() - interval '10 minutes 1 second' WHERE id = ${a.id}`,
    );
    expect(await emit(res2.s, 'opinion:edit', { meetingId, opinionId: a.id, text: '太晚了' })).toMatchObject({
      ok: false,
      error: { code: 'edit_window_closed' },
    });
    const w = ok(await emit(res2.s, 'opinion:withdraw', { meetingId, opinionId: a.id })).opinion;
    expect(w).toMatchObject({ state: 'withdrawn', text: null });
    const seen = await follow(fac, meetingId, 'item-1');
    expect(seen.byId.get(a.id)).toMatchObject({ state: 'withdrawn', text: null });
  });

  it('seconds once per participant, takes it back, never one’s own; counts reach followers', async () => {
    const watcher = await follow(res2, meetingId, 'item-1');
    const a = ok(await post(res, { text: '请附议' })).opinion;
    expect(ok(await emit(res2.s, 'opinion:second', { meetingId, opinionId: a.id, seconded: true })).seconds).toBe(1);
    expect(await emit(res2.s, 'opinion:second', { meetingId, opinionId: a.id, seconded: true })).toMatchObject({
      ok: false,
      error: { code: 'already_seconded' },
    });
    expect(await emit(res.s, 'opinion:second', { meetingId, opinionId: a.id, seconded: true })).toMatchObject({
      ok: false,
      error: { code: 'own_opinion' },
    });
    expect(ok(await emit(mem.s, 'opinion:second', { meetingId, opinionId: a.id, seconded: true })).seconds).toBe(2);
    expect(ok(await emit(mem.s, 'opinion:second', { meetingId, opinionId: a.id, seconded: false })).seconds).toBe(1);
    await waitFor(() => watcher.byId.get(a.id)?.seconds === 1 && watcher.cursor >= a.rev + 3, 5_000, 'the seconds pushed');
  });

  it('hides with a reason for everyone, keeps the text for the author and the moderators, and logs it for council members', async () => {
    const pub = await follow(res2, meetingId, 'item-1');
    const author = await follow(res, meetingId, 'item-1');
    const modT = await follow(sec, meetingId, 'item-1');
    const a = ok(
      await post(res, {
        parentId: [...pub.byId.values()].find((o) => o.depth === 0 && o.state === 'visible')!.id,
        stance: undefined,
        text: '你是骗子',
      }),
    ).opinion;
    ok(await emit(res2.s, 'opinion:report', { meetingId, opinionId: a.id }));
    expect(await emit(res2.s, 'opinion:report', { meetingId, opinionId: a.id })).toMatchObject({ ok: false, error: { code: 'already_reported' } });
    await waitFor(() => modT.byId.get(a.id)?.reports === 1, 5_000, 'the report count for moderators');
    expect(pub.byId.get(a.id)?.reports).toBeUndefined();
    expect(await emit(sec.s, 'opinion:hide', { meetingId, opinionId: a.id, reason: 'other' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', fields: ['note'] },
    });
    const h = ok(await emit(sec.s, 'opinion:hide', { meetingId, opinionId: a.id, reason: 'personal_attack' })).opinion;
    expect(h).toMatchObject({ state: 'hidden', text: '你是骗子', hidden: { reason: 'personal_attack' } });
    await waitFor(() => pub.byId.get(a.id)?.state === 'hidden' && author.byId.get(a.id)?.state === 'hidden', 5_000, 'the hide pushed');
    expect(pub.byId.get(a.id)).toMatchObject({ text: null, hidden: { reason: 'personal_attack', note: null } });
    expect(author.byId.get(a.id)!.text).toBe('你是骗子');
    // The author reloading still gets the text; another resident does not.
    const fresh = ok(await emit(res.s, 'opinions:since', { meetingId, itemId: 'item-1', after: 0 }));
    expect(fresh.entries.find((o) => o.id === a.id)!.text).toBe('你是骗子');
    const other = ok(await emit(res2.s, 'opinions:since', { meetingId, itemId: 'item-1', after: 0 }));
    expect(other.entries.find((o) => o.id === a.id)!.text).toBeNull();
    // The log: for council members (a plain member too), not residents.
    await waitFor(() => (viewOf(mem.views, meetingId, 'moderation')?.data as ModerationView | undefined)?.entries.length === 1, 5_000, 'the log');
    const log = viewOf(mem.views, meetingId, 'moderation')!.data as ModerationView;
    expect(log.entries[0]).toMatchObject({
      action: 'hide',
      actor: { name: '陈记录' },
      reason: 'personal_attack',
      opinionId: a.id,
      subject: '王阿姨<b>',
    });
    expect(viewOf(res.views, meetingId, 'moderation')).toBeUndefined();
    expect(await emit(res.s, 'view:get', { meetingId, kind: 'moderation' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('mutes a resident session with a clear error, logged, and unmutes', async () => {
    const residentId = (await residentClient.ok('GET', '/api/session')).residentId;
    ok(await emit(fac.s, 'opinion:mute', { meetingId, residentId, muted: true, note: '多次人身攻击' }));
    const seq = (await pm.app.services.store.opinions.settings(meetingId as never)).seq;
    expect(await post(res, {})).toMatchObject({ ok: false, error: { code: 'muted' } });
    expect((await pm.app.services.store.opinions.settings(meetingId as never)).seq).toBe(seq);
    const followed = ok(await emit(res.s, 'opinions:follow', { meetingId, itemId: 'item-1' }));
    expect(followed.self).toMatchObject({ muted: true });
    await waitFor(() => (viewOf(mem.views, meetingId, 'moderation')?.data as ModerationView | undefined)?.muted.length === 1, 5_000, 'muted listed');
    ok(await emit(fac.s, 'opinion:mute', { meetingId, residentId, muted: false }));
    ok(await post(res, { text: '解除禁言后' }));
  });

  it('lets the facilitator allow anonymous posts: the public sees no name, moderators do', async () => {
    ok(await emit(fac.s, 'opinion:settings', { meetingId, anonymousAllowed: true }));
    const pub = await follow(mem, meetingId, 'item-1');
    const modT = await follow(fac, meetingId, 'item-1');
    const a = ok(await post(res2, { anonymous: true, text: '匿名担忧' })).opinion;
    expect(a.author).toMatchObject({ anonymous: true, name: '刘师傅' });
    await waitFor(() => pub.byId.has(a.id) && modT.byId.has(a.id), 5_000, 'the anonymous post');
    expect(pub.byId.get(a.id)!.author).toMatchObject({ anonymous: true, name: null, ref: null });
    expect(modT.byId.get(a.id)!.author).toMatchObject({ anonymous: true, name: '刘师傅' });
    const mine = ok(await emit(res2.s, 'opinions:since', { meetingId, itemId: 'item-1', after: a.rev - 1 }));
    expect(mine.self.mine).toContain(a.id);
  });

  it('marks a resident who entered a voting code of this meeting as a verified household', async () => {
    const slips = ok(await emit(fac.s, 'codes:issue', { meetingId, count: 1 })).slips;
    expect(await emit(res2.s, 'opinion:verify', { meetingId, votingCode: 'ZZZZZZZZ' })).toMatchObject({
      ok: false,
      error: { code: 'bad_credential' },
    });
    expect(await emit(mem.s, 'opinion:verify', { meetingId, votingCode: slips[0]!.code })).toMatchObject({
      ok: false,
      error: { code: 'not_a_resident' },
    });
    ok(await emit(res2.s, 'opinion:verify', { meetingId, votingCode: slips[0]!.code }));
    const a = ok(await post(res2, { text: '已核实住户' })).opinion;
    expect(a.author.verified).toBe(true);
  });

  it('gives the facilitator the digest by stance and group, and puts an opinion on the floor for everyone', async () => {
    const top = ok(await post(res, { text: '最多人附议', stance: 'suggestion' })).opinion;
    ok(await emit(res2.s, 'opinion:second', { meetingId, opinionId: top.id, seconded: true }));
    ok(await emit(mem.s, 'opinion:second', { meetingId, opinionId: top.id, seconded: true }));
    ok(await emit(sec.s, 'opinion:second', { meetingId, opinionId: top.id, seconded: true }));
    // view:get may answer with a snapshot up to a second old (live-views.ts#recent): ask until it has the seconds.
    let d: OpinionDigest | undefined;
    await waitFor(
      async () => {
        d = ok(await emit(fac.s, 'view:get', { meetingId, kind: 'opinionDigest', key: 'item-1' })).view.data as OpinionDigest;
        return d.top[0]?.id === top.id && d.top[0].seconds === 3;
      },
      5_000,
      'the digest',
    );
    if (!d) throw new Error('no digest');
    expect(d.counts.find((c) => c.stance === 'concern' && c.group === 'residents')!.count).toBeGreaterThan(0);
    expect(d.counts.find((c) => c.stance === 'support' && c.group === pm.c.council.groups[2].id)!.count).toBe(1);
    expect(await emit(res.s, 'view:get', { meetingId, kind: 'opinionDigest', key: 'item-1' })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(await emit(mem.s, 'view:get', { meetingId, kind: 'opinionDigest', key: 'item-1' })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    ok(await emit(fac.s, 'opinion:floor', { meetingId, opinionId: top.id }));
    await waitFor(
      () => (viewOf(res2.views, meetingId, 'opinions')?.data as OpinionsView | undefined)?.floor?.opinionId === top.id,
      5_000,
      'the floor',
    );
    const floor = (viewOf(res2.views, meetingId, 'opinions')!.data as OpinionsView).floor!;
    expect(floor).toMatchObject({ text: '最多人附议', stance: 'suggestion', author: { name: '王阿姨<b>', kind: 'resident' } });
    // Hiding it takes it off the floor.
    ok(await emit(fac.s, 'opinion:hide', { meetingId, opinionId: top.id, reason: 'duplicate' }));
    await waitFor(() => (viewOf(res2.views, meetingId, 'opinions')?.data as OpinionsView | undefined)?.floor === null, 5_000, 'off the floor');
  });

  it('lets another feature post under a member’s name', async () => {
    const watcher = await follow(fac, meetingId, null);
    const o = await pm.app.services.opinions.postAsMember({
      meetingId: meetingId as never,
      itemId: null,
      memberId: pm.c.memberId,
      stance: 'oppose',
      text: '阻止理由：预算不足',
    });
    expect(o).toMatchObject({ stance: 'oppose', author: { kind: 'member', name: '张业主' } });
    await waitFor(() => watcher.byId.has(o.id), 5_000, 'pushed');
    await expect(
      pm.app.services.opinions.postAsMember({
        meetingId: meetingId as never,
        itemId: null,
        memberId: randomUUID() as never,
        stance: 'oppose',
        text: 'x',
      }),
    ).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('freezes threads when the meeting closes: read-only, typed errors', async () => {
    ok(await emit(fac.s, 'meeting:transition', { meetingId, to: 'live' }));
    ok(await emit(fac.s, 'meeting:transition', { meetingId, to: 'closed' }));
    expect(await post(mem, {})).toMatchObject({ ok: false, error: { code: 'meeting_closed' } });
    const r = ok(await emit(mem.s, 'opinions:page', { meetingId, itemId: 'item-1', before: 1_000_000 }));
    expect(r.entries.length).toBeGreaterThan(0);
    const someone = r.entries.find((o: Opinion) => o.state === 'visible')!;
    expect(await emit(res2.s, 'opinion:second', { meetingId, opinionId: someone.id, seconded: true })).toMatchObject({
      ok: false,
      error: { code: 'meeting_closed' },
    });
  });
});

describe('opinion rate limits, in process', () => {
  let pm: PollMeeting;
  beforeAll(async () => {
    pm = await setUpPollMeeting();
  }, 120_000);
  afterAll(async () => {
    await pm?.dispose();
  });

  it('lets a session post 5 opinions a minute and second 30 times, then says rate_limited', async () => {
    const { id: meetingId, joinCode } = await pm.newMeeting('限流');
    const fac = await pm.open(pm.c.facilitator, meetingId);
    ok(await emit(fac.s, 'meeting:transition', { meetingId, to: 'scheduled' }));
    const c = new ApiClient(pm.app.url);
    await c.ok('POST', '/api/join', { code: joinCode, displayName: '连发' });
    const j = await pm.open(c, meetingId);
    const results = [];
    for (let i = 0; i < 6; i++)
      results.push(await emit(j.s, 'opinion:post', { meetingId, itemId: null, stance: 'support', text: `第${i}条`, clientKey: randomUUID() }));
    expect(results.slice(0, 5).every((r) => r.ok)).toBe(true);
    expect(results[5]).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    const target = ok(
      await emit(fac.s, 'opinion:post', { meetingId, itemId: null, stance: 'support', text: '附议我', clientKey: randomUUID() }),
    ).opinion;
    const seconds = [];
    for (let i = 0; i < 31; i++) seconds.push(await emit(j.s, 'opinion:second', { meetingId, opinionId: target.id, seconded: i % 2 === 0 }));
    expect(seconds.slice(0, 30).every((r) => r.ok)).toBe(true);
    expect(seconds[30]).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
  });
});
