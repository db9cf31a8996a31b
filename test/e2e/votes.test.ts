import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchBrowser, signInToMeeting } from '../support/browser.ts';
import { setUpCouncilWithLinks } from '../support/council.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';

/**
 * Issue 3's browser test. A facilitator (in Chinese) opens a secret motion for members only and
 * advisory single-choice polls for residents; two members and two residents vote from their own
 * browser contexts and every screen follows the tallies live; the facilitator closes the polls and
 * everyone sees the outcomes and that they were recorded as decisions; a resident who tries to vote
 * twice is refused in their own language.
 *
 * Secret ballots are sealed in batches (docs/ARCHITECTURE.md, "Secret ballots"): with four
 * members k = 3, so a ballot waits on the voter's screen until two others join it (or the poll
 * closes), and the live tally moves by whole batches. Every poll here is secret, as councils use
 * them, and the scenario brings enough voters to each poll for its batches to seal.
 *
 * "Two residents (one with a voting code)": Mrs Liu (English) holds a voting code from the printed
 * sheet; Uncle Chen (Chinese) has none. The advisory poll with residentAccess voting_code is
 * therefore voted by Mrs Liu (Uncle Chen sees that it needs a code), and a second advisory
 * single-choice poll, open and unverified (one ballot per browser), is voted by both residents.
 */
// Eight pages in one headless Chromium on a small machine: page loads and sign-ins get 10 s.
// The live-tally checks below keep their own, tighter limit.
vi.setConfig({ expect: { poll: { timeout: 10_000, interval: 50 } } });

