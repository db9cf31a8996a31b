import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, connected, type YishiClientSocket } from '../../test/support/client.ts';
import { setUpCouncil } from '../../test/support/council.ts';
import { startInProcess } from '../../test/support/in-process.ts';
import { lanAddresses } from './http/link-origin.ts';

/** GET with a chosen Host header, as a browser that opened the server by that name sends it. */
function getAs(port: number, host: string, path: string, cookie: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host, cookie } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Decision 12: with no PUBLIC_ORIGIN, every link and QR code must be one a phone on the same
 * network can open. The facilitator often works on the laptop running Yishi, at localhost:
 * links built from that address reach no phone. Listening on all interfaces (the default), the
 * server builds them on its LAN address instead.
 */
describe('links with no PUBLIC_ORIGIN, listening on all interfaces', () => {
  let app: Awaited<ReturnType<typeof startInProcess>>;
  let c: Awaited<ReturnType<typeof setUpCouncil>>;
  let port = 0;
  let lanOrigin = '';
  const sockets: YishiClientSocket[] = [];

  beforeAll(async () => {
    app = await startInProcess({ HOST: '0.0.0.0' });
    port = (app.http.address() as { port: number }).port;
    const lan = lanAddresses();
    // On a machine with no network but loopback, localhost is all there is.
    lanOrigin = lan[0] ? `http://${lan[0]}:${port}` : `http://localhost:${port}`;
    c = await setUpCouncil(app.url, app.setupUrl!);
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await app?.dispose();
  });

  it('the setup link printed at start uses the LAN address', () => {
    expect(app.setupUrl).toMatch(new RegExp(`^${lanOrigin.replaceAll('.', '\\.')}/setup\\?token=`));
  });

  it('a sign-in link issued from a browser at localhost uses the LAN address', async () => {
    const local = new ApiClient(`http://localhost:${port}`);
    local.cookie = c.admin.cookie;
    const link = await local.ok('POST', `/api/council/members/${c.memberId}/link`);
    expect(link.url).toMatch(new RegExp(`^${lanOrigin.replaceAll('.', '\\.')}/signin/`));
  });

  it('the web app gets the same origin for its join QR codes, and the name the browser used otherwise', async () => {
    expect(await getAs(port, `localhost:${port}`, '/api/link-origin', c.facilitator.cookie)).toEqual({ status: 200, body: { origin: lanOrigin } });
    expect(await getAs(port, `127.0.0.1:${port}`, '/api/link-origin', c.facilitator.cookie)).toEqual({ status: 200, body: { origin: lanOrigin } });
    expect(await getAs(port, `yishi.test:${port}`, '/api/link-origin', c.facilitator.cookie)).toEqual({
      status: 200,
      body: { origin: `http://yishi.test:${port}` },
    });
    // Only members build links.
    expect((await getAs(port, `localhost:${port}`, '/api/link-origin', '')).status).toBe(401);
  });

  it('a page opened at the LAN address may open its websocket; a foreign page still may not', async () => {
    const lan = lanAddresses()[0] ?? '127.0.0.1';
    const base = `http://${lan}:${port}`;
    const same = c.member.socket({ base, origin: base });
    sockets.push(same);
    await connected(same);
    const foreign = c.member.socket({ base, origin: `http://evil.example:${port}` });
    sockets.push(foreign);
    await expect(connected(foreign)).rejects.toThrow();
  });
});

describe('links with PUBLIC_ORIGIN', () => {
  let app: Awaited<ReturnType<typeof startInProcess>>;
  beforeAll(async () => {
    app = await startInProcess({ HOST: '0.0.0.0', PUBLIC_ORIGIN: 'https://yishi.example.org' });
  });
  afterAll(async () => {
    await app?.dispose();
  });

  it('uses it for every link, whatever address the browser used', async () => {
    expect(app.setupUrl).toMatch(/^https:\/\/yishi\.example\.org\/setup\?token=/);
    const c = await setUpCouncil(app.url, app.setupUrl!);
    const link = await c.admin.ok('POST', `/api/council/members/${c.memberId}/link`);
    expect(link.url).toMatch(/^https:\/\/yishi\.example\.org\/signin\//);
    expect((await c.facilitator.ok('GET', '/api/link-origin')).origin).toBe('https://yishi.example.org');
  });
});
