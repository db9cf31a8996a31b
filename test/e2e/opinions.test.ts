import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchBrowser, signInToMeeting } from '../support/browser.ts';
import { connected, emit, type YishiClientSocket } from '../support/client.ts';
import { startServerWithMeeting } from '../support/council.ts';
import type { ServerProcess } from '../support/server-process.ts';

/**
 * Issue 11, threaded opinions in a real browser: a resident on a 360 px phone posts a concern in
 * Chinese before the meeting, another resident seconds it; in the meeting the facilitator sees it
 * in the digest and puts it on the floor, the room display shows it; the facilitator hides an
 * abusive reply with a reason and everyone sees the placeholder. And hostile text (script and
 * markup in every field: the name, the opinion, the reply, the hide note) is never rendered as
 * HTML, on the thread or on the display. Screenshots go to the temp folder.
 */
vi.setConfig({ expect: { poll: { timeout: 15_000, interval: 100 } } });

const shot = (name: string) => path.join(tmpdir(), `yishi-opinions-${name}.png`);
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };
const XSS = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script><b>粗体</b>`;

describe('threaded opinions in the browser', () => {
  let server: ServerProcess;
  let browser: Browser;
  let meetingId = '';
  let joinCode = '';
  let fac: YishiClientSocket;
  let facPage: Page;
  let wang: Page;
  let liu: Page;
  let display: Page;
  const pages: Page[] = [];

  const joinAs = async (page: Page, name: string) => {
    await page.goto(`${server.url}/join/${joinCode}`);
    await page.getByLabel('您的称呼').fill(name);
    await page.getByRole('button', { name: '加入会议' }).click();
    await page.locator('[data-testid="connection"][data-state="connected"]').waitFor({ timeout: 20_000 });
    await page.getByTestId('opinions-section').waitFor();
  };
  const opinion = (page: Page, text: string) => page.locator('[data-testid="opinion"]', { hasText: text });
  const pwned = (page: Page) => page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned ?? 0);

  beforeAll(async () => {
    let set: Awaited<ReturnType<typeof startServerWithMeeting>>['set'];
    ({ server, set, meetingId, joinCode } = await startServerWithMeeting('opinions', {
      title: '加装电梯意见',
      startsAt: '2026-12-02T19:00:00+08:00',
    }));
    fac = set.c.facilitator.socket();
    await connected(fac);
    await emit(fac, 'meeting:join', { meetingId });
    await emit(fac, 'meeting:transition', { meetingId, to: 'scheduled' });
    browser = await launchBrowser();
    const newPage = async (opts: Parameters<Browser['newContext']>[0]) => {
      const p = await (await browser.newContext(opts)).newPage();
      pages.push(p);
      return p;
    };
    wang = await newPage({ locale: 'zh-CN', ...PHONE });
    liu = await newPage({ locale: 'zh-CN', ...PHONE });
    facPage = await newPage({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
    display = await newPage({ locale: 'zh-CN', viewport: { width: 1920, height: 1080 } });
    await signInToMeeting(facPage, server.url, set.links.fac, meetingId);
    await signInToMeeting(display, server.url, set.links.fac, meetingId);
    await display.goto(`${server.url}/meetings/${meetingId}/display`);
  }, 180_000);
  afterAll(async () => {
    fac?.close();
    await browser?.close();
    await server?.stop();
  });

  it('before the meeting a resident on a phone posts a concern in Chinese; another seconds it', async () => {
    await joinAs(wang, '王阿姨');
    await wang.getByLabel('担忧').check();
    await wang.getByTestId('opinion-text').fill('加装电梯的噪音会影响一楼住户休息，\n希望安排在白天施工。');
    await wang.getByTestId('opinion-post').click();
    await opinion(wang, '加装电梯的噪音').waitFor();
    await joinAs(liu, '刘师傅');
    const seen = opinion(liu, '加装电梯的噪音');
    await seen.waitFor({ timeout: 15_000 });
    await seen.getByTestId('opinion-second').click();
    await expect.poll(() => opinion(wang, '加装电梯的噪音').getByTestId('opinion-seconds').innerText()).toContain('1');
    // Line breaks kept, on one 360 px screen without sideways scrolling.
    expect(await opinion(wang, '加装电梯的噪音').getByTestId('op-text').innerText()).toContain('\n希望安排在白天施工');
    expect(await wang.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await wang.screenshot({ path: shot('phone-zh'), fullPage: true });
  }, 120_000);

  it('in the meeting the facilitator sees it in the digest and puts it on the floor; the display shows it', async () => {
    await emit(fac, 'meeting:transition', { meetingId, to: 'live' });
    const digest = facPage.getByTestId('opinion-digest');
    await expect.poll(() => digest.innerText()).toContain('加装电梯的噪音');
    expect(await digest.innerText()).toContain('Concern');
    await digest.getByTestId('digest-floor').first().click();
    const floor = display.getByTestId('floor-opinion');
    await floor.waitFor({ timeout: 15_000 });
    expect(await floor.innerText()).toContain('加装电梯的噪音');
    expect(await floor.innerText()).toContain('王阿姨');
    await facPage.screenshot({ path: shot('facilitator-en'), fullPage: true });
    await display.screenshot({ path: shot('display-zh') });
  }, 120_000);

  it('hides an abusive reply with a reason: everyone sees the placeholder, the author still sees the text', async () => {
    await opinion(liu, '加装电梯的噪音').getByTestId('opinion-reply').first().click();
    await liu.getByTestId('opinion-text').fill('你就是个骗子，滚出小区');
    await liu.getByTestId('opinion-post').click();
    const reply = opinion(facPage, '你就是个骗子');
    await reply.waitFor({ timeout: 15_000 });
    await reply.getByTestId('opinion-hide').click();
    await facPage.getByTestId('opinion-hide-reason').selectOption('personal_attack');
    await facPage.getByTestId('opinion-hide-confirm').click();
    await expect.poll(() => wang.locator('[data-testid="opinion-placeholder"]').allInnerTexts()).toContainEqual(expect.stringContaining('人身攻击'));
    expect(await wang.locator('main').innerText()).not.toContain('你就是个骗子');
    await expect.poll(() => opinion(liu, '你就是个骗子').innerText()).toContain('人身攻击');
    await expect.poll(() => facPage.getByTestId('moderation-log').textContent()).toContain('Personal attack');
    await liu.screenshot({ path: shot('author-hidden-zh'), fullPage: true });
  }, 120_000);

  it('never renders user text as HTML: a name, an opinion, a reply and a hide note full of markup, on the thread and the display', async () => {
    const evil = await (await browser.newContext({ locale: 'en-US', ...PHONE })).newPage();
    pages.push(evil);
    await evil.goto(`${server.url}/join/${joinCode}`);
    await evil.locator('#join-name').fill('<i>x</i><script>1</script>');
    await evil.getByRole('button', { name: 'Join meeting' }).click();
    await evil.locator('[data-testid="connection"][data-state="connected"]').waitFor({ timeout: 20_000 });
    await evil.getByTestId('opinions-section').waitFor();
    await evil.getByLabel('Suggestion').check();
    await evil.getByTestId('opinion-text').fill(`${XSS} see https://example.org/a?b=<c> and javascript:alert(1)`);
    await evil.getByTestId('opinion-post').click();
    await opinion(evil, 'onerror').waitFor();
    const post = opinion(facPage, 'onerror');
    await post.waitFor({ timeout: 15_000 });
    // Reply with markup too, and hide it with a note full of markup.
    await post.getByTestId('opinion-reply').click();
    await facPage.getByTestId('opinion-text').fill(`<svg onload="window.__pwned=1"></svg>${randomUUID()}`);
    await facPage.getByTestId('opinion-post').click();
    const reply = opinion(facPage, '<svg onload');
    await reply.waitFor();
    await reply.getByTestId('opinion-hide').click();
    await facPage.getByTestId('opinion-hide-reason').selectOption('other');
    await facPage.locator('[data-testid="opinion-hide-form"] input[type="text"]').fill('<img src=x onerror="window.__pwned=1">');
    await facPage.getByTestId('opinion-hide-confirm').click();
    await expect.poll(() => opinion(evil, '<img src=x onerror').count()).toBeGreaterThan(0);
    // On the floor too.
    await post.getByTestId('opinion-floor').click();
    await expect.poll(() => display.getByTestId('floor-opinion').innerText()).toContain('<script>');

    for (const page of [evil, facPage, wang, display]) {
      await page.waitForTimeout(300);
      expect(await pwned(page)).toBe(0);
      // The markup is there as text, and no element was made from it.
      expect(
        await page
          .locator('[data-testid="op-text"] img, [data-testid="op-text"] script, [data-testid="op-text"] b, [data-testid="op-text"] svg')
          .count(),
      ).toBe(0);
    }
    expect(await display.getByTestId('floor-opinion').innerText()).toContain('<img src=x onerror');
    const links = opinion(facPage, 'onerror').first().locator('a');
    expect(await links.count()).toBe(1);
    expect(await links.first().getAttribute('rel')).toBe('nofollow noopener ugc');
    expect(await links.first().getAttribute('href')).toBe('https://example.org/a?b=');
    await evil.screenshot({ path: shot('xss-phone-en'), fullPage: true });
    await display.screenshot({ path: shot('xss-display-zh') });
  }, 120_000);
});
