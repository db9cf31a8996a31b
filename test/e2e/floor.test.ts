import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchBrowser, signInToMeeting } from '../support/browser.ts';
import { ApiClient, connected, emit, type YishiClientSocket } from '../support/client.ts';
import { startServerWithMeeting } from '../support/council.ts';
import type { ServerProcess } from '../support/server-process.ts';

/**
 * Issue 11, the floor in a browser: a member raises a hand on a 360 px phone, a resident raises
 * one, a point of order jumps the queue, the facilitator calls each from the console, and the
 * countdown runs on the room display (with its cues at 30 s and zero) and on the speaker's phone,
 * right on a display whose clock is 30 s fast. Screenshots go to the temp folder.
 */
vi.setConfig({ expect: { poll: { timeout: 15_000, interval: 100 } } });

const shot = (name: string) => path.join(tmpdir(), `yishi-floor-${name}.png`);
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };
const FULL_HD = { width: 1920, height: 1080 };
/** This page's clock runs `ms` ahead of the real one (Date.now and new Date()). */
const skewClock = (page: Page, ms: number) =>
  page.addInitScript((skew: number) => {
    const RealDate = Date;
    const realNow = RealDate.now.bind(RealDate);
    class SkewedDate extends RealDate {
      constructor(...args: unknown[]) {
        if (args.length === 0) super(realNow() + skew);
        else super(...(args as [string]));
      }
      static override now() {
        return realNow() + skew;
      }
    }
    (globalThis as { Date: DateConstructor }).Date = SkewedDate as DateConstructor;
  }, ms);

