import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, connected, emit, trackViews, viewOf, joinTracking, type YishiClientSocket } from '../../test/support/client.ts';
import { JOIN_VIEW_KINDS } from '../../test/support/views.ts';
import { setUpCouncil } from '../../test/support/council.ts';
import { startInProcess } from '../../test/support/in-process.ts';
import { waitFor } from '../../test/support/ports.ts';

/** The foundation's user story on one embedded instance: set up, meet, join, watch it change live. */
describe('a live meeting on the embedded default', () => {
  let app: Awaited<ReturnType<typeof startInProcess>>;
  let c: Awaited<ReturnType<typeof setUpCouncil>>;
  const sockets: YishiClientSocket[] = [];

  beforeAll(async () => {
    app = await startInProcess();
    c = await setUpCouncil(app.url, app.setupUrl!);
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await app?.dispose();
  });

  it('sets the council up: quorum rule, a custom group, a member moved into it', async () => {
    expect((await new ApiClient(app.url).ok('GET', '/api/session')).needsSetup).toBe(false);
    let council = await c.admin.ok('PATCH', '/api/council', { quorum: { kind: 'count', count: 2 } });
    expect(council.quorum).toEqual({ kind: 'count', count: 2 });
    council = await c.admin.ok('POST', '/api/council/groups', { name: '志愿者协会' });
    const volunteers = council.groups.at(-1);
    council = await c.admin.ok('PATCH', `/api/council/members/${c.memberId}`, { groupId: volunteers.id });
    expect(council.members.find((m: { id: string }) => m.id === c.memberId).groupId).toBe(volunteers.id);
  });

  it('lets a member set a password and sign in with it', async () => {
    await c.member.ok('PUT', '/api/me/password', { login: 'zhang', password: 'correct horse' });
    const other = new ApiClient(app.url);
    expect((await other.call('POST', '/api/auth/password', { login: 'zhang', password: 'wrong one!' })).body).toMatchObject({
      error: { code: 'bad_credentials' },
    });
    const s = await other.ok('POST', '/api/auth/password', { login: 'ZHANG', password: 'correct horse' });
    expect(s).toMatchObject({ kind: 'member', member: { id: c.memberId, login: 'zhang' } });
  });

  it('shows everyone the meeting going live, who is present, and quorum, without reloading', async () => {
    const m = await c.facilitator.ok('POST', '/api/meetings', {
      title: '加装电梯议事',
      startsAt: '2026-12-01T19:00:00+08:00',
      place: '三楼会议室',
      mode: 'hybrid',
    });
    const preview = await new ApiClient(app.url).ok('GET', `/api/join/${m.joinCode.toLowerCase()}`);
    expect(preview).toMatchObject({ meetingId: m.id, title: '加装电梯议事', state: 'draft' });

    const resident = new ApiClient(app.url);
    const session = await resident.ok('POST', '/api/join', { code: m.joinCode, displayName: '刘阿姨' });
    expect(session).toMatchObject({ kind: 'resident', meetingId: m.id });
    const rs = resident.socket();
    sockets.push(rs);
    const rViews = await joinTracking(rs, m.id);
    expect(viewOf(rViews, m.id, 'meeting')!.data.state).toBe('draft');
    expect(viewOf(rViews, m.id, 'presence')!.data).toMatchObject({ residents: 1, members: [] });

    const fs = c.facilitator.socket();
    sockets.push(fs);
    await connected(fs);
    await emit(fs, 'meeting:join', { meetingId: m.id });
    await waitFor(() => viewOf(rViews, m.id, 'presence')?.data.members.length === 1, 3000, 'the facilitator to appear');

    const live = await emit(fs, 'meeting:transition', { meetingId: m.id, to: 'live', expectedVersion: 1 });
    expect(live).toMatchObject({ ok: true, data: { view: { data: { state: 'live', version: 2 } } } });
    await waitFor(() => viewOf(rViews, m.id, 'meeting')?.data.state === 'live', 1000, 'the resident to see live');

    // A stale second press is refused instead of silently applied.
    expect(await emit(fs, 'meeting:transition', { meetingId: m.id, to: 'adjourned', expectedVersion: 1 })).toMatchObject({
      ok: false,
      error: { code: 'conflict' },
    });
    expect(await emit(fs, 'meeting:transition', { meetingId: m.id, to: 'draft' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_transition' },
    });

    // Quorum is 2 members: the facilitator online plus the member marked present in the room.
    expect(viewOf(rViews, m.id, 'presence')!.data.quorum).toEqual({ required: 2, present: 1, members: 3, met: false });
    expect(await emit(fs, 'attendance:mark', { meetingId: m.id, memberId: c.memberId, inRoom: true })).toEqual({ ok: true, data: null });
    await waitFor(() => viewOf(rViews, m.id, 'presence')?.data.quorum.met, 1000, 'quorum to be met');
    const p = viewOf(rViews, m.id, 'presence')!.data;
    expect(p.members.find((x) => x.memberId === c.memberId)).toMatchObject({ inRoom: true, online: false, name: '张业主' });

    // The member's phone connects too: still counted once.
    const ms = c.member.socket();
    sockets.push(ms);
    await connected(ms);
    await emit(ms, 'meeting:join', { meetingId: m.id });
    await waitFor(() => viewOf(rViews, m.id, 'presence')?.data.members.find((x) => x.memberId === c.memberId)?.online, 1000, 'member online');
    expect(viewOf(rViews, m.id, 'presence')!.data.quorum.present).toBe(2);

    // Leaving is seen too.
    fs.close();
    await waitFor(() => viewOf(rViews, m.id, 'presence')?.data.members.every((x) => x.memberId !== c.facilitatorId), 2000, 'facilitator gone');

    // A missed broadcast heals by refetching the snapshot.
    const again = await emit(rs, 'view:get', { meetingId: m.id, kind: 'meeting' });
    expect(again).toMatchObject({ ok: true, data: { view: { kind: 'meeting', data: { state: 'live' } } } });
  });

  it('sends at most a few presence snapshots a second however many people arrive', async () => {
    const m = await c.facilitator.ok('POST', '/api/meetings', { title: 'burst', startsAt: '2026-12-02T19:00:00+08:00', mode: 'online' });
    const watcher = c.admin.socket();
    sockets.push(watcher);
    await connected(watcher);
    let received = 0;
    watcher.on('view', (v) => {
      if (v.meetingId === m.id && v.kind === 'presence') received++;
    });
    const views = trackViews(watcher);
    await emit(watcher, 'meeting:join', { meetingId: m.id });
    const started = Date.now();
    const arrivals = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const r = new ApiClient(app.url);
        await r.ok('POST', '/api/join', { code: m.joinCode, displayName: `居民${i}` });
        const s = r.socket();
        sockets.push(s);
        await connected(s);
        return emit(s, 'meeting:join', { meetingId: m.id });
      }),
    );
    expect(arrivals.every((a) => a.ok)).toBe(true);
    await waitFor(() => viewOf(views, m.id, 'presence')?.data.residents === 30, 3000, 'all 30 residents counted');
    const seconds = (Date.now() - started) / 1000;
    expect(received).toBeLessThanOrEqual(Math.ceil(seconds * 4) + 2);
  });

  it('forgets the views of meetings nobody has touched for a minute, and serves them again on demand', async () => {
    const live = app.services.live;
    const before = live.size;
    expect(before.snapshots).toBeGreaterThan(0);
    // A view with a push still scheduled is kept until it has gone out; pushes are 250 ms apart.
    await waitFor(
      () => {
        live.sweep(Date.now() + 61_000);
        return live.size.keys === 0 && live.size.snapshots === 0;
      },
      2000,
      'every idle view forgotten',
    );
    // A later joiner gets a fresh snapshot as if nothing happened.
    const m = (await c.facilitator.ok('GET', '/api/meetings'))[0];
    const s = c.facilitator.socket();
    sockets.push(s);
    await connected(s);
    const joined = await emit(s, 'meeting:join', { meetingId: m.id });
    expect(joined.ok && joined.data.views.map((v) => v.kind).sort()).toEqual(JOIN_VIEW_KINDS);
    expect(live.size.snapshots).toBeGreaterThan(0);
  });
});
