import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiClient, connected, emit, type YishiClientSocket } from '../../test/support/client.ts';
import { setUpCouncil } from '../../test/support/council.ts';
import { startInProcess, adminOfAnotherCouncil } from '../../test/support/in-process.ts';
import { waitFor } from '../../test/support/ports.ts';

/**
 * Issue 8, "No single person takes the meeting down", on one embedded instance (the memory
 * fan-out; the two-instance flood is test/integration/flood.test.ts).
 */
type App = Awaited<ReturnType<typeof startInProcess>>;
const sockets: YishiClientSocket[] = [];
const track = (s: YishiClientSocket) => (sockets.push(s), s);
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

const meetingBody = { title: '停车位议题', startsAt: '2026-12-01T19:00:00+08:00', place: '', mode: 'hybrid' };
const connectError = (s: YishiClientSocket) =>
  new Promise<string>((resolve) => {
    s.once('connect_error', (err) => resolve(err.message));
    s.once('connect', () => resolve('connected'));
  });

describe('one instance under one person', () => {
  let app: App;
  let c: Awaited<ReturnType<typeof setUpCouncil>>;
  let meetingId: string;
  let joinCode: string;

  beforeAll(async () => {
    app = await startInProcess({ SOCKETS_PER_SESSION: '3', SOCKET_IDLE_SECONDS: '1', AUTH_RATE_PER_MINUTE: '6' });
    c = await setUpCouncil(app.url, app.setupUrl!);
    const m = await c.facilitator.ok('POST', '/api/meetings', meetingBody);
    meetingId = m.id;
    joinCode = m.joinCode;
  });
  afterAll(async () => {
    await app?.dispose();
  });

  it('believes no X-Forwarded-For unless TRUST_PROXY says so', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await fetch(`${app.url}/api/join/ZZZZZZ`, { headers: { 'x-forwarded-for': `10.1.2.${i + 1}` } });
      statuses.push(r.status);
    }
    // Six a minute from this one address, whatever each request claims to be.
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(4);
  });

  it('caps the live connections of one session', async () => {
    const first = [track(c.member.socket()), track(c.member.socket()), track(c.member.socket())];
    await Promise.all(first.map(connected));
    const fourth = track(c.member.socket());
    expect(await connectError(fourth)).toBe('too_many_connections');
    // Another session is not affected, and a closed socket frees its place.
    const other = track(c.facilitator.socket());
    await connected(other);
    first[0]!.close();
    await waitFor(
      async () => {
        const again = c.member.socket();
        const r = await connectError(again);
        again.close();
        return r === 'connected';
      },
      5_000,
      'a freed place',
    );
  });

  it('drops a live connection that never joins a meeting, and keeps one that does', async () => {
    const idle = track(c.facilitator.socket());
    const busy = track(c.member.socket());
    await Promise.all([connected(idle), connected(busy)]);
    expect(await emit(busy, 'meeting:join', { meetingId })).toMatchObject({ ok: true });
    const reason = await new Promise<string>((resolve) => idle.once('disconnect', resolve));
    expect(reason).toBe('io server disconnect');
    expect(busy.connected).toBe(true);
    expect(await emit(busy, 'view:get', { meetingId, kind: 'meeting' })).toMatchObject({ ok: true });
  });

  it('serves view:get from the coalesced snapshot, not a computation per call', async () => {
    const s = track(c.member.socket());
    await connected(s);
    expect(await emit(s, 'meeting:join', { meetingId })).toMatchObject({ ok: true });
    const compute = vi.spyOn(app.services.live as unknown as { compute: (...a: unknown[]) => unknown }, 'compute');
    try {
      const replies = await Promise.all(Array.from({ length: 30 }, () => emit(s, 'view:get', { meetingId, kind: 'polls' })));
      expect(replies.every((r) => r.ok)).toBe(true);
      expect(compute.mock.calls.length).toBeLessThanOrEqual(2);
    } finally {
      compute.mockRestore();
    }
  });

  it('tells a browser bad_origin, not a generic websocket error', async () => {
    const s = track(c.member.socket({ origin: 'http://evil.example' }));
    expect(await connectError(s)).toBe('bad_origin');
  });

  it('refuses state-changing HTTP requests from another origin, even on the same host', async () => {
    const port = new URL(app.url).port;
    const evil = `http://127.0.0.1:${Number(port) + 1}`;
    const forged = (method: string, path: string, origin: string | null, headers: Record<string, string> = {}) =>
      fetch(app.url + path, { method, headers: { cookie: c.admin.cookie, ...(origin ? { origin } : {}), ...headers } });
    const before = await c.admin.ok('GET', '/api/council');
    const rotate = await forged('POST', `/api/council/members/${c.memberId}/link`, evil);
    expect(rotate.status).toBe(403);
    expect(await rotate.json()).toMatchObject({ error: { code: 'bad_origin' } });
    expect((await forged('POST', '/api/auth/logout', evil)).status).toBe(403);
    expect((await forged('DELETE', `/api/council/members/${c.memberId}/link`, 'null')).status).toBe(403);
    // A browser that sends no Origin still says where it comes from, or cannot send JSON cross-site.
    expect((await forged('POST', '/api/auth/logout', null, { 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect((await forged('POST', '/api/auth/logout', null, { 'content-type': 'text/plain' })).status).toBe(403);
    // Nothing changed: the admin is still signed in, the member's session still works.
    expect((await c.admin.ok('GET', '/api/session')).kind).toBe('member');
    expect((await c.member.ok('GET', '/api/session')).kind).toBe('member');
    expect((await c.admin.ok('GET', '/api/council')).members).toEqual(before.members);
    // Same origin (as ApiClient sends, like a browser) works.
    expect((await c.admin.call('POST', `/api/council/members/${c.memberId}/link`)).status).toBe(200);
  });

  it('answers NUL characters with 400 and nothing in the log', async () => {
    const r1 = await c.admin.call('POST', '/api/council/members', { name: '张\u0000三', groupId: c.council.groups[0].id, role: 'member' });
    expect(r1).toMatchObject({ status: 400, body: { error: { code: 'invalid_input', fields: ['name'] } } });
    const r2 = await c.facilitator.call('POST', '/api/meetings', { ...meetingBody, title: 'a\u0000b' });
    expect(r2).toMatchObject({ status: 400, body: { error: { code: 'invalid_input', fields: ['title'] } } });
    const r3 = await c.facilitator.call('POST', '/api/meetings', { ...meetingBody, place: 'x\u0000' });
    expect(r3.status).toBe(400);
    const resident = new ApiClient(app.url);
    // Under this test's join limit of 6 a minute: this request is the 11th from this address,
    // so it is refused by the limit or the schema, never with a 500.
    const r4 = await resident.call('POST', '/api/join', { code: `${joinCode}\u0000`, displayName: '居民' });
    expect([400, 429]).toContain(r4.status);
  });

  it('refuses names that are only control or invisible characters', async () => {
    for (const name of ['\u200b\u200b\u200b', '\u0007\u0008', '\u2060\ufeff\u200d', ' \u3000 ', '\u202e']) {
      const r = await c.admin.call('POST', '/api/council/members', { name, groupId: c.council.groups[0].id, role: 'member' });
      expect(r, JSON.stringify(name)).toMatchObject({ status: 400, body: { error: { code: 'invalid_input' } } });
      const g = await c.admin.call('POST', '/api/council/groups', { name });
      expect(g.status, JSON.stringify(name)).toBe(400);
    }
    // Names with an invisible character inside still work (joiners in emoji sequences, say).
    const ok = await c.admin.call('POST', '/api/council/members', { name: '李\u200d四', groupId: c.council.groups[0].id, role: 'member' });
    expect(ok.status).toBe(200);
  });

  it("answers 404 for another council's group, not 409", async () => {
    const stranger = await adminOfAnotherCouncil(app);
    const theirs = await stranger.ok('GET', '/api/council');
    const occupied = theirs.members[0].groupId as string;
    const r = await c.admin.call('DELETE', `/api/council/groups/${occupied}`);
    expect(r).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect((await stranger.ok('GET', '/api/council')).groups).toEqual(theirs.groups);
  });

  it('sends a Content-Security-Policy with frame-ancestors on the web app', async () => {
    const r = await fetch(`${app.url}/`);
    const csp = r.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'self'");
    expect(r.headers.get('x-frame-options')).toBe('DENY');
  });
});

describe('sockets per address', () => {
  let app: App;
  let c: Awaited<ReturnType<typeof setUpCouncil>>;
  beforeAll(async () => {
    app = await startInProcess({ SOCKETS_PER_SESSION: '3', SOCKETS_PER_ADDRESS: '5' });
    c = await setUpCouncil(app.url, app.setupUrl!);
  });
  afterAll(async () => {
    await app?.dispose();
  });

  it('caps the live connections from one address across sessions', async () => {
    const accepted = [c.admin, c.admin, c.admin, c.member, c.member].map((who) => track(who.socket()));
    await Promise.all(accepted.map(connected));
    expect(await connectError(track(c.facilitator.socket()))).toBe('too_many_connections');
  });
});
