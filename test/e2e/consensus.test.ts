import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { agendaRoom } from '@yishi/protocol';
import { launchBrowser, signInToMeeting } from '../support/browser.ts';
import { setUpCouncilWithLinks } from '../support/council.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { addAgendaItems } from '../support/yjs.ts';

/**
 * Issue 12's browser test, as far as the agenda lanes allow (a check is opened on an item id
 * typed in until the agenda is on the page). A facilitator opens a check; five members from three
 * groups and two residents (360 px phones) take positions; the member of 物业 blocks with a
 * reason; the room display shows the map with 物业 hidden (one participant, under three); the
 * reason is on the record under the member's name; the facilitator records a round, amends the
 * proposal and opens round two; the member moves to "can live with it"; consensus is reached and
 * recorded; the record shows both rounds. Then a second check fails and becomes a motion poll.
 * Screenshots of each screen go to SCREENSHOTS (a temporary folder unless set).
 */
vi.setConfig({ expect: { poll: { timeout: 15_000, interval: 50 } } });

const SHOTS = process.env.SCREENSHOTS ?? mkdtempSync(path.join(tmpdir(), 'yishi-consensus-shots-'));

describe('consensus in the browser', () => {
  let server: ServerProcess;
  let browser: Browser;
  let meetingId = '';
  let joinCode = '';
  let fac: Page;
  let display: Page;
  /** 张业主 (物业), 赵委员 (居委会), 钱委员 (居委会), 孙委员 (业委会), 李委员 (业委会). */
  const members: Page[] = [];
  const residents: Page[] = [];
  const PROPOSAL = '在小区东门增设非机动车停放区。';
  const AMENDED = '在小区东门增设非机动车停放区，避开消防通道。';
  const REASON = '停放区会挡住消防通道';

  const check = (page: Page, state = 'open'): Locator => page.locator(`[data-testid="consensus-check"][data-state="${state}"]`).first();
  const pick = async (page: Page, level: number) => {
    await check(page).locator(`button[data-level="${level}"]`).click();
  };
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startServerProcess({ DATA_DIR: mkdtempSync(path.join(tmpdir(), 'yishi-e2e-consensus-')), AUTH_RATE_PER_MINUTE: '10000' });
    const { c, links } = await setUpCouncilWithLinks(server);
    const groups = c.council.groups;
    const extra = [];
    for (const [name, g] of [
      ['钱委员', 0],
      ['孙委员', 1],
      ['李委员', 1],
    ] as const) {
      const m = await c.admin.ok('POST', '/api/council/members', { name, groupId: groups[g]!.id, role: 'member' });
      extra.push(m.link.url.split('/signin/')[1] as string);
    }
    const m = await c.facilitator.ok('POST', '/api/meetings', { title: '停车议事会', startsAt: '2026-12-01T19:00:00+08:00', mode: 'hybrid' });
    meetingId = m.id;
    joinCode = m.joinCode;
    // The items the checks are opened on, in the agenda document (a check on an unknown item is refused).
    await addAgendaItems(server.url, agendaRoom(meetingId), c.facilitator.cookie, ['item-1', 'item-2']);

    browser = await launchBrowser();
    const phone = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };
    const facCtx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
    fac = await facCtx.newPage();
    display = await (await browser.newContext({ locale: 'zh-CN', viewport: { width: 1920, height: 1080 } })).newPage();
    await signInToMeeting(fac, server.url, links.fac, meetingId);
    await fac.getByRole('button', { name: '开始会议' }).click();
    // The display signs in as the facilitator does in a second window.
    await signInToMeeting(display, server.url, links.fac, meetingId);
    await display.goto(`${server.url}/meetings/${meetingId}/display`);
    for (const [i, token] of [links.m1, links.m2, ...extra].entries()) {
      const page = await (await browser.newContext({ locale: i === 4 ? 'en-US' : 'zh-CN', ...phone })).newPage();
      await signInToMeeting(page, server.url, token, meetingId);
      members.push(page);
    }
    for (const [name, locale] of [
      ['刘阿姨', 'zh-CN'],
      ['Mrs Chen', 'en-US'],
    ] as const) {
      const page = await (await browser.newContext({ locale, ...phone })).newPage();
      await page.goto(`${server.url}/join/${joinCode}`);
      await page.locator('#join-name').fill(name);
      await page.locator('form button[type="submit"]').click();
      await page.getByTestId('meeting-state').waitFor();
      await page.locator('[data-testid="connection"][data-state="connected"]').waitFor({ timeout: 15_000 });
      residents.push(page);
    }
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    console.log(`consensus screenshots: ${SHOTS}`);
  });

  it('the facilitator opens a check; members and residents take positions; 物业 blocks with a reason', async () => {
    const form = fac.getByTestId('open-check');
    await form.locator('summary').click();
    await form.locator('input[name="itemId"]').fill('item-1');
    await form.locator('textarea[name="proposal"]').fill(PROPOSAL);
    await form.getByLabel('居民也参与（单独显示，仅供参考）').check();
    await form.getByRole('button', { name: '发起检验' }).click();
    for (const page of [...members, ...residents]) await check(page).waitFor();
    expect(await check(members[0]!).getByTestId('privacy').innerText()).toContain('匿名');
    // Residents never see the block button.
    expect(await check(residents[0]!).locator('button[data-level="5"]').count()).toBe(0);

    await pick(members[1]!, 1);
    await pick(members[2]!, 1);
    await pick(members[3]!, 1);
    await pick(members[4]!, 1);
    await pick(residents[0]!, 3);
    await pick(residents[1]!, 4);
    // 张业主 (物业) blocks: the reason is required.
    const zhang = members[0]!;
    await pick(zhang, 5);
    await check(zhang).getByTestId('position-text').locator('textarea').fill(REASON);
    await shot(zhang, 'phone-360-zh-block-reason');
    await check(zhang).getByTestId('position-text').locator('button[type="submit"]').click();
    await expect.poll(() => check(zhang).getByTestId('position-picker').getAttribute('data-mine')).toBe('5');

    // Everyone: not reached, with the block in words; the reason on the record under the name.
    await expect.poll(() => check(fac).getByTestId('consensus-overall').getAttribute('data-participants')).toBe('5');
    expect(await check(fac).getByTestId('consensus-state').getAttribute('data-reached')).toBe('false');
    expect(await check(fac).getByTestId('consensus-state').innerText()).toContain('有 1 人否决');
    await expect.poll(() => check(members[1]!).getByTestId('consensus-statements').innerText()).toContain(`张业主 否决：${REASON}`);
    await expect.poll(() => check(residents[1]!).getByTestId('consensus-residents').getAttribute('data-participants')).toBe('2');
    // Two residents: under three, so only how many took part.
    expect(await check(residents[1]!).getByTestId('consensus-residents').getByTestId('bar-hidden').count()).toBe(1);
    await expect.poll(() => check(members[4]!).getByTestId('consensus-state').innerText()).toContain('1 blocking');
    await shot(members[4]!, 'phone-360-en-member');
    await shot(residents[0]!, 'phone-360-zh-resident');
    await shot(residents[1]!, 'phone-360-en-resident');
  });

  it('the room display shows the consensus map with 物业 hidden and fits the screen', async () => {
    const map = display.getByTestId('consensus-map');
    await map.waitFor();
    await expect.poll(() => map.locator('[data-testid="map-group"][data-label="物业"]').getAttribute('data-counts')).toBe('');
    expect(await map.locator('[data-testid="map-group"][data-label="物业"]').getByTestId('bar-hidden').innerText()).toContain('不足 3 人');
    const fits = await display.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight + 1);
    expect(fits).toBe(true);
    await shot(display, 'display-1920-zh-round1');
  });

  it('records a round, amends, opens round two; the member moves to "can live with it"; consensus is reached and recorded', async () => {
    const controls = check(fac).getByTestId('consensus-controls');
    await controls.getByTestId('record-round').click();
    await expect.poll(() => check(fac).getByTestId('consensus-round').count()).toBe(1);
    await controls.getByTestId('amend').click();
    await controls.getByTestId('amend-form').locator('textarea').fill(AMENDED);
    await controls.getByTestId('amend-form').locator('button[type="submit"]').click();
    await expect.poll(() => check(members[0]!).getByTestId('proposal').innerText()).toBe(AMENDED);
    await controls.getByTestId('next-carry').click();
    await expect.poll(() => check(members[0]!).getAttribute('data-round')).toBe('2');
    // Positions carried over: the block is still the member's.
    await expect.poll(() => check(members[0]!).getByTestId('position-picker').getAttribute('data-mine')).toBe('5');

    const zhang = members[0]!;
    await pick(zhang, 3);
    await check(zhang).getByTestId('position-text').locator('button[type="submit"]').click();
    await expect.poll(() => check(fac).getByTestId('consensus-state').getAttribute('data-reached')).toBe('true');
    // The previous round's mark is on the bars.
    expect(await check(fac).getByTestId('consensus-overall').getByTestId('previous-mark').count()).toBe(1);
    await shot(fac, 'facilitator-1280-zh-reached');
    await shot(display, 'display-1920-zh-round2');

    await controls.getByTestId('close-check').click();
    await controls.getByTestId('confirm-close-check').click();
    const closed = check(zhang, 'closed');
    await closed.waitFor();
    expect(await closed.getByTestId('consensus-outcome').getAttribute('data-reached')).toBe('true');
    expect(await closed.getByTestId('consensus-round').count()).toBe(2);
    expect(await closed.locator('[data-testid="consensus-round"][data-round="1"]').getAttribute('data-reached')).toBe('false');
    expect(await closed.locator('[data-testid="consensus-round"][data-round="2"]').getAttribute('data-reached')).toBe('true');
    // The display leaves the map once no check is open.
    await expect.poll(() => display.getByTestId('consensus-map').count()).toBe(0);
    await shot(zhang, 'phone-360-zh-closed');
  });

  it('a second check that fails is turned into a motion poll in one step', async () => {
    const form = fac.getByTestId('open-check');
    await form.locator('summary').click();
    await form.locator('input[name="itemId"]').fill('item-2');
    await form.locator('textarea[name="proposal"]').fill('取消周末集市');
    await form.getByRole('button', { name: '发起检验' }).click();
    await check(members[1]!).waitFor();
    await pick(members[1]!, 4);
    await check(members[1]!).getByTestId('position-text').locator('button[type="submit"]').click();
    await expect.poll(() => check(members[1]!).getByTestId('position-picker').getAttribute('data-mine')).toBe('4');
    const controls = check(fac).getByTestId('consensus-controls');
    await controls.getByTestId('close-check').click();
    await controls.getByTestId('confirm-close-check').click();
    const failed = fac.locator('[data-testid="consensus-check"][data-state="closed"]').filter({ hasText: '取消周末集市' });
    await expect.poll(() => failed.getByTestId('consensus-outcome').getAttribute('data-reached')).toBe('false');
    await failed.getByTestId('to-poll').click();
    await failed.getByTestId('poll-made').waitFor();
    await fac.locator('[data-testid="poll"][data-title="取消周末集市"]').waitFor();
  });
});
