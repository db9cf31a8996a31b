import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientResults, PROTOCOL_VERSION } from '@yishi/protocol';
import { newToken } from './auth/tokens.ts';
import { ApiClient, connected, emit, type YishiClientSocket } from '../../test/support/client.ts';
import { JOIN_VIEW_KINDS } from '../../test/support/views.ts';
import { setUpCouncil } from '../../test/support/council.ts';
import { startInProcess, adminOfAnotherCouncil } from '../../test/support/in-process.ts';

/** Hostile input: every case gets a typed refusal, changes nothing, and the server stays up. */
describe('bad input and security', () => {
  let app: Awaited<ReturnType<typeof startInProcess>>;
  let c: Awaited<ReturnType<typeof setUpCouncil>>;
  let meetingId: string;
  let joinCode: string;
  const sockets: YishiClientSocket[] = [];
  const track = (s: YishiClientSocket) => (sockets.push(s), s);

  beforeAll(async () => {
    app = await startInProcess();
    c = await setUpCouncil(app.url, app.setupUrl!);
    const m = await c.facilitator.ok('POST', '/api/meetings', {
      title: '停车位议题',
      startsAt: '2026-12-01T19:00:00+08:00',
      place: '',
      mode: 'hybrid',
    });
    meetingId = m.id;
    joinCode = m.joinCode;
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await app?.dispose();
  });

  const healthy = async () => {
    const r = await fetch(`${app.url}/healthz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ status: 'ok', storage: 'pglite', fanout: 'memory' });
  };

  it('refuses a cross-origin websocket handshake', async () => {
    const s = track(c.member.socket({ origin: 'http://evil.example' }));
    await expect(connected(s)).rejects.toThrow();
    expect(s.connected).toBe(false);
    await healthy();
  });

  it('refuses a socket without a session', async () => {
    const anon = new ApiClient(app.url);
    const s = track(anon.socket());
    await expect(connected(s)).rejects.toThrow('unauthenticated');
    const forged = new ApiClient(app.url);
    forged.cookie = `yishi_session=${newToken()}`;
    await expect(connected(track(forged.socket()))).rejects.toThrow('unauthenticated');
    await healthy();
  });

  // A page left open across an update speaks an older protocol: the handshake refuses it with
  // protocol_mismatch (which the web app turns into "reload the page"), before any session work.
  it('admits a client built for this protocol version, whose acks match their schemas', async () => {
    const s = track(c.member.socket());
    await connected(s);
    const r = await emit(s, 'meeting:join', { meetingId });
    expect(r.ok).toBe(true);
    const data = ClientResults['meeting:join'].parse(r.ok && r.data);
    expect(data.views.map((v) => v.kind).sort()).toEqual(JOIN_VIEW_KINDS);
  });

  it('refuses another protocol version, and a client that sends none, with protocol_mismatch', async () => {
    for (const auth of [
      { protocolVersion: PROTOCOL_VERSION + 1 },
      { protocolVersion: PROTOCOL_VERSION - 1 },
      { protocolVersion: String(PROTOCOL_VERSION) },
      {},
      null,
    ]) {
      const s = track(c.member.socket({ auth }));
      await expect(connected(s), JSON.stringify(auth)).rejects.toThrow('protocol_mismatch');
      // A refused handshake is not retried by socket.io: the page has to reload.
      expect(s.active).toBe(false);
    }
    // Checked before the session: an old page that is also signed out still learns to reload.
    const signedOut = new ApiClient(app.url);
    await expect(connected(track(signedOut.socket({ auth: { protocolVersion: PROTOCOL_VERSION + 1 } })))).rejects.toThrow('protocol_mismatch');
    await expect(connected(track(signedOut.socket()))).rejects.toThrow('unauthenticated');
    await healthy();
  });

  it('refuses actions by the wrong role, and changes nothing', async () => {
    const member = track(c.member.socket());
    await connected(member);
    expect(await emit(member, 'meeting:join', { meetingId })).toMatchObject({ ok: true });
    expect(await emit(member, 'meeting:transition', { meetingId, to: 'live' })).toEqual({ ok: false, error: { code: 'forbidden' } });
    expect(await emit(member, 'attendance:mark', { meetingId, memberId: c.memberId, inRoom: true })).toEqual({
      ok: false,
      error: { code: 'forbidden' },
    });

    const resident = new ApiClient(app.url);
    await resident.ok('POST', '/api/join', { code: joinCode, displayName: '居民甲' });
    const rs = track(resident.socket());
    await connected(rs);
    expect(await emit(rs, 'meeting:join', { meetingId })).toMatchObject({ ok: true });
    expect(await emit(rs, 'meeting:transition', { meetingId, to: 'live' })).toEqual({ ok: false, error: { code: 'forbidden' } });
    expect((await resident.call('POST', '/api/meetings', { title: 'x', startsAt: '2026-12-01T19:00:00Z', mode: 'online' })).status).toBe(403);
    expect((await c.member.call('POST', '/api/council/members', { name: 'x', groupId: c.council.groups[0].id, role: 'admin' })).status).toBe(403);

    expect((await c.admin.ok('GET', `/api/meetings/${meetingId}`)).state).toBe('draft');
    await healthy();
  });

  it('keeps councils apart: an admin of another council cannot see or run this meeting', async () => {
    const stranger = await adminOfAnotherCouncil(app);
    expect((await stranger.call('GET', `/api/meetings/${meetingId}`)).status).toBe(403);
    const s = track(stranger.socket());
    await connected(s);
    expect(await emit(s, 'meeting:join', { meetingId })).toEqual({ ok: false, error: { code: 'forbidden' } });
    expect(await emit(s, 'meeting:transition', { meetingId, to: 'live' })).toEqual({ ok: false, error: { code: 'forbidden' } });
    expect(await emit(s, 'view:get', { meetingId, kind: 'presence' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect((await stranger.ok('GET', '/api/council')).name).toBe('隔壁社区');
  });

  it('answers malformed socket payloads with invalid_input', async () => {
    const s = track(c.facilitator.socket());
    await connected(s);
    for (const bad of [null, 42, 'meeting', [], { meetingId: 'not-a-uuid' }, { meetingId, to: 'exploded' }]) {
      const r = await emit(s, 'meeting:transition', bad);
      expect(r).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    }
    // An event without an ack callback and an unknown event must not hurt either.
    (s.emit as (e: string, p: unknown) => void)('meeting:join', { meetingId });
    (s.emit as (e: string, p: unknown) => void)('no:such:event', { x: 1 });
    expect(await emit(s, 'meeting:join', { meetingId })).toMatchObject({ ok: true });
    expect((await c.admin.ok('GET', `/api/meetings/${meetingId}`)).state).toBe('draft');
    await healthy();
  });

  it('answers malformed and invalid HTTP bodies with typed errors', async () => {
    const r1 = await c.facilitator.call('POST', '/api/meetings', '{"title": ');
    expect(r1).toMatchObject({ status: 400, body: { error: { code: 'invalid_input' } } });
    const r2 = await c.facilitator.call('POST', '/api/meetings', { title: '', startsAt: 'tomorrow', mode: 'zoom' });
    expect(r2.status).toBe(400);
    expect((r2.body as { error: { fields: string[] } }).error.fields).toEqual(expect.arrayContaining(['title', 'startsAt', 'mode']));
    const r3 = await c.admin.call('PATCH', '/api/council/members/not-a-uuid', { role: 'admin' });
    expect(r3).toMatchObject({ status: 400, body: { error: { code: 'invalid_input' } } });
    const r4 = await c.admin.call('GET', '/api/no-such-endpoint');
    expect(r4).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(await c.facilitator.ok('GET', '/api/meetings')).toHaveLength(1);
  });

  it('refuses oversized messages and bodies', async () => {
    const big = 'x'.repeat(64 * 1024);
    const r = await c.facilitator.call('POST', '/api/meetings', { title: big, startsAt: '2026-12-01T19:00:00Z', mode: 'online' });
    expect(r).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });

    const victim = track(c.facilitator.socket());
    await connected(victim);
    const bystander = track(c.member.socket());
    await connected(bystander);
    const closed = new Promise<string>((resolve) => victim.once('disconnect', (reason) => resolve(reason)));
    (victim.emit as (e: string, p: unknown) => void)('meeting:join', { meetingId, padding: big });
    expect(await closed).toBe('transport close');
    // The server dropped only that connection.
    expect(await emit(bystander, 'meeting:join', { meetingId })).toMatchObject({ ok: true });
    expect(await c.facilitator.ok('GET', '/api/meetings')).toHaveLength(1);
    await healthy();
  });

  it('signs in by link only with a live link, and a revoked link ends its sessions', async () => {
    const r = await c.admin.ok('POST', `/api/council/members/${c.memberId}/link`);
    const fresh = new ApiClient(app.url);
    await fresh.ok('POST', '/api/auth/link', { token: r.url.split('/signin/')[1] });
    expect((await fresh.ok('GET', '/api/session')).kind).toBe('member');
    // A live connection opened with that session, following the meeting.
    const live = track(fresh.socket());
    await connected(live);
    expect(await emit(live, 'meeting:join', { meetingId })).toMatchObject({ ok: true });
    const dropped = new Promise<string>((resolve) => live.once('disconnect', resolve));

    await c.admin.ok('DELETE', `/api/council/members/${c.memberId}/link`);
    expect((await fresh.ok('GET', '/api/session')).kind).toBe('anonymous');
    // The connection ends with the session, and cannot come back with the old cookie.
    expect(await dropped).toBe('io server disconnect');
    const retry = track(fresh.socket());
    await expect(connected(retry)).rejects.toThrow('unauthenticated');
    const again = new ApiClient(app.url);
    expect((await again.call('POST', '/api/auth/link', { token: r.url.split('/signin/')[1] })).body).toMatchObject({
      error: { code: 'bad_credentials' },
    });
  });
  it("signing out ends that session's live connections, and only those", async () => {
    const resident = new ApiClient(app.url);
    await resident.ok('POST', '/api/join', { code: joinCode, displayName: '退出的居民' });
    const mine = track(resident.socket());
    const other = track(c.facilitator.socket());
    await Promise.all([connected(mine), connected(other)]);
    const dropped = new Promise<string>((resolve) => mine.once('disconnect', resolve));
    await resident.ok('POST', '/api/auth/logout');
    expect(await dropped).toBe('io server disconnect');
    expect(other.connected).toBe(true);
    expect(await emit(other, 'meeting:join', { meetingId })).toMatchObject({ ok: true });
  });

  it('rate-limits joins by code', async () => {
    const flood = new ApiClient(app.url);
    const statuses: number[] = [];
    // In parallel batches: sequentially on a loaded machine, the bucket refills (5 a second) enough to let 320 through.
    for (let i = 0; i < 400; i += 40)
      statuses.push(...(await Promise.all(Array.from({ length: 40 }, async () => (await flood.call('GET', '/api/join/ZZZZZZ')).status))));
    expect(statuses).toContain(429);
    await healthy();
  });
});
