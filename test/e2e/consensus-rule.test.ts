import { randomUUID } from 'node:crypto';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { agendaRoom, type Council } from '@yishi/protocol';
import { launchBrowser, signInToMeeting } from '../support/browser.ts';
import { ApiClient, connected, emit, type YishiClientSocket } from '../support/client.ts';
import { setUpCouncilWithLinks } from '../support/council.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { addAgendaItems } from '../support/yjs.ts';

/**
 * Issue 12, the council's rule: the admin sets it on the settings page. The admin raises the
 * members' share to 80% and the small-group threshold to 4 on a 360 px phone; a reload shows them
 * kept; a value out of bounds is named next to its field and nothing is saved; someone who may not
 * manage the council sees no form; a check opened afterwards is judged by the new rule (3 of 4
 * members agreeing is 75%: enough by default, not under 80%). Screenshots of the form at 360 px
 * and 1920x1080, in zh-CN and en, go to SCREENSHOTS (a temporary folder unless set).
 */
vi.setConfig({ expect: { poll: { timeout: 15_000, interval: 50 } } });

const SHOTS = process.env.SCREENSHOTS ?? mkdtempSync(path.join(tmpdir(), 'yishi-rule-shots-'));

describe("the council's consensus rule in the browser", () => {
  let server: ServerProcess;
  let browser: Browser;
  let admin: ApiClient;
  let adminToken = '';
  let facToken = '';
  let meetingId = '';
  let phone: Page;
  /** 赵委员 and three more members of 居委会, on sockets: the positions the check is judged on. */
  const sockets: YishiClientSocket[] = [];
  const contexts: BrowserContext[] = [];

  const field = (page: Page, param: string): Locator => page.locator(`[data-testid="rule-field"][data-param="${param}"]`);
  const input = (page: Page, param: string): Locator => page.locator(`#rule-${param}`);
  /** The rule's section only: the settings page is long, and the section is what is under review. */
  const shot = (page: Page, name: string, of: Locator = page.locator('section[aria-labelledby="rule-h"]')) =>
    of.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  const savedRule = async () => (await admin.ok<Council>('GET', '/api/council')).consensusRule;
  /** A page signed in with a personal link, on the settings page, its language chosen by the browser's. */
  async function settingsPage(token: string, locale: string, viewport: { width: number; height: number }, mobile = false): Promise<Page> {
    const ctx = await browser.newContext({ locale, viewport, isMobile: mobile, hasTouch: mobile });
    contexts.push(ctx);
    const page = await ctx.newPage();
    await page.goto(`${server.url}/signin/${token}`);
    await page.waitForURL(`${server.url}/`);
    await page.goto(`${server.url}/settings`);
    await page.locator('h1').waitFor();
    return page;
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startServerProcess({ DATA_DIR: mkdtempSync(path.join(tmpdir(), 'yishi-e2e-rule-')), AUTH_RATE_PER_MINUTE: '10000' });
    const { c, links } = await setUpCouncilWithLinks(server);
    admin = c.admin;
    facToken = links.fac;
    const adminId = c.council.members.find((m: { role: string }) => m.role === 'admin')!.id;
    adminToken = (await admin.ok('POST', `/api/council/members/${adminId}/link`)).url.split('/signin/')[1];
    const groupId = c.council.groups[0]!.id;
    const tokens = [links.m2];
    for (const name of ['钱委员', '孙委员', '李委员']) {
      const m = await admin.ok('POST', '/api/council/members', { name, groupId, role: 'member' });
      tokens.push(m.link.url.split('/signin/')[1]);
    }
    const m = await c.facilitator.ok('POST', '/api/meetings', { title: '规则议事会', startsAt: '2026-12-01T19:00:00+08:00', mode: 'hybrid' });
    meetingId = m.id;
    await addAgendaItems(server.url, agendaRoom(meetingId), c.facilitator.cookie, ['item-1']);
    for (const token of tokens) {
      const api = new ApiClient(server.url);
      await api.ok('POST', '/api/auth/link', { token });
      const s = api.socket();
      await connected(s);
      sockets.push(s);
    }
    browser = await launchBrowser();
    phone = await settingsPage(adminToken, 'zh-CN', { width: 360, height: 740 }, true);
  }, 240_000);
  afterAll(async () => {
    for (const s of sockets) s.close();
    await browser?.close();
    await server?.stop();
    console.log(`consensus rule screenshots: ${SHOTS}`);
  });

  it('shows the admin the saved rule, each parameter explained, at 360 px without sideways scrolling', async () => {
    const form = phone.getByTestId('consensus-rule');
    await form.waitFor();
    expect(await input(phone, 'agreePercent').inputValue()).toBe('75');
    expect(await input(phone, 'groupPercent').inputValue()).toBe('50');
    expect(await input(phone, 'participationPercent').inputValue()).toBe('50');
    expect(await input(phone, 'suppressBelow').inputValue()).toBe('3');
    expect(await field(phone, 'agreePercent').innerText()).toContain('1–3');
    expect(await field(phone, 'suppressBelow').innerText()).toContain('最少为 3');
    expect(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    // Every control of the form is a finger's width at least.
    const small = await form
      .locator('button, input')
      .evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).filter((r) => r.height < 48 || r.width < 48).length);
    expect(small).toBe(0);
    await shot(phone, 'settings-360-zh');
  });

  it('does not show the form to someone who may not change council settings', async () => {
    const page = await settingsPage(facToken, 'zh-CN', { width: 360, height: 740 }, true);
    await page.locator('#password-h').waitFor();
    expect(await page.getByTestId('consensus-rule').count()).toBe(0);
    await page.context().close();
  });

  it('saves a new member share and small-group threshold; a reload shows them kept', async () => {
    await input(phone, 'agreePercent').fill('80');
    await field(phone, 'suppressBelow').getByRole('button', { name: '增加' }).click();
    expect(await input(phone, 'suppressBelow').inputValue()).toBe('4');
    await phone.getByTestId('rule-save').click();
    await expect.poll(() => phone.getByTestId('consensus-rule').getByRole('status').innerText()).toContain('已保存');
    expect(await savedRule()).toEqual({ agreePercent: 80, groupPercent: 50, participationPercent: 50, suppressBelow: 4 });

    await phone.reload();
    await phone.getByTestId('consensus-rule').waitFor();
    expect(await input(phone, 'agreePercent').inputValue()).toBe('80');
    expect(await input(phone, 'suppressBelow').inputValue()).toBe('4');
  });

  it('names a bad value next to its field and changes nothing', async () => {
    let patches = 0;
    phone.on('request', (r) => {
      if (r.method() === 'PATCH') patches++;
    });
    await input(phone, 'agreePercent').fill('150');
    await input(phone, 'suppressBelow').fill('2');
    await phone.getByTestId('rule-save').click();
    await expect.poll(() => field(phone, 'agreePercent').getByTestId('field-error').innerText()).toContain('最大可以填 100');
    expect(await field(phone, 'suppressBelow').getByTestId('field-error').innerText()).toContain('至少为 3');
    expect(await input(phone, 'agreePercent').getAttribute('aria-invalid')).toBe('true');
    // The unchanged fields carry no error; the first refused field has the focus.
    expect(await field(phone, 'groupPercent').getByTestId('field-error').innerText()).toBe('');
    expect(await phone.evaluate(() => document.activeElement?.id)).toBe('rule-agreePercent');
    expect(await phone.getByTestId('rule-invalid').innerText()).toContain('没有保存');
    await shot(phone, 'settings-360-zh-error');
    expect(patches).toBe(0);
    expect(await savedRule()).toEqual({ agreePercent: 80, groupPercent: 50, participationPercent: 50, suppressBelow: 4 });

    // Correcting the field clears its error.
    await input(phone, 'agreePercent').fill('80');
    expect(await field(phone, 'agreePercent').getByTestId('field-error').innerText()).toBe('');

    // The defaults are one tap away, and saved only on Save.
    await phone.getByTestId('rule-defaults').click();
    expect(await input(phone, 'agreePercent').inputValue()).toBe('75');
    expect(await input(phone, 'suppressBelow').inputValue()).toBe('3');
    expect(await field(phone, 'suppressBelow').getByTestId('field-error').innerText()).toBe('');
    await phone.reload();
    await phone.getByTestId('consensus-rule').waitFor();
    expect(await input(phone, 'agreePercent').inputValue()).toBe('80');
    expect(await input(phone, 'suppressBelow').inputValue()).toBe('4');
  });

  it('looks right at 360 px and 1920x1080 in both languages', async () => {
    for (const [locale, lang] of [
      ['en-US', 'en'],
      ['zh-CN', 'zh'],
    ] as const) {
      for (const [w, h, mobile] of [
        [360, 740, true],
        [1920, 1080, false],
      ] as const) {
        if (lang === 'zh' && w === 360) continue; // taken above
        const page = await settingsPage(adminToken, locale, { width: w, height: h }, mobile);
        await page.getByTestId('consensus-rule').waitFor();
        expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
        if (lang === 'en') expect(await field(page, 'agreePercent').innerText()).toContain('Members who agree');
        await shot(page, `settings-${w}-${lang}`);
        await page.context().close();
      }
    }
  });

  it('judges a check opened afterwards by the new rule: 3 of 4 members agreeing is under 80%', async () => {
    const ctx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
    contexts.push(ctx);
    const fac = await ctx.newPage();
    await signInToMeeting(fac, server.url, facToken, meetingId);
    await fac.getByRole('button', { name: '开始会议' }).click();
    for (const s of sockets) expect((await emit(s, 'meeting:join', { meetingId })).ok).toBe(true);

    const form = fac.getByTestId('open-check');
    await form.locator('summary').click();
    await form.locator('input[name="itemId"]').fill('item-1');
    await form.locator('textarea[name="proposal"]').fill('在小区东门增设非机动车停放区。');
    await form.getByRole('button', { name: '发起检验' }).click();
    const check = fac.locator('[data-testid="consensus-check"][data-state="open"]').first();
    await check.waitFor();
    const checkId = (await check.getAttribute('data-check-id'))!;
    for (const [i, s] of sockets.entries()) {
      const r = await emit(s, 'consensus:position', { checkId, level: i < 3 ? 1 : 4, idempotencyKey: randomUUID() });
      expect(r.ok).toBe(true);
    }
    await expect.poll(() => check.getByTestId('consensus-overall').getAttribute('data-participants')).toBe('4');
    const members = check.locator('[data-testid="criterion"][data-kind="members_agree"]');
    expect(await members.innerText()).toContain('参与成员中 75% 处于 1–3 级（要求至少 80%）');
    expect(await members.getAttribute('data-met')).toBe('false');
    expect(await check.getByTestId('consensus-state').getAttribute('data-reached')).toBe('false');
    // Four in 居委会 is not under the threshold of 4: the group is shown, at 75% of 50%.
    expect(await check.locator('[data-testid="consensus-group"][data-label="居委会"]').getAttribute('data-counts')).toBe('3,0,0,1,0');
    await shot(fac, 'facilitator-1280-zh-check', check);
  });
});
