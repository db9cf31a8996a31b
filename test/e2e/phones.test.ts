import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { lanAddresses } from '../../server/src/http/link-origin.ts';
import { connected, emit, type YishiClientSocket } from '../support/client.ts';
import { launchBrowser, signInToMeeting } from '../support/browser.ts';
import { setUpCouncilWithLinks } from '../support/council.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';

/**
 * Decision 12, on a fresh install (no PUBLIC_ORIGIN, listening on all interfaces): the
 * facilitator works on the laptop running Yishi, at 127.0.0.1, yet the join link, its QR code,
 * the voting-code slips and the room display all carry an address a phone on the same network
 * can open. Phones open it over plain HTTP: at a LAN address or a host name the page is not a
 * secure context (only loopback counts as one), so APIs like crypto.randomUUID and
 * navigator.clipboard are missing there. Chromium resolves yishi.test to 127.0.0.1 for these
 * tests, which makes such a page without any network set-up.
 */
vi.setConfig({ expect: { poll: { timeout: 10_000, interval: 50 } } });

describe('phones reach the meeting on a fresh install', () => {
  let server: ServerProcess;
  let browser: Browser;
  let fac: Page;
  let facSocket: YishiClientSocket;
  let meetingId = '';
  let joinCode = '';
  let lanOrigin = '';
  let named = '';
  let adminToken = '';
  let links: { fac: string; m1: string; m2: string };

  const POLL = '周末集市时间';
  const poll = (page: Page, title: string): Locator => page.locator(`[data-testid="poll"][data-title="${title}"]`);

  beforeAll(async () => {
    server = await startServerProcess({ HOST: '0.0.0.0', DATA_DIR: mkdtempSync(path.join(tmpdir(), 'yishi-e2e-phones-')) });
    named = `http://yishi.test:${server.port}`;
    // Where there is no network but loopback, 127.0.0.1 is all there is (and the LAN checks are weak).
    const lan = lanAddresses()[0];
    lanOrigin = lan ? `http://${lan}:${server.port}` : server.url;
    const { c, links: tokens } = await setUpCouncilWithLinks(server);
    links = tokens;
    const me = await c.admin.ok('GET', '/api/session');
    adminToken = (await c.admin.ok('POST', `/api/council/members/${me.member.id}/link`)).url.split('/signin/')[1];
    const m = await c.facilitator.ok('POST', '/api/meetings', { title: '集市议事会', startsAt: '2026-12-01T19:00:00+08:00', mode: 'hybrid' });
    meetingId = m.id;
    joinCode = m.joinCode;
    facSocket = c.facilitator.socket();
    await connected(facSocket);
    await emit(facSocket, 'meeting:join', { meetingId });
    await emit(facSocket, 'meeting:transition', { meetingId, to: 'live' });
    const r = await emit(facSocket, 'poll:create', {
      meetingId,
      title: POLL,
      kind: 'single',
      options: ['周六上午', '周日下午'],
      eligibility: 'everyone',
      // Roll-call: this file is about reaching the meeting; a lone secret ballot would only be
      // counted at the close (sealed batches, sealing.test.ts).
      secrecy: 'roll_call',
      results: 'live',
      rule: { quorum: { kind: 'none' }, threshold: null },
      residentAccess: 'open_unverified',
    });
    if (!r.ok) throw new Error(JSON.stringify(r));
    await emit(facSocket, 'poll:open', { pollId: r.data.poll.definition.id });

    browser = await launchBrowser(['--host-resolver-rules=MAP yishi.test 127.0.0.1']);
    fac = await (await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } })).newPage();
  });
  afterAll(async () => {
    facSocket?.close();
    await browser?.close();
    await server?.stop();
  });

  it('the facilitator at 127.0.0.1 gets a join link, QR code and voting-code slips on the LAN address', async () => {
    await signInToMeeting(fac, server.url, links.fac, meetingId);
    const joinUrl = `${lanOrigin}/join/${joinCode}`;
    const link = fac.locator(`a[href$="/join/${joinCode}"]`);
    await expect.poll(() => link.first().getAttribute('href')).toBe(joinUrl);
    expect(await link.first().innerText()).toBe(joinUrl);
    await expect.poll(() => fac.locator(`[role="img"][aria-label*="/join/${joinCode}"]`).first().getAttribute('aria-label')).toContain(joinUrl);

    const codes = fac.getByTestId('voting-codes');
    await codes.locator('summary').click();
    await codes.locator('#vc-count').fill('1');
    await codes.getByRole('button', { name: '发放 1 个投票码' }).click();
    await expect.poll(() => codes.getByTestId('code-slip').count()).toBe(1);
    expect(await codes.getByTestId('code-slip').first().innerText()).toContain(joinUrl);
    expect(await codes.getByTestId('code-slip').first().innerText()).not.toContain('127.0.0.1');
  });

  it('the room display shows the LAN address too, not 127.0.0.1', async () => {
    const display = await fac.context().newPage();
    await display.setViewportSize({ width: 1920, height: 1080 });
    await display.goto(`${server.url}/meetings/${meetingId}/display`);
    await display.getByTestId('room-display').waitFor();
    const qr = display.locator(`[role="img"][aria-label*="/join/${joinCode}"]`);
    await expect.poll(() => qr.getAttribute('aria-label')).toContain(`${lanOrigin}/join/${joinCode}`);
    await expect.poll(() => display.getByTestId('room-display').innerText()).toContain(`${new URL(lanOrigin).host}/join`);
    expect(await display.getByTestId('room-display').innerText()).not.toContain('127.0.0.1');
    await display.screenshot({ path: path.join(tmpdir(), 'yishi-phones-display-1920.png') });
    await display.close();
  });

  /** A phone: plain HTTP at `base`, not a secure context; it joins, connects its socket and votes. */
  const residentVotes = async (base: string, locale: 'en-US' | 'zh-CN', name: string, choice: string) => {
    const ctx = await browser.newContext({ locale, viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    const page = await ctx.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // Residents build no links: their phones never ask for the link origin (5,000 of them would).
    const asked: string[] = [];
    page.on('request', (r) => void (r.url().includes('/api/link-origin') && asked.push(r.url())));
    await page.goto(`${base}/join/${joinCode}`);
    expect(await page.evaluate(() => window.isSecureContext)).toBe(false);
    await page.locator('#join-name').fill(name);
    await page.getByRole('button', { name: locale === 'en-US' ? 'Join meeting' : '加入会议' }).click();
    await page.getByTestId('meeting-state').waitFor();
    // The websocket passes the same-origin check at this address.
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('connected');
    const p = poll(page, POLL);
    await p.getByLabel(choice).check();
    await p.getByRole('button', { name: locale === 'en-US' ? 'Cast my vote' : '投票', exact: true }).click();
    await expect.poll(() => p.getByTestId('ballot-status').innerText()).toBe(locale === 'en-US' ? 'Your vote is stored.' : '您的投票已记录。');
    await page.screenshot({ path: path.join(tmpdir(), `yishi-phones-voted-${locale}-360.png`), fullPage: true });
    expect(pageErrors).toEqual([]);
    expect(asked).toEqual([]);
    return ctx;
  };

  // Needs a network interface besides loopback (any machine on a network has one).
  it.runIf(lanAddresses().length > 0)('a phone opening the join link (the LAN address, plain HTTP) joins and votes', async () => {
    const ctx = await residentVotes(lanOrigin, 'zh-CN', '陈大爷', '周日下午');
    await expect.poll(() => poll(fac, POLL).getByTestId('tally-residents').getAttribute('data-turnout')).toBe('1');
    await ctx.close();
  });

  it('a phone opening Yishi by a host name (yishi.test, plain HTTP) joins and votes', async () => {
    const before = Number(await poll(fac, POLL).getByTestId('tally-residents').getAttribute('data-turnout'));
    const ctx = await residentVotes(named, 'en-US', 'Mrs Liu', '周六上午');
    await expect.poll(() => poll(fac, POLL).getByTestId('tally-residents').getAttribute('data-turnout')).toBe(String(before + 1));
    await ctx.close();
  });

  it('a member signed in at a host name votes, and the room display works there (no wake lock on plain HTTP)', async () => {
    const ctx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    const page = await ctx.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await signInToMeeting(page, named, links.m1, meetingId);
    expect(await page.evaluate(() => window.isSecureContext)).toBe(false);
    const p = poll(page, POLL);
    await p.getByLabel('周六上午').check();
    await p.getByRole('button', { name: '投票', exact: true }).click();
    await expect.poll(() => p.getByTestId('ballot-status').innerText()).toBe('您的投票已记录。');
    await page.goto(`${named}/meetings/${meetingId}/display`);
    await expect.poll(() => page.getByTestId('room-display').getAttribute('data-connection')).toBe('connected');
    await expect
      .poll(() => page.locator(`[role="img"][aria-label*="/join/${joinCode}"]`).getAttribute('aria-label'))
      .toContain(`${named}/join/${joinCode}`);
    expect(pageErrors).toEqual([]);
    await ctx.close();
  });

  it('an admin at a host name copies a sign-in link (no navigator.clipboard on plain HTTP)', async () => {
    const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(`${named}/signin/${adminToken}`);
    await page.waitForURL(`${named}/`);
    await page.goto(`${named}/settings`);
    expect(await page.evaluate(() => window.isSecureContext && !!navigator.clipboard)).toBe(false);
    await page.getByRole('button', { name: 'New sign-in link (赵委员)' }).click();
    const slip = page.getByTestId('signin-slip');
    await expect.poll(() => slip.getByTestId('signin-link').innerText()).toMatch(new RegExp(`^${named}/signin/`));
    await slip.getByRole('button', { name: 'Copy link' }).click();
    await expect.poll(() => slip.getByRole('status').innerText()).toBe('Copied.');
    await slip.screenshot({ path: path.join(tmpdir(), 'yishi-phones-copied-en.png') });
    await ctx.close();
  });
});