describe('votes and polls in the browser', () => {
  let server: ServerProcess;
  let browser: Browser;
  let meetingId = '';
  let joinCode = '';
  let links: { fac: string; m1: string; m2: string };

  let fac: Page;
  let m1: Page; // 张业主
  let m2: Page; // 赵委员
  let rEn: Page; // Mrs Liu, with a voting code
  let rEn2: Page; // Mrs Liu's second tab
  let rZh: Page; // 陈大爷, no code
  let rZh2: Page; // 陈大爷's second tab
  let rEnCtx: BrowserContext;
  let rZhCtx: BrowserContext;
  let slipCode = '';
  let secondSlipCode = '';
  let wang: Page; // 王阿姨, who scans the second slip

  const MOTION = '同意加装电梯';
  const CODED = '健身器材放哪里';
  const OPEN = '周末集市时间';

  const poll = (page: Page, title: string): Locator => page.locator(`[data-testid="poll"][data-title="${title}"]`);
  const turnout = (page: Page, title: string, electorate: 'members' | 'residents') =>
    poll(page, title).getByTestId(`tally-${electorate}`).getAttribute('data-turnout');

  beforeAll(async () => {
    server = await startServerProcess({ DATA_DIR: mkdtempSync(path.join(tmpdir(), 'yishi-e2e-votes-')) });
    const { c, links: tokens } = await setUpCouncilWithLinks(server);
    links = tokens;
    const m = await c.facilitator.ok('POST', '/api/meetings', {
      title: '加装电梯议事会',
      startsAt: '2026-12-01T19:00:00+08:00',
      mode: 'hybrid',
    });
    meetingId = m.id;
    joinCode = m.joinCode;

    browser = await launchBrowser();
    const phone = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };
    fac = await (await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } })).newPage();
    m1 = await (await browser.newContext({ locale: 'zh-CN', ...phone })).newPage();
    m2 = await (await browser.newContext({ locale: 'zh-CN', viewport: { width: 1024, height: 800 } })).newPage();
    rEnCtx = await browser.newContext({ locale: 'en-US', ...phone });
    rZhCtx = await browser.newContext({ locale: 'zh-CN', ...phone });
    rEn = await rEnCtx.newPage();
    rZh = await rZhCtx.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const signIn = (page: Page, token: string) => signInToMeeting(page, server.url, token, meetingId);
  const joinAsResident = async (page: Page, name: string, submit: string) => {
    await page.goto(`${server.url}/join/${joinCode}`);
    await page.locator('#join-name').fill(name);
    await page.getByRole('button', { name: submit }).click();
    await page.getByTestId('meeting-state').waitFor();
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('connected');
  };

  it('the facilitator starts the meeting and prints voting codes', async () => {
    await signIn(fac, links.fac);
    await fac.getByRole('button', { name: '开始会议' }).click();
    await expect.poll(() => fac.getByTestId('meeting-state').getAttribute('data-state')).toBe('live');

    const codes = fac.getByTestId('voting-codes');
    await codes.locator('summary').click();
    await codes.getByLabel('住户名单（可选，每行一户，如 3-201）').fill('3-201\n3-202');
    await codes.getByRole('button', { name: '发放 2 个投票码' }).click();
    await expect.poll(() => codes.getByTestId('code-slip').count()).toBe(2);
    const first = codes.getByTestId('code-slip').first();
    expect(await first.innerText()).toContain('住户：3-201');
    expect(await first.innerText()).toContain(`/join/${joinCode}`);
    await expect.poll(() => first.locator('svg').count()).toBeGreaterThan(0); // the QR code
    slipCode = (await first.getByTestId('slip-code').innerText()).trim();
    expect(slipCode).toMatch(/^[2-9A-HJKMNP-Z]{8}$/);
    secondSlipCode = (await codes.getByTestId('code-slip').nth(1).getByTestId('slip-code').innerText()).trim();

    // Printing shows the sheet of slips and nothing else of the page.
    await fac.emulateMedia({ media: 'print' });
    expect(await codes.getByTestId('code-sheet').isVisible()).toBe(true);
    expect(await fac.getByRole('heading', { name: '表决', exact: true }).isVisible()).toBe(false);
    expect(await fac.getByTestId('meeting-state').isVisible()).toBe(false);
    await fac.emulateMedia({ media: 'screen' });
  });

  it('creates and opens a secret members-only motion and two advisory polls', async () => {
    const form = fac.getByTestId('create-poll');
    await form.locator('summary').click();

    // 1. The motion: defaults are members only, secret, live, simple majority of ballots cast.
    await fac.locator('#cp-title').fill(MOTION);
    expect(await form.innerText()).toContain('通过条件：获得已投票数中过半数的支持');
    expect(await form.innerText()).toContain('弃权票不计入基数');
    await fac.getByRole('button', { name: '创建表决' }).click();
    await poll(fac, MOTION).waitFor();

    // 2. Advisory single choice, residents with voting codes.
    const single = async (title: string, options: string, access: string) => {
      await fac.locator('#cp-title').fill(title);
      await fac.locator('#cp-kind').selectOption('single');
      await fac.locator('#cp-options').fill(options);
      await form.getByLabel('所有人（居民参与，咨询性）').check();
      await form.getByLabel(access).check();
      await fac.getByRole('button', { name: '创建表决' }).click();
      await poll(fac, title).waitFor();
    };
    await single(CODED, '东门\n西门\n中心花园', '居民凭投票码投票');
    expect(await form.innerText()).toContain('不设通过门槛：得票最多的选项胜出');
    // 3. Advisory single choice, open and unverified.
    await single(OPEN, '周六上午\n周日下午', '公开、不核验（每个浏览器一票）');

    for (const title of [MOTION, CODED, OPEN]) {
      await poll(fac, title).getByRole('button', { name: '开始投票' }).click();
      await expect.poll(() => poll(fac, title).getAttribute('data-state')).toBe('open');
    }
    expect(await poll(fac, OPEN).getByTestId('unverified-label').innerText()).toContain('未核验');
  });

  it('members and residents arrive from their own browsers', async () => {
    await signIn(m1, links.m1);
    await signIn(m2, links.m2);
    await joinAsResident(rEn, 'Mrs Liu', 'Join meeting');
    await joinAsResident(rZh, '陈大爷', '加入会议');
    for (const p of [m1, m2, rEn, rZh]) await expect.poll(() => poll(p, MOTION).getAttribute('data-state')).toBe('open');
    // Residents have no vote in the binding motion, but follow it.
    expect(await poll(rEn, MOTION).getByTestId('vote-box').innerText()).toContain('council members only');
    expect(await poll(rEn, MOTION).getByRole('button', { name: 'Yes' }).count()).toBe(0);
    // Uncle Chen has no code: the coded poll asks for one.
    await poll(rZh, CODED).getByTestId('voting-code-input').waitFor();
    // No controls for members or residents.
    expect(await poll(m1, MOTION).getByRole('button', { name: '结束投票' }).count()).toBe(0);

    // Each resident also has a second tab open on the same meeting (the double-vote attempt below).
    rEn2 = await rEnCtx.newPage();
    rZh2 = await rZhCtx.newPage();
    for (const p of [rEn2, rZh2]) {
      await p.goto(`${server.url}/meetings/${meetingId}`);
      await expect.poll(() => p.getByTestId('connection').getAttribute('data-state')).toBe('connected');
    }
    await poll(rEn2, CODED).getByTestId('voting-code-input').fill(slipCode);
    await poll(rEn2, CODED).getByRole('button', { name: 'Use this code' }).click();
    await poll(rEn2, CODED).getByRole('button', { name: 'Cast my vote' }).waitFor();
    await poll(rZh2, OPEN).getByRole('button', { name: '投票', exact: true }).waitFor();
  });

  it('members vote the motion and every screen follows the tally live, by sealed batches', async () => {
    await poll(m1, MOTION).screenshot({ path: path.join(tmpdir(), 'yishi-member-motion-360.png') });
    // The first two secret ballots wait, each on its voter's screen, and nothing is counted yet.
    await poll(m1, MOTION).getByRole('button', { name: '赞成' }).click();
    await expect.poll(() => poll(m1, MOTION).getByTestId('ballot-held').innerText()).toContain('至少 2 张其他选票一起封存');
    expect(await poll(m1, MOTION).getByTestId('ballot-status').innerText()).toBe('');
    await poll(m1, MOTION).screenshot({ path: path.join(tmpdir(), 'yishi-member-held-360.png') });
    await poll(m2, MOTION).getByRole('button', { name: '赞成' }).click();
    await expect.poll(() => poll(m2, MOTION).getByTestId('ballot-held').innerText()).toContain('至少 2 张其他选票一起封存');
    for (const p of [fac, m1, m2, rEn, rZh]) expect(await turnout(p, MOTION, 'members')).toBe('0');

    // The third member votes: the three are sealed together, and every screen shows them at once.
    await poll(fac, MOTION).getByRole('button', { name: '赞成' }).click();
    for (const p of [m1, m2, fac]) await expect.poll(() => poll(p, MOTION).getByTestId('ballot-status').innerText()).toBe('您的投票已记录。');
    expect(await poll(m1, MOTION).getByTestId('ballot-held').count()).toBe(0);
    await poll(m1, MOTION).screenshot({ path: path.join(tmpdir(), 'yishi-member-receipt-360.png') });
    // A secret ballot gives a private receipt, once, with what it is for.
    expect(await poll(m1, MOTION).getByTestId('receipt').innerText()).toContain('表决结束前，回到这个页面就可以改票');
    for (const p of [fac, m1, m2, rEn, rZh]) await expect.poll(() => turnout(p, MOTION, 'members'), { timeout: 3000 }).toBe('3');
    const yes = poll(rEn, MOTION).getByTestId('tally-row').filter({ hasText: 'Yes' });
    await expect.poll(() => yes.getAttribute('data-total')).toBe('3');
    expect(await poll(rEn, MOTION).getByTestId('tally-members').innerText()).toContain('Turnout: 3 / 4');
    // Three identical ballots: the anonymity warning says so in words.
    expect(await poll(rEn, MOTION).getByTestId('anonymity-warning').innerText()).toMatch(/reveal/);

    // A member also answers the advisory poll: members and residents are tallied apart. Alone so
    // far, the ballot waits to be sealed (with Mrs Liu's and 赵委员's, below).
    await poll(m1, CODED).getByLabel('东门').check();
    await poll(m1, CODED).getByRole('button', { name: '投票', exact: true }).click();
    await expect.poll(() => poll(m1, CODED).getByTestId('ballot-held').count()).toBe(1);
    expect(await turnout(rEn, CODED, 'members')).toBe('0');
  });

  it('residents vote: one with her voting code, both in the open poll', async () => {
    // Mrs Liu types her code once (in lower case, as people do).
    const coded = poll(rEn, CODED);
    await coded.getByTestId('voting-code-input').fill(slipCode.toLowerCase());
    await coded.getByRole('button', { name: 'Use this code' }).click();
    await coded.getByLabel('东门').check();
    await coded.screenshot({ path: path.join(tmpdir(), 'yishi-resident-ballot-360.png') });
    await coded.getByRole('button', { name: 'Cast my vote' }).click();
    await expect.poll(() => coded.getByTestId('ballot-held').innerText()).toContain('at least 2 others');
    await coded.screenshot({ path: path.join(tmpdir(), 'yishi-resident-held-360.png') });
    expect(await turnout(fac, CODED, 'residents')).toBe('0');
    // 赵委员 answers too: with 张业主's, three ballots are sealed together.
    await poll(m2, CODED).getByLabel('西门').check();
    await poll(m2, CODED).getByRole('button', { name: '投票', exact: true }).click();
    await expect.poll(() => coded.getByTestId('ballot-status').innerText()).toBe('Your vote is stored.');
    for (const p of [m1, m2]) await expect.poll(() => poll(p, CODED).getByTestId('ballot-status').innerText()).toBe('您的投票已记录。');
    for (const p of [fac, rZh, m2]) await expect.poll(() => turnout(p, CODED, 'residents'), { timeout: 3000 }).toBe('1');
    await expect.poll(() => turnout(rEn, CODED, 'members')).toBe('2');
    expect(await poll(fac, CODED).getByTestId('tally-residents').innerText()).toContain('1 / 2'); // two codes issued

    const open = poll(rEn, OPEN);
    expect(await open.innerText()).toContain('Unverified: one ballot per browser; the result is indicative only');
    await open.getByLabel('周六上午').check();
    await open.getByRole('button', { name: 'Cast my vote' }).click();
    await expect.poll(() => open.getByTestId('ballot-held').count()).toBe(1);

    const openZh = poll(rZh, OPEN);
    await openZh.getByLabel('周日下午').check();
    await openZh.getByRole('button', { name: '投票', exact: true }).click();
    await expect.poll(() => openZh.getByTestId('ballot-held').count()).toBe(1);
    expect(await turnout(fac, OPEN, 'residents')).toBe('0');
    // A member answers the open poll too (tallied apart): the three ballots are sealed.
    await poll(m1, OPEN).getByLabel('周六上午').check();
    await poll(m1, OPEN).getByRole('button', { name: '投票', exact: true }).click();
    await expect.poll(() => open.getByTestId('ballot-status').innerText()).toBe('Your vote is stored.');
    await expect.poll(() => openZh.getByTestId('ballot-status').innerText()).toBe('您的投票已记录。');
    for (const p of [fac, m1, rEn, rZh]) await expect.poll(() => turnout(p, OPEN, 'residents'), { timeout: 3000 }).toBe('2');
    await expect.poll(() => turnout(fac, OPEN, 'members')).toBe('1');

    expect(await rEn.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  });

  it('refuses a resident who tries to vote twice, in her or his own language', async () => {
    // Mrs Liu's second tab still shows the ballot form for her code: the server refuses it.
    const again = poll(rEn2, CODED);
    await again.getByLabel('西门').check();
    await again.getByRole('button', { name: 'Cast my vote' }).click();
    await expect.poll(() => again.getByTestId('ballot-error').innerText()).toBe('You have already voted; one person, one vote.');
    expect(await again.getByTestId('ballot-error').getByRole('alert').count()).toBe(1);

    // Uncle Chen's second tab, same browser: one ballot per browser.
    const againZh = poll(rZh2, OPEN);
    await againZh.getByLabel('周六上午').check();
    await againZh.getByRole('button', { name: '投票', exact: true }).click();
    await expect.poll(() => againZh.getByTestId('ballot-error').innerText()).toBe('您已经投过票了，每人只能投一票。');

    // Nothing changed.
    await expect.poll(() => turnout(fac, CODED, 'residents')).toBe('1');
    await expect.poll(() => turnout(fac, OPEN, 'residents')).toBe('2');

    // After a reload the page asks the server and knows she has voted (the code is kept in the tab).
    await rEn.reload();
    await expect.poll(() => poll(rEn, CODED).getByTestId('already-voted').count()).toBe(1);
    expect(await poll(rEn, CODED).innerText()).toContain(`Voting with code ${slipCode}`);
  });

  it('a household that scans its slip joins and votes without typing the code', async () => {
    // The slip's QR code is the join link with the voting code in the fragment.
    const ctx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    wang = await ctx.newPage();
    await wang.goto(`${server.url}/join/${joinCode}#vote=${secondSlipCode}`);
    await wang.locator('#join-name').fill('王阿姨');
    await wang.getByRole('button', { name: '加入会议' }).click();
    await wang.getByTestId('meeting-state').waitFor();
    expect(new URL(wang.url()).hash).toBe(''); // the code does not linger in the address bar
    const coded = poll(wang, CODED);
    await expect.poll(() => coded.innerText(), { timeout: 10_000 }).toContain(secondSlipCode);
    expect(await coded.getByTestId('voting-code-input').count()).toBe(0);
    await coded.getByLabel('东门').check();
    await coded.getByRole('button', { name: '投票', exact: true }).click();
    // The only ballot not yet sealed: it waits for two more voters, or for the close (below).
    await expect.poll(() => coded.getByTestId('ballot-held').innerText()).toContain('至少 2 张其他选票一起封存');
    expect(await turnout(fac, CODED, 'residents')).toBe('1');
  });

  it('the facilitator closes the polls; outcomes and decisions appear for everyone', async () => {
    for (const title of [MOTION, CODED, OPEN]) {
      await poll(fac, title).getByRole('button', { name: '结束投票' }).click();
      // Closing asks first, inline.
      expect(await poll(fac, title).innerText()).toContain('现在结束这项表决吗？');
      await poll(fac, title).getByRole('button', { name: '确定结束投票' }).click();
      await expect.poll(() => poll(fac, title).getAttribute('data-state')).toBe('closed');
    }
    // The close seals 王阿姨's waiting ballot with the rest: on her own screen the waiting note is
    // gone, the poll is closed, and her ballot is in the count (the ballot form goes with the close).
    await expect.poll(() => poll(wang, CODED).getAttribute('data-state')).toBe('closed');
    expect(await poll(wang, CODED).getByTestId('ballot-held').count()).toBe(0);
    await expect.poll(() => turnout(wang, CODED, 'residents')).toBe('2');
    await expect.poll(() => turnout(fac, CODED, 'residents')).toBe('2');
    await wang.context().close();
    for (const p of [fac, m1, m2, rEn, rZh]) {
      await expect.poll(() => poll(p, MOTION).getByTestId('outcome').getAttribute('data-outcome'), { timeout: 3000 }).toBe('passed');
      await expect.poll(() => poll(p, OPEN).getByTestId('decision-recorded').count()).toBe(1);
    }
    const motionEn = poll(rEn, MOTION).getByTestId('outcome');
    expect(await motionEn.innerText()).toContain('Passed');
    expect(await motionEn.innerText()).toContain('3 of 3, 2 needed');
    expect(await poll(rZh, MOTION).getByTestId('outcome').innerText()).toContain('3 票中 3 票支持，需要 2 票');
    expect(await poll(rEn, MOTION).getByTestId('decision-recorded').innerText()).toMatch(/^Recorded as a decision of the meeting \(.+\)\.$/);
    expect(await poll(rZh, MOTION).getByTestId('decision-recorded').innerText()).toMatch(/^已作为会议决定记录在案（.+）。$/);

    // The advisory polls: per electorate, in words.
    const residentsCoded = poll(rEn, CODED).getByTestId('tally-residents').getByTestId('outcome');
    expect(await residentsCoded.innerText()).toContain('Winner: 东门');
    const residentsOpen = poll(rZh, OPEN).getByTestId('tally-residents').getByTestId('outcome');
    expect(await residentsOpen.getAttribute('data-outcome')).toBe('tie');
    expect(await residentsOpen.innerText()).toContain('平局');

    // No ballot forms are left.
    for (const p of [m1, rEn, rZh]) expect(await p.getByTestId('ballot').count()).toBe(0);
    await poll(rEn, MOTION).screenshot({ path: path.join(tmpdir(), 'yishi-resident-outcome-360.png') });
    await poll(rZh, OPEN).screenshot({ path: path.join(tmpdir(), 'yishi-resident-open-closed-360.png') });
  });
});
