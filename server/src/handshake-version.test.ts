import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientResults, PROTOCOL_VERSION } from '@yishi/protocol';
import { ApiClient, connected, emit, type YishiClientSocket } from '../../test/support/client.ts';
import { setUpCouncil } from '../../test/support/council.ts';
import { startInProcess } from '../../test/support/in-process.ts';

/**
 * A page left open across an update speaks an older protocol: the handshake refuses it with
 * protocol_mismatch (which the web app turns into "reload the page"), before any session work.
 */
describe('the socket handshake checks PROTOCOL_VERSION', () => {
  let app: Awaited<ReturnType<typeof startInProcess>>;
  let c: Awaited<ReturnType<typeof setUpCouncil>>;
  let meetingId: string;
  const sockets: YishiClientSocket[] = [];
  const track = (s: YishiClientSocket) => (sockets.push(s), s);

  beforeAll(async () => {
    app = await startInProcess();
    c = await setUpCouncil(app.url, app.setupUrl!);
    meetingId = (await c.facilitator.ok('POST', '/api/meetings', { title: '版本', startsAt: '2026-12-01T19:00:00+08:00', place: '', mode: 'hybrid' })).id;
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await app?.dispose();
  });

  it('admits a client built for this version, whose acks match their schemas', async () => {
    const s = track(c.member.socket());
    await connected(s);
    const r = await emit(s, 'meeting:join', { meetingId });
    expect(r.ok).toBe(true);
    const data = ClientResults['meeting:join'].parse(r.ok && r.data);
    expect(data.views.map((v) => v.kind).sort()).toEqual(['meeting', 'polls', 'presence', 'tallies']);
  });

  it('refuses another version, and a client that sends none, with protocol_mismatch', async () => {
    for (const auth of [{ protocolVersion: PROTOCOL_VERSION + 1 }, { protocolVersion: PROTOCOL_VERSION - 1 }, { protocolVersion: String(PROTOCOL_VERSION) }, {}, null]) {
      const s = track(c.member.socket({ auth }));
      await expect(connected(s), JSON.stringify(auth)).rejects.toThrow('protocol_mismatch');
      // A refused handshake is not retried by socket.io: the page has to reload.
      expect(s.active).toBe(false);
    }
  });

  it('checks the version before the session: an old page that is also signed out still learns to reload', async () => {
    const signedOut = new ApiClient(app.url);
    await expect(connected(track(signedOut.socket({ auth: { protocolVersion: PROTOCOL_VERSION + 1 } })))).rejects.toThrow('protocol_mismatch');
    await expect(connected(track(signedOut.socket()))).rejects.toThrow('unauthenticated');
  });
});
