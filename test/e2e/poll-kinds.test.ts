import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchBrowser, signInToMeeting } from '../support/browser.ts';
import { setUpCouncilWithLinks } from '../support/council.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';

/**
 * The poll kinds votes.test.ts does not drive: a ranked ballot built by tapping (ranking only some
 * options), a score ballot (every option rated, or a clear hint), and in-room hand counts for a
 * motion shown as their own column, added to the total, with who entered them. The facilitator
 * works in English on a laptop; 张业主 in Chinese on a 360 px phone; 赵委员 in English.
 *
 * The ranked poll is secret: its three ballots wait until they can be sealed together (k = 3,
 * docs/ARCHITECTURE.md "Secret ballots") and its tally moves as one batch. The score poll and the
 * motion are roll-call: they are about rating and about hand counts, and a lone secret ballot
 * there would only be counted at the close.
 */
vi.setConfig({ expect: { poll: { timeout: 10_000, interval: 50 } } });

describe('ranked, score and in-room counts in the browser', () => {
  let server: ServerProcess;
  let browser: Browser;
  let meetingId = '';
  let links: { fac: string; m1: string; m2: string };
  let fac: Page;
  let m1: Page; // 张业主, zh-CN, phone
  let m2: Page; // 赵委员, en
  let display: Page; // the projector, opened from the facilitator's browser

  const RANKED = '先做哪项工程';
  const SCORE = '方案评分';
  const MOTION = '重新粉刷大门';

  const poll = (page: Page, title: string): Locator => page.locator(`[data-testid="poll"][data-title="${title}"]`);
  const row = (page: Page, title: string, option: string) => poll(page, title).locator(`[data-testid="tally-row"][data-option="${option}"]`);

  beforeAll(async () => {
    server = await startServerProcess({ DATA_DIR: mkdtempSync(path.join(tmpdir(), 'yishi-e2e-kinds-')) });
    const { c, links: tokens } = await setUpCouncilWithLinks(server);
    links = tokens;
    const m = await c.facilitator.ok('POST', '/api/meetings', { title: '工程议事会', startsAt: '2026-12-02T19:00:00+08:00', mode: 'hybrid' });
    meetingId = m.id;

    browser = await launchBrowser();
    fac = await (await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } })).newPage();
    m1 = await (await browser.newContext({ locale: 'zh-CN', viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true })).newPage();
    m2 = await (await browser.newContext({ locale: 'en-US', viewport: { width: 1024, height: 800 } })).newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const signIn = (page: Page, token: string) => signInToMeeting(page, server.url, token, meetingId);

  it('the facilitator opens a ranked poll, a score poll and a motion', async () => {
    await signIn(fac, links.fac);
    await fac.getByRole('button', { name: 'Start meeting' }).click();
    await expect.poll(() => fac.getByTestId('meeting-state').getAttribute('data-state')).toBe('live');

    const form = fac.getByTestId('create-poll');
    await form.locator('summary').click();
    const create = async (title: string, kind: string, options?: string, secrecy = 'Secret ballot') => {
      await fac.locator('#cp-title').fill(title);
      await form.getByLabel(secrecy, { exact: true }).check();
      await fac.locator('#cp-kind').selectOption(kind);
      if (options) await fac.locator('#cp-options').fill(options);
      await fac.getByRole('button', { name: 'Create poll' }).click();
      await poll(fac, title).waitFor();
    };
    await create(RANKED, 'ranked', '修路\n装灯\n建车棚');
    await create(SCORE, 'score', '方案甲\n方案乙', 'Roll-call (named)');
    await create(MOTION, 'motion', undefined, 'Roll-call (named)');
    for (const title of [RANKED, SCORE, MOTION]) {
      await poll(fac, title).getByRole('button', { name: 'Open voting' }).click();
      await expect.poll(() => poll(fac, title).getAttribute('data-state')).toBe('open');
    }
    await signIn(m1, links.m1);
    await signIn(m2, links.m2);
  });

  it('the room display shows how to join, who is here and every open poll, with no controls', async () => {
    const link = fac.getByTestId('open-display');
    const [opened] = await Promise.all([fac.context().waitForEvent('page'), link.click()]);
    display = opened;
    await display.getByTestId('room-display').waitFor();
    expect(new URL(display.url()).pathname).toBe(`/meetings/${meetingId}/display`);
    await expect.poll(() => display.getByTestId('room-display').getAttribute('data-connection')).toBe('connected');
    expect(await display.getByTestId('display-join-code').innerText()).toMatch(/^[2-9A-HJKMNP-Z]{6}$/);
    await expect.poll(() => display.getByTestId('display-attendance').innerText()).toContain('Present');
    // Three open polls: as many as fit are on screen, the rest come round in turn (room.test.ts).
    await expect.poll(() => display.getByTestId('room-display').getAttribute('data-open')).toBe('3');
    expect(await display.getByTestId('display-poll').count()).toBeGreaterThan(0);
    // A projector has no buttons and no ballots; the site header is hidden too.
    expect(await display.getByRole('button').count()).toBe(0);
    expect(await display.getByTestId('ballot').count()).toBe(0);
    expect(await display.locator('header.top').isVisible()).toBe(false);
  });

  it('a member ranks only some options, by tapping, and reorders them', async () => {
    const card = poll(m1, RANKED);
    // Nothing is pre-ranked; sending an empty ranking asks to choose first, and sends nothing.
    expect(await card.getByTestId('ranking-empty').innerText()).toBe('还没有排序任何选项。');
    await card.getByRole('button', { name: '投票', exact: true }).click();
    expect(await card.getByTestId('ballot-hint').innerText()).toBe('请先选择。');

    await card.getByRole('button', { name: '把“装灯”排在第 1 位' }).click();
    await card.getByRole('button', { name: '把“修路”排在第 2 位' }).click();
    await card.getByRole('button', { name: '上移“修路”（现为第 2 位）' }).click();
    expect((await card.getByTestId('ranking').locator('li').allInnerTexts()).map((s) => s.split('\n')[1])).toEqual(['修路', '装灯']);
    // 建车棚 stays unranked: the ballot counts for 修路, then 装灯, then nothing.
    expect(await card.innerText()).toContain('未排序的选项不会得到您的票');
    await card.screenshot({ path: path.join(tmpdir(), 'yishi-ranked-ballot-360.png') });
    await card.getByRole('button', { name: '投票', exact: true }).click();
    // A secret ballot, first in: it waits to be sealed with two others.
    await expect.poll(() => card.getByTestId('ballot-held').innerText()).toContain('至少 2 张其他选票一起封存');

    // 赵委员 ranks one option only, and so does the facilitator: the third seals all three.
    const m2Card = poll(m2, RANKED);
    await m2Card.getByRole('button', { name: 'Rank “装灯” as number 1' }).click();
    await m2Card.getByRole('button', { name: 'Cast my vote' }).click();
    await expect.poll(() => m2Card.getByTestId('ballot-held').innerText()).toContain('at least 2 others');
    expect(await poll(fac, RANKED).getByTestId('tally-members').getAttribute('data-turnout')).toBe('0');
    const facCard = poll(fac, RANKED);
    await facCard.getByRole('button', { name: 'Rank “装灯” as number 1' }).click();
    await facCard.getByRole('button', { name: 'Cast my vote' }).click();
    await expect.poll(() => card.getByTestId('ballot-status').innerText()).toBe('您的投票已记录。');
    for (const c of [m2Card, facCard]) await expect.poll(() => c.getByTestId('ballot-status').innerText()).toBe('Your vote is stored.');
    await expect.poll(() => poll(fac, RANKED).getByTestId('tally-members').getAttribute('data-turnout')).toBe('3');
  });

  it('a score ballot needs every option rated', async () => {
    const card = poll(m1, SCORE);
    await card.getByRole('group', { name: '“方案甲”的评分' }).getByText('4', { exact: true }).click();
    await card.getByRole('button', { name: '投票', exact: true }).click();
    expect(await card.getByTestId('ballot-hint').innerText()).toBe('还有选项没有评分。');
    await card.getByRole('group', { name: '“方案乙”的评分' }).getByText('2', { exact: true }).click();
    await card.getByRole('button', { name: '投票', exact: true }).click();
    await expect.poll(() => card.getByTestId('ballot-status').innerText()).toBe('您的投票已记录。');

    const c2 = poll(m2, SCORE);
    await c2.getByRole('group', { name: 'Score for “方案甲”' }).getByText('2', { exact: true }).click();
    await c2.getByRole('group', { name: 'Score for “方案乙”' }).getByText('5', { exact: true }).click();
    await c2.getByRole('button', { name: 'Cast my vote' }).click();
    await expect.poll(() => c2.getByTestId('ballot-status').innerText()).toBe('Your vote is stored.');

    // Live averages for everyone: 方案甲 (4+2)/2, 方案乙 (2+5)/2.
    const rows = poll(fac, SCORE).getByTestId('score-row');
    await expect
      .poll(() => rows.allInnerTexts(), { timeout: 3000 })
      .toEqual([expect.stringContaining('average 3.00 (total 6)'), expect.stringContaining('average 3.50 (total 7)')]);
  });

  it('in-room hand counts show as their own column, added to the total, with who entered them', async () => {
    await poll(m2, MOTION).getByRole('button', { name: 'Yes' }).click();
    await expect.poll(() => poll(m2, MOTION).getByTestId('ballot-status').innerText()).toBe('Your vote is stored.');

    const card = poll(fac, MOTION);
    await card.locator('summary', { hasText: 'In-room counts' }).click();
    // Four members, one voted online: eight hands cannot be members, and nothing is stored.
    await card.getByLabel('Count for “Yes”').fill('5');
    await card.getByLabel('Count for “No”').fill('2');
    await card.getByLabel('Count for “Abstain”').fill('1');
    await card.getByRole('button', { name: 'Save in-room counts' }).click();
    await expect.poll(() => card.innerText()).toContain('Tick one name for each member counted in the room');

    await card.getByLabel('Count for “Yes”').fill('2');
    await card.getByLabel('Count for “No”').fill('1');
    await card.getByLabel('Count for “Abstain”').fill('0');
    // The three who raised a hand, by name (赵委员 voted online).
    const who = card.getByTestId('inroom-who');
    for (const name of ['王主任', '李主持', '张业主']) await who.getByLabel(name).check();
    await card.getByRole('button', { name: 'Save in-room counts' }).click();
    await expect.poll(() => card.getByText('In-room counts saved.').count()).toBe(1);

    // On the member's phone, in Chinese: online 1 + in room 2 = 3 for yes; turnout 1 + 3.
    await expect.poll(() => row(m1, MOTION, '赞成').getAttribute('data-total'), { timeout: 3000 }).toBe('3');
    const cells = await row(m1, MOTION, '赞成').locator('td').allInnerTexts();
    expect(cells.slice(0, 2)).toEqual(['1', '2']);
    expect(await row(m1, MOTION, '反对').getAttribute('data-total')).toBe('1');
    const tally = poll(m1, MOTION).getByTestId('tally-members');
    expect(await tally.getAttribute('data-turnout')).toBe('4');
    expect(await tally.innerText()).toContain('（线上 1，现场 3）');
    expect(await tally.innerText()).toContain('李主持');
    expect(await tally.innerText()).toContain('现场票数由李主持录入'); // who entered the hand count
    expect(await m1.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);

    // The projector follows: turnout against the electorate (4 members: 1 online, 3 by hand).
    const shown = display.locator('[data-testid="display-poll"][data-title="' + MOTION + '"]');
    // The display turns its pages every 12 s: wait for the motion's page to come round.
    await expect.poll(() => shown.getByTestId('tally-members').getAttribute('data-turnout'), { timeout: 40_000 }).toBe('4');
    expect(await shown.getByTestId('tally-members').innerText()).toContain('Turnout: 4 / 4');
  });

  it('closing shows every runoff round and the winner; partial ballots are counted, not lost', async () => {
    for (const title of [RANKED, SCORE, MOTION]) {
      await poll(fac, title).getByRole('button', { name: 'Close poll' }).click();
      await poll(fac, title).getByRole('button', { name: 'Yes, close the poll' }).click();
      await expect.poll(() => poll(fac, title).getAttribute('data-state')).toBe('closed');
    }
    // Round 1: 修路 1, 装灯 2, 建车棚 0: 装灯 holds a majority of the three ballots at once.
    const ranked = poll(m1, RANKED);
    await expect.poll(() => ranked.getByTestId('outcome').getAttribute('data-outcome'), { timeout: 3000 }).toBe('winner');
    expect(await ranked.getByTestId('outcome').innerText()).toContain('装灯');
    const rounds = ranked.getByTestId('irv-round');
    expect(await rounds.count()).toBeGreaterThanOrEqual(1);
    expect(await rounds.first().innerText()).toContain('装灯');
    expect(await rounds.first().innerText()).toMatch(/装灯\s*2 票/);

    await expect.poll(() => poll(m2, SCORE).getByTestId('outcome').innerText(), { timeout: 3000 }).toContain('Winner: 方案乙');
    // The motion passes on 3 of 4 (abstentions left out of the base by default).
    await expect.poll(() => poll(m2, MOTION).getByTestId('outcome').getAttribute('data-outcome'), { timeout: 3000 }).toBe('passed');
    expect(await poll(m2, MOTION).getByTestId('outcome').innerText()).toContain('3 of 4');

    // With nothing open, the room display keeps the poll closed last up, with its outcome.
    await expect.poll(() => display.getByTestId('display-poll').count(), { timeout: 3000 }).toBe(1);
    const last = display.getByTestId('display-poll');
    expect(await last.getAttribute('data-title')).toBe(MOTION);
    expect(await last.getByTestId('outcome').getAttribute('data-outcome')).toBe('passed');
    await display.screenshot({ path: path.join(tmpdir(), 'yishi-room-display.png') });
  });
});