describe('the floor in the browser', () => {
  let server: ServerProcess;
  let browser: Browser;
  let meetingId = '';
  let joinCode = '';
  let fac: YishiClientSocket;
  let zhao: YishiClientSocket;
  let facPage: Page; // en, laptop
  let facPhone: Page; // zh-CN, 360 px: the console on a phone
  let m1: Page; // 张业主, zh-CN, phone
  let resident: Page; // en, phone
  let displayZh: Page;
  let displayEn: Page; // its clock 30 s fast

  const remaining = async (page: Page) => Number(await page.getByTestId('floor-countdown').first().getAttribute('data-remaining'));

  beforeAll(async () => {
    let set: Awaited<ReturnType<typeof startServerWithMeeting>>['set'];
    ({ server, set, meetingId, joinCode } = await startServerWithMeeting('floor', {
      title: '幸福里四月议事会',
      startsAt: '2026-12-03T19:00:00+08:00',
    }));
    fac = set.c.facilitator.socket();
    await connected(fac);
    expect((await emit(fac, 'meeting:join', { meetingId })).ok).toBe(true);
    expect((await emit(fac, 'meeting:transition', { meetingId, to: 'live' })).ok).toBe(true);
    const zhaoClient = new ApiClient(server.url);
    await zhaoClient.ok('POST', '/api/auth/link', { token: set.links.m2 });
    zhao = zhaoClient.socket();
    await connected(zhao);
    expect((await emit(zhao, 'meeting:join', { meetingId })).ok).toBe(true);

    browser = await launchBrowser();
    facPage = await (await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } })).newPage();
    facPhone = await (await browser.newContext({ locale: 'zh-CN', ...PHONE })).newPage();
    m1 = await (await browser.newContext({ locale: 'zh-CN', ...PHONE })).newPage();
    resident = await (await browser.newContext({ locale: 'en-US', ...PHONE })).newPage();
    const facCookie = set.c.facilitator.cookie.split('=');
    for (const p of [facPage, facPhone]) {
      await p.context().addCookies([{ name: facCookie[0]!, value: facCookie.slice(1).join('='), url: server.url }]);
      await p.goto(`${server.url}/meetings/${meetingId}`);
      await p.getByTestId('floor-console').waitFor();
    }
    await signInToMeeting(m1, server.url, set.links.m1, meetingId);
    const dz = await browser.newContext({ locale: 'zh-CN', viewport: FULL_HD });
    const de = await browser.newContext({ locale: 'en-US', viewport: FULL_HD });
    for (const ctx of [dz, de]) await ctx.addCookies([{ name: facCookie[0]!, value: facCookie.slice(1).join('='), url: server.url }]);
    displayZh = await dz.newPage();
    displayEn = await de.newPage();
    await skewClock(displayEn, 30_000);
    await displayZh.goto(`${server.url}/meetings/${meetingId}/display`);
    await displayEn.goto(`${server.url}/meetings/${meetingId}/display`);
    expect(await displayEn.evaluate(() => Date.now() - performance.timeOrigin - performance.now())).toBeGreaterThan(29_000);
  }, 180_000);
  afterAll(async () => {
    fac?.close();
    zhao?.close();
    await browser?.close();
    await server?.stop();
  });

  it('a member raises a hand from a 360 px phone with large targets', async () => {
    const raise = m1.getByTestId('floor-raise').locator('button[data-kind="speak"]');
    await raise.waitFor();
    const box = (await raise.boundingBox())!;
    expect(box.height).toBeGreaterThanOrEqual(48);
    await m1.screenshot({ path: shot('phone-member-zh-raise'), fullPage: true });
    await raise.click();
    await expect.poll(() => m1.getByTestId('floor-my-hand').innerText()).toContain('排在第 1 位');
    // The page is no wider than the phone.
    expect(await m1.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  });

  it('a resident may raise a hand once the facilitator allows residents to speak', async () => {
    await resident.goto(`${server.url}/join/${joinCode}`);
    await resident.getByLabel('your name').fill('Mrs Liu');
    await resident.getByRole('button', { name: 'Join meeting' }).click();
    await resident.locator('[data-testid="connection"][data-state="connected"]').waitFor();
    await resident.getByTestId('floor-residents-not-allowed').waitFor();
    await facPage.getByText('Floor rules').click();
    await facPage.getByTestId('floor-residents-may-speak').check();
    const ask = resident.getByTestId('floor-raise').locator('button[data-kind="question"]');
    await ask.click();
    await expect.poll(() => resident.getByTestId('floor-my-hand').innerText()).toContain('number 2');
    await resident.screenshot({ path: shot('phone-resident-en-waiting'), fullPage: true });
  });

  it('a point of order jumps the queue, and the facilitator calls each in turn while the display counts down', async () => {
    // Points of order get 10 s here, so the cues at 30 s and zero both show within the test.
    expect((await emit(fac, 'floor:settings', { meetingId, limits: { point_of_order: 10 } })).ok).toBe(true);
    expect((await emit(zhao, 'floor:raise', { meetingId, itemId: null, kind: 'point_of_order' })).ok).toBe(true);
    const hands = facPage.getByTestId('floor-console').getByTestId('floor-hand');
    await expect.poll(() => hands.count()).toBe(3);
    expect(await hands.evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')))).toEqual(['point_of_order', 'speak', 'question']);
    await expect.poll(() => displayZh.getByTestId('display-next-hand').count()).toBe(3);
    await expect.poll(() => m1.getByTestId('floor-my-hand').innerText()).toContain('排在第 2 位');
    await facPage.screenshot({ path: shot('console-en-1280'), fullPage: true });
    await facPhone.screenshot({ path: shot('console-zh-360'), fullPage: true });
    await facPhone.getByTestId('floor').screenshot({ path: shot('console-zh-360-floor') });
    // Nothing wider than the phone, the console's rows of buttons included.
    expect(await facPhone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);

    // 1. The point of order: 10 s, so the display is amber at once and red at zero.
    await facPage.getByTestId('floor-call-next').click();
    await expect.poll(() => displayZh.getByTestId('display-speaker').innerText()).toContain('赵委员');
    await expect.poll(() => displayZh.getByTestId('floor-countdown').getAttribute('data-cue')).toBe('warning');
    await displayZh.screenshot({ path: shot('display-zh-1920-warning') });
    await expect.poll(() => displayZh.getByTestId('floor-countdown').getAttribute('data-cue'), { timeout: 20_000 }).toBe('over');
    await expect.poll(() => displayZh.getByTestId('floor-countdown').innerText()).toContain('时间到');
    await displayZh.screenshot({ path: shot('display-zh-1920-over') });

    // 2. 张业主, on his phone: his turn, counting down from 3:00.
    await facPage.getByTestId('floor-call-next').click();
    await m1.getByTestId('floor-your-turn').waitFor();
    await expect.poll(() => displayZh.getByTestId('display-speaker').innerText()).toContain('张业主');
    await expect.poll(() => remaining(m1)).toBeLessThanOrEqual(180);
    const first = await remaining(displayZh);
    expect(first).toBeGreaterThan(160);
    await expect.poll(() => remaining(displayZh), { timeout: 5_000 }).toBeLessThan(first); // it runs
    expect(await displayZh.getByTestId('floor-countdown').getAttribute('data-cue')).toBe('running');
    await m1.screenshot({ path: shot('phone-member-zh-speaking'), fullPage: true });

    // The display whose clock is 30 s fast shows the same time left (within a second), not 30 s less.
    await expect.poll(() => displayEn.getByTestId('display-speaker').innerText()).toContain('张业主');
    const [zh, en] = [await remaining(displayZh), await remaining(displayEn)];
    expect(Math.abs(zh - en), `zh ${zh} s, en (clock +30 s) ${en} s`).toBeLessThanOrEqual(1);
    await displayEn.screenshot({ path: shot('display-en-1920-running') });

    // 3. The resident, called from the console by name.
    await facPage.getByRole('button', { name: 'Give the floor to Mrs Liu' }).click();
    await expect.poll(() => displayEn.getByTestId('display-speaker').innerText()).toContain('Mrs Liu');
    await resident.getByTestId('floor-your-turn').waitFor();
    await resident.screenshot({ path: shot('phone-resident-en-speaking'), fullPage: true });
    await facPage.getByTestId('floor-end').click();
    await expect.poll(() => facPage.getByTestId('floor-record').locator('li').count()).toBe(3);
    await expect.poll(() => displayZh.getByTestId('display-floor').count()).toBe(0); // nobody speaks, nobody waits
    await facPage.screenshot({ path: shot('console-en-1280-record'), fullPage: true });
  });

  it('the facilitator chooses what the display shows: the join QR large, then the agenda, then back to automatic', async () => {
    const modeButton = (mode: string) => facPage.getByTestId(`display-mode-${mode}`);
    expect(await modeButton('auto').getAttribute('aria-checked')).toBe('true');
    expect((await modeButton('join').boundingBox())!.height).toBeGreaterThanOrEqual(44);
    await modeButton('join').click();
    await expect.poll(() => modeButton('join').getAttribute('aria-checked')).toBe('true');
    for (const d of [displayZh, displayEn]) {
      await expect.poll(() => d.getByTestId('room-display').getAttribute('data-mode')).toBe('join');
      const qr = (await d.getByTestId('display-join-large').locator('.qr').boundingBox())!;
      // Large: more than half the screen's height, the whole of it on the screen.
      expect(qr.height).toBeGreaterThan(540);
      expect(qr.y + qr.height).toBeLessThanOrEqual(1080);
      expect(await d.getByTestId('display-join-code').innerText()).toBe(joinCode);
      expect(await d.getByTestId('display-join').count()).toBe(0); // the column and the polls beside it give way
    }
    await expect.poll(() => displayZh.getByTestId('display-join-large').locator('svg').count()).toBe(1);
    mkdirSync('/tmp/dispmode-shots', { recursive: true });
    await displayZh.screenshot({ path: '/tmp/dispmode-shots/display-zh-1920-join.png' });
    await displayZh.screenshot({ path: shot('display-zh-1920-join') });

    await modeButton('agenda').click();
    await expect.poll(() => displayZh.getByTestId('room-display').getAttribute('data-mode')).toBe('agenda');
    expect(await displayZh.getByTestId('display-join-large').count()).toBe(0);
    // Agenda and speakers only: no polls, not even the calm "no poll" line.
    expect(await displayZh.getByTestId('display-no-polls').count()).toBe(0);
    // This meeting has no agenda: a calm line says so instead of a blank screen.
    await expect.poll(() => displayZh.getByTestId('display-no-agenda').innerText()).toContain('议程');
    await displayZh.screenshot({ path: shot('display-zh-1920-agenda') });

    // A reload keeps the choice: it is the meeting's, not the page's.
    await displayEn.reload();
    await expect.poll(() => displayEn.getByTestId('room-display').getAttribute('data-mode')).toBe('agenda');
    await modeButton('auto').click();
    await expect.poll(() => displayZh.getByTestId('room-display').getAttribute('data-mode')).toBe('auto');
    await displayZh.getByTestId('display-no-polls').waitFor();
  });
});
