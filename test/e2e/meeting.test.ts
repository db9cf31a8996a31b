import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cspViolations, launchBrowser } from '../support/browser.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';

/**
 * The foundation's story in a real browser, on the embedded default: a facilitator (in Chinese)
 * sets up the council and runs a meeting; a resident (in English, on a phone-sized screen) joins
 * by code and watches it go live and the attendance change, without reloading.
 */
describe('a live meeting in the browser', () => {
  let server: ServerProcess;
  let browser: Browser;
  let fac: Page;
  let resident: Page;
  const violations: string[][] = [];

  beforeAll(async () => {
    server = await startServerProcess({ DATA_DIR: mkdtempSync(path.join(tmpdir(), 'yishi-e2e-')) });
    browser = await launchBrowser();
    const facCtx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
    const resCtx = await browser.newContext({ locale: 'en-US', viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    fac = await facCtx.newPage();
    resident = await resCtx.newPage();
    violations.push(cspViolations(fac), cspViolations(resident));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('sets up the council through the one-time link, in Chinese', async () => {
    await fac.goto(server.setupUrl!);
    await expect.poll(() => fac.getAttribute('html', 'lang')).toBe('zh-CN');
    await fac.locator('#setup-council').fill('幸福里社区议事会');
    await fac.locator('#setup-admin').fill('王主任');
    await fac.getByRole('button', { name: '完成设置' }).click();
    await fac.getByText('已登录：王主任（管理员）').waitFor();
    await fac.getByRole('heading', { name: '幸福里社区议事会' }).first().waitFor();
  });

  let joinCode = '';

  it('creates a meeting and shows its join code', async () => {
    await fac.locator('#nm-title').fill('加装电梯议事会');
    await fac.locator('#nm-when').fill('2026-12-01T19:00');
    await fac.locator('#nm-place').fill('三楼会议室');
    await fac.locator('#nm-mode').selectOption('hybrid');
    await fac.getByRole('button', { name: '创建会议' }).click();
    await fac.getByRole('link', { name: /加装电梯议事会/ }).click();
    await fac.getByTestId('meeting-state').waitFor();
    expect(await fac.getByTestId('meeting-state').getAttribute('data-state')).toBe('draft');
    joinCode = (await fac.getByTestId('join-code').innerText()).trim();
    expect(joinCode).toMatch(/^[2-9A-HJKMNP-Z]{6}$/);
    await expect.poll(() => fac.getByTestId('connection').getAttribute('data-state')).toBe('connected');
  });

  it('lets a resident join by code with only a name, in English, and see the meeting go live', async () => {
    await resident.goto(`${server.url}/join`);
    await expect.poll(() => resident.getAttribute('html', 'lang')).toBe('en');
    await resident.locator('#join-code-input').fill(joinCode.toLowerCase());
    await resident.locator('#join-code-input').press('Enter');
    await resident.locator('#join-name').fill('Mrs Liu');
    await resident.getByRole('button', { name: 'Join meeting' }).click();
    await resident.getByTestId('meeting-state').waitFor();
    // "Draft" is the council's word; a resident reads that it has not started.
    expect(await resident.getByTestId('meeting-state').innerText()).toBe('Not started yet');
    // No controls for residents.
    expect(await resident.getByRole('button', { name: 'Start meeting' }).count()).toBe(0);
    // Nothing wider than the phone.
    expect(await resident.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);

    // The facilitator sees the resident arrive.
    await expect.poll(() => fac.getByTestId('resident-count').getAttribute('data-count')).toBe('1');

    await fac.getByRole('button', { name: '开始会议' }).click();
    await expect.poll(() => resident.getByTestId('meeting-state').getAttribute('data-state'), { timeout: 2000 }).toBe('live');
    expect(await resident.getByTestId('meeting-state').innerText()).toBe('Live');
  });

  it('shows attendance change live when the facilitator marks a member present in the room', async () => {
    const before = await resident.getByTestId('present-member').count();
    expect(await resident.getByTestId('quorum').innerText()).toContain('Present');
    await fac.getByRole('checkbox', { name: '王主任 在会场' }).check();
    await expect.poll(() => resident.getByTestId('present-member').count(), { timeout: 2000 }).toBeGreaterThanOrEqual(Math.max(before, 1));
    // Who is present sits under the attendance summary, one tap away (the ballot comes first on a phone).
    await resident.getByText(/^Council members present/).click();
    await expect.poll(() => resident.getByTestId('present-member').filter({ hasText: '王主任' }).innerText()).toContain('in room');
    // The admin alone is the whole council: a 50% quorum of 1 is met.
    await expect.poll(() => resident.getByTestId('quorum').getAttribute('data-met')).toBe('true');
  });

  it('switches language on the spot', async () => {
    await resident.getByTestId('lang-switch').selectOption('zh-CN');
    await expect.poll(() => resident.getByTestId('meeting-state').innerText()).toBe('进行中');
    expect(await resident.getAttribute('html', 'lang')).toBe('zh-CN');
    await fac.getByTestId('lang-switch').selectOption('en');
    await expect.poll(() => fac.getByTestId('meeting-state').innerText()).toBe('Live');
  });

  it('tells a page built for another protocol version to reload, in its language', async () => {
    // The page as a browser left open across an update holds it: its handshake names another
    // version (rewritten on the wire here), the server refuses it, and the page says why.
    const meetingUrl = fac.url();
    const expected = [
      {
        page: fac,
        text: 'Yishi was updated and this page is out of date. Please reload the page.',
        button: 'Reload page',
        status: 'Yishi was updated: reload the page',
      },
      { page: resident, text: '议事已更新，本页面还是旧版本。请重新加载页面。', button: '重新加载页面', status: '议事已更新：请重新加载页面' },
    ];
    for (const e of expected) {
      const page = await e.page.context().newPage();
      let tamper = true;
      await page.routeWebSocket(/\/socket\.io\//, (ws) => {
        const upstream = ws.connectToServer();
        ws.onMessage((m) => upstream.send(tamper && typeof m === 'string' ? m.replace(/^40\{"protocolVersion":\d+/, '40{"protocolVersion":1') : m));
      });
      await page.goto(meetingUrl);
      await page.locator('[data-testid="connection"][data-state="outdated"]').waitFor();
      expect(await page.getByTestId('connection').innerText()).toBe(e.status);
      await page.getByRole('alert').filter({ hasText: e.text }).waitFor();
      // After the reload the page is this version's again (here: the handshake is left alone).
      tamper = false;
      await page.getByRole('button', { name: e.button }).click();
      await page.locator('[data-testid="connection"][data-state="connected"]').waitFor();
      expect(await page.getByTestId('reload').count()).toBe(0);
      await page.close();
    }
  });

  it('breaks no rule of the Content-Security-Policy the server sends', async () => {
    const r = await fetch(`${server.url}/`);
    expect(r.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(violations.flat()).toEqual([]);
  });
});
