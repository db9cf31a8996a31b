import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchBrowser, signInToMeeting } from '../support/browser.ts';
import { connected, emit, type YishiClientSocket } from '../support/client.ts';
import { setUpCouncilWithLinks } from '../support/council.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';

/**
 * Issue 7, "The projector and the phone": the room display fits one screen whatever it shows;
 * on a phone the ballot comes first; a closed meeting's code shows what was decided; plain words
 * for residents; and the small defects seen on the way. Screenshots go to the temp folder.
 */
vi.setConfig({ expect: { poll: { timeout: 10_000, interval: 50 } } });

const shot = (name: string) => path.join(tmpdir(), `yishi-room-${name}.png`);
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };
const DISPLAY_SIZES = [
  { width: 1920, height: 1080 },
  { width: 1280, height: 720 },
  { width: 1024, height: 768 },
];

describe('the projector and the phone', () => {
  let server: ServerProcess;
  let browser: Browser;
  let meetingId = '';
  let joinCode = '';
  let links: { fac: string; m1: string; m2: string };
  let admin: import('../support/client.ts').ApiClient;
  let m2Id = '';
  let fac: YishiClientSocket;
  let facPage: Page; // en, laptop
  let m1: Page; // 张业主, zh-CN, phone
  let m1ctx: BrowserContext;
  let resident: Page; // zh-CN, phone
  const displays: Page[] = []; // en and zh-CN
  const pollIds: Record<string, string> = {};

  const card = (page: Page, title: string): Locator => page.locator(`[data-testid="poll"][data-title="${title}"]`);

  const createPoll = async (title: string, body: Record<string, unknown>) => {
    const r = await emit(fac, 'poll:create', {
      meetingId,
      title,
      eligibility: 'everyone',
      secrecy: 'secret',
      results: 'live',
      rule: { quorum: { kind: 'none' }, threshold: null },
      residentAccess: 'open_unverified',
      ...body,
    });
    if (!r.ok) throw new Error(JSON.stringify(r));
    pollIds[title] = r.data.poll.definition.id;
    const o = await emit(fac, 'poll:open', { pollId: r.data.poll.definition.id });
    if (!o.ok) throw new Error(JSON.stringify(o));
  };
  const MOTION = {
    kind: 'motion',
    options: [],
    rule: { quorum: { kind: 'none' }, threshold: { share: { kind: 'simple_majority' }, base: 'ballots_cast', abstentions: 'excluded' } },
  };

  beforeAll(async () => {
    server = await startServerProcess({ DATA_DIR: mkdtempSync(path.join(tmpdir(), 'yishi-e2e-room-')) });
    const set = await setUpCouncilWithLinks(server);
    links = set.links;
    admin = set.c.admin;
    const council = await admin.ok('GET', '/api/council');
    m2Id = council.members.find((x: { name: string }) => x.name === '赵委员')?.id ?? '';
    const m = await set.c.facilitator.ok('POST', '/api/meetings', {
      title: '幸福里三月议事会',
      startsAt: '2026-12-02T19:00:00+08:00',
      mode: 'hybrid',
    });
    meetingId = m.id;
    joinCode = m.joinCode;
    fac = set.c.facilitator.socket();
    await connected(fac);
    browser = await launchBrowser();
    facPage = await (await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } })).newPage();
    m1ctx = await browser.newContext({ locale: 'zh-CN', ...PHONE });
    m1 = await m1ctx.newPage();
    resident = await (await browser.newContext({ locale: 'zh-CN', ...PHONE })).newPage();
  });
  afterAll(async () => {
    fac?.close();
    await browser?.close();
    await server?.stop();
  });

  it('a resident never sees the internal state 草稿 (draft)', async () => {
    await resident.goto(`${server.url}/join/${joinCode}`);
    expect(await resident.locator('main').innerText()).not.toContain('草稿');
    await resident.getByLabel('您的称呼').fill('楼下王阿姨');
    await resident.getByRole('button', { name: '加入会议' }).click();
    await resident.locator('[data-testid="connection"][data-state="connected"]').waitFor();
    await resident.getByTestId('polls').waitFor();
    expect(await resident.locator('main').innerText()).not.toContain('草稿');
    const t = await emit(fac, 'meeting:transition', { meetingId, to: 'live' });
    expect(t.ok).toBe(true);
    await expect.poll(() => resident.getByTestId('meeting-state').getAttribute('data-state')).toBe('live');
  });

  it('on a phone the open ballot comes first, attendance only as its summary', async () => {
    await createPoll('更换小区大门', MOTION);
    await signInToMeeting(m1, server.url, links.m1, meetingId);
    for (const [page, name] of [
      [resident, 'resident'],
      [m1, 'member'],
    ] as const) {
      const ballot = card(page, '更换小区大门').getByRole('button', { name: '赞成' });
      await ballot.waitFor();
      await page.screenshot({ path: shot(`phone-${name}-open`), fullPage: true });
      const box = (await ballot.boundingBox())!;
      // The first screen, without scrolling.
      expect(box.y + box.height, `${name}: the ballot within the first screen`).toBeLessThanOrEqual(740);
      // Attendance is there, collapsed to its summary (who is present is one tap away).
      await expect.poll(() => page.getByTestId('attendance-summary').isVisible()).toBe(true);
      expect(await page.getByTestId('present-member').first().isVisible()).toBe(false);
      await page.screenshot({ path: shot(`phone-${name}-open`), fullPage: true });
    }
  });

  it("a member's second tab stops offering the ballot once the first has voted", async () => {
    const second = await m1ctx.newPage();
    await second.goto(`${server.url}/meetings/${meetingId}`);
    await second.locator('[data-testid="connection"][data-state="connected"]').waitFor();
    await card(second, '更换小区大门').getByRole('button', { name: '赞成' }).waitFor();
    await card(m1, '更换小区大门').getByRole('button', { name: '赞成' }).click();
    // A secret ballot waits until two others can be sealed with it (k = 3): the resident and the
    // facilitator vote too, and the member's first tab then shows it stored.
    await card(m1, '更换小区大门').getByTestId('ballot-held').waitFor();
    await card(resident, '更换小区大门').getByRole('button', { name: '赞成' }).click();
    expect(
      await emit(fac, 'ballot:cast', { pollId: pollIds['更换小区大门'], choice: { kind: 'motion', choice: 'no' }, idempotencyKey: randomUUID() }),
    ).toMatchObject({ ok: true });
    await expect.poll(() => card(m1, '更换小区大门').getByTestId('ballot-status').innerText()).toBe('您的投票已记录。');
    await expect.poll(() => card(second, '更换小区大门').getByTestId('already-voted').isVisible(), { timeout: 3000 }).toBe(true);
    await second.close();
  });

  it('a secret ballot explains how to change the vote in plain words, with no long token on screen', async () => {
    const receipt = card(m1, '更换小区大门').getByTestId('receipt');
    await receipt.waitFor();
    const text = await receipt.innerText();
    expect(text).not.toContain('凭据');
    expect(text).toContain('改票');
    expect(text).not.toMatch(/[A-Za-z0-9_-]{20,}/);
  });

  it('the room display fits 1920x1080, 1280x720 and 1024x768 with 1, 2 and 6 open polls, in both languages', async () => {
    await signInToMeeting(facPage, server.url, links.fac, meetingId);
    const zh = await (await browser.newContext({ locale: 'zh-CN', viewport: DISPLAY_SIZES[0] })).newPage();
    await signInToMeeting(zh, server.url, links.m2, meetingId);
    const en = await facPage.context().newPage();
    for (const d of [en, zh]) {
      await d.setViewportSize(DISPLAY_SIZES[0]!);
      await d.goto(`${server.url}/meetings/${meetingId}/display`);
      await d.getByTestId('room-display').waitFor();
      displays.push(d);
    }
    const more: [string, Record<string, unknown>][] = [
      ['选择新的物业服务公司（三年合同，含绿化与保洁）', { kind: 'single', options: ['甲公司', '乙公司', '丙公司', '丁公司', '维持现有物业服务'] }],
      ['先做哪项工程', { kind: 'ranked', options: ['甲公司方案', '乙公司方案', '建车棚', '加装电梯'] }],
      ['方案评分', { kind: 'score', options: ['方案甲', '方案乙', '方案丙'] }],
      ['停车收费调整', { ...MOTION, secrecy: 'roll_call' }],
      ['活动室开放时间', { kind: 'multiple', options: ['早上', '中午', '下午', '晚上'], maxChoices: 2 }],
    ];
    const check = async (open: number) => {
      for (const d of displays) {
        await expect.poll(() => d.getByTestId('room-display').getAttribute('data-open')).toBe(String(open));
        for (const size of DISPLAY_SIZES) {
          await d.setViewportSize(size);
          const lang = displays.indexOf(d) === 0 ? 'en' : 'zh';
          // Fonts and the fitting settle on the next frames: poll until the page fits.
          await expect
            .poll(
              () =>
                d.evaluate(() => {
                  // The polls area hides what overflows it: nothing may be cut off there either.
                  const area = document.querySelector<HTMLElement>('[data-fit]');
                  return {
                    height: document.documentElement.scrollHeight - window.innerHeight,
                    width: document.documentElement.scrollWidth - window.innerWidth,
                    pollsCut: area ? area.scrollHeight > area.clientHeight + 1 || area.scrollWidth > area.clientWidth + 1 : false,
                  };
                }),
              { timeout: 5000 },
            )
            .toEqual({ height: 0, width: 0, pollsCut: false });
          // Every open poll is on the screen or in the rotation, named in the count.
          expect(await d.getByTestId('display-poll').count()).toBeGreaterThan(0);
          await d.screenshot({ path: shot(`display-${open}-${size.width}x${size.height}-${lang}`) });
        }
      }
    };
    await check(1);
    await createPoll(more[0]![0], more[0]![1]);
    await check(2);
    for (const [title, body] of more.slice(1)) await createPoll(title, body);
    await check(6);
  });

  it('a wrong voting code says so without an endless "loading", and the right code clears the error', async () => {
    const TITLE = '是否同意增设快递柜';
    await createPoll(TITLE, { ...MOTION, residentAccess: 'voting_code' });
    const c = card(resident, TITLE);
    await c.getByTestId('voting-code-input').fill('WRONG234');
    await c.getByRole('button', { name: '使用投票码' }).click();
    await expect.poll(() => c.getByTestId('ballot-error').innerText()).not.toBe('');
    expect(await c.getByTestId('vote-box').innerText()).not.toContain('正在加载');

    const slips = await emit(fac, 'codes:issue', { meetingId, count: 1 });
    if (!slips.ok) throw new Error(JSON.stringify(slips));
    await c.getByRole('button', { name: '换一个投票码' }).click();
    await c.getByTestId('voting-code-input').fill(slips.data.slips[0]!.code);
    await c.getByRole('button', { name: '使用投票码' }).click();
    await c.getByRole('button', { name: '赞成' }).waitFor();
    expect(await c.getByTestId('ballot-error').innerText()).toBe('');
  });

  it('at 360 px, English tally headers and ranked options keep their words whole', async () => {
    /** How many lines each element's text takes. */
    const lines = (l: Locator) =>
      l.evaluateAll((els) =>
        els.map((el) => {
          const r = document.createRange();
          r.selectNodeContents(el);
          const tops = new Set([...r.getClientRects()].map((x) => Math.round(x.top)));
          return { text: (el as HTMLElement).innerText, lines: tops.size };
        }),
      );
    await facPage.setViewportSize({ width: 360, height: 740 });
    const heads = await lines(card(facPage, '更换小区大门').locator('th[scope="col"]'));
    expect(heads.length).toBeGreaterThan(0);
    for (const h of heads) expect(h, h.text).toMatchObject({ lines: 1 });
    await facPage.screenshot({ path: shot('phone-en-tally'), fullPage: false });
    await facPage.setViewportSize({ width: 1280, height: 900 });

    const ranked = card(m1, '先做哪项工程');
    await ranked.getByRole('button', { name: '把“甲公司方案”排在第 1 位' }).click();
    await ranked.getByRole('button', { name: '把“乙公司方案”排在第 2 位' }).click();
    const labels = await lines(ranked.getByTestId('ranking').locator('.label'));
    expect(labels.map((l) => l.text)).toEqual(['甲公司方案', '乙公司方案']);
    for (const l of labels) expect(l, l.text).toMatchObject({ lines: 1 });
    await ranked.screenshot({ path: shot('phone-ranked') });
  });

  it('after close the outcome word is the largest text on the display card, and the screen reader hears the winner', async () => {
    const SINGLE = '选择新的物业服务公司（三年合同，含绿化与保洁）';
    await card(m1, SINGLE).getByRole('radio', { name: '甲公司' }).check();
    await card(m1, SINGLE).getByRole('button', { name: '投票', exact: true }).click();
    // The only secret ballot here: it waits, and the close below seals and counts it.
    await card(m1, SINGLE).getByTestId('ballot-held').waitFor();
    await card(m1, '停车收费调整').getByRole('button', { name: '赞成' }).click();
    await expect.poll(() => card(m1, '停车收费调整').getByTestId('ballot-status').innerText()).toBe('您的投票已记录。');
    // Chinese punctuation throughout: "张业主（议事会成员（有约束力））：赞成", no half-width "(" or ":".
    await expect.poll(() => card(m1, '停车收费调整').getByTestId('named-ballots').innerText()).toContain('张业主（');
    expect(await card(m1, '停车收费调整').getByTestId('named-ballots').innerText()).not.toMatch(/[(:]/);
    for (const title of Object.keys(pollIds).filter((t) => t !== SINGLE)) {
      const r = await emit(fac, 'poll:close', { pollId: pollIds[title] });
      expect(r.ok).toBe(true);
    }
    expect((await emit(fac, 'poll:close', { pollId: pollIds[SINGLE] })).ok).toBe(true);

    for (const d of displays) {
      await expect.poll(() => d.getByTestId('display-poll').getAttribute('data-state')).toBe('closed');
      for (const size of DISPLAY_SIZES) {
        await d.setViewportSize(size);
        const sizes = await d.getByTestId('display-poll').evaluate((el) => {
          const out: { text: string; px: number }[] = [];
          const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
          for (let n = walk.nextNode(); n; n = walk.nextNode()) {
            const parent = n.parentElement!;
            if (!n.textContent!.trim() || parent.closest('.sr-only') || parent.offsetParent === null) continue;
            out.push({ text: n.textContent!.trim(), px: parseFloat(getComputedStyle(parent).fontSize) });
          }
          return out;
        });
        const outcome = (await d.getByTestId('display-outcome').allInnerTexts()).join(' ');
        const biggest = Math.max(...sizes.map((s) => s.px));
        // Every text at the largest size is an outcome word, and the title is smaller.
        for (const s of sizes.filter((x) => x.px === biggest)) expect(outcome).toContain(s.text);
        const title = sizes.find((s) => s.text === '选择新的物业服务公司（三年合同，含绿化与保洁）')!;
        expect(title.px).toBeLessThan(biggest);
        expect(await d.evaluate(() => document.documentElement.scrollHeight - window.innerHeight)).toBe(0);
        await d.screenshot({ path: shot(`display-closed-${size.width}x${size.height}-${displays.indexOf(d) === 0 ? 'en' : 'zh'}`) });
      }
    }
    // The outcome's screen-reader text names the winner.
    await expect.poll(() => card(m1, SINGLE).locator('[aria-live="polite"].sr-only').last().innerText()).toContain('胜出：甲公司');
  });

  it('going offline shows within a few seconds, and coming back reconnects', async () => {
    const status = m1.getByTestId('connection');
    // The phone's browser says the network went (Wi-Fi off): the page says so at once. (Playwright's
    // setOffline would also kill the socket; a real phone's often lingers, so only the event here.)
    await m1.evaluate(() => window.dispatchEvent(new Event('offline')));
    await expect.poll(() => status.getAttribute('data-state'), { timeout: 1500 }).not.toBe('connected');
    expect(await status.innerText()).not.toContain('已连接');
    await m1.evaluate(() => window.dispatchEvent(new Event('online')));
    await expect.poll(() => status.getAttribute('data-state'), { timeout: 10_000 }).toBe('connected');

    // The network vanishes without a word (no event, no FIN): a frozen server looks just like that.
    const started = Date.now();
    server.proc.kill('SIGSTOP');
    try {
      await expect.poll(() => status.getAttribute('data-state'), { timeout: 15_000, interval: 200 }).not.toBe('connected');
    } finally {
      server.proc.kill('SIGCONT');
    }
    const took = Date.now() - started;
    expect(took, `offline shown after ${took} ms`).toBeLessThan(9_000);
    await expect.poll(() => status.getAttribute('data-state'), { timeout: 15_000 }).toBe('connected');
  });

  it('the join link and the display link are tap targets of at least 44 px', async () => {
    await facPage.bringToFront();
    for (const id of ['join-link', 'open-display']) {
      const box = (await facPage.getByTestId(id).boundingBox())!;
      expect(box.height, id).toBeGreaterThanOrEqual(44);
    }
  });

  it('a closed meeting opens on its decisions, and its code shows that it ended and what was decided', async () => {
    expect((await emit(fac, 'meeting:transition', { meetingId, to: 'closed' })).ok).toBe(true);
    await m1.reload();
    const decisions = m1.getByTestId('meeting-decisions');
    await decisions.waitFor();
    expect((await decisions.boundingBox())!.y).toBeLessThan(740);
    await expect.poll(() => decisions.innerText()).toContain('甲公司');
    expect(await decisions.innerText()).toContain('更换小区大门');
    await m1.screenshot({ path: shot('phone-member-closed'), fullPage: true });
    expect(await m1.evaluate(() => document.documentElement.scrollHeight)).toBeLessThan(4 * 740);

    const late = await (await browser.newContext({ locale: 'zh-CN', ...PHONE })).newPage();
    await late.goto(`${server.url}/join`);
    await late.getByLabel('会议码').fill(joinCode.toLowerCase());
    await late.getByRole('button', { name: '下一步' }).click();
    const ended = late.getByTestId('meeting-ended');
    await ended.waitFor();
    expect(await late.locator('main').innerText()).not.toContain('找不到');
    const text = await ended.innerText();
    expect(text).toContain('已结束');
    expect(text).toContain('胜出：甲公司');
    expect(text).toContain('更换小区大门');
    await late.screenshot({ path: shot('join-closed-zh'), fullPage: true });
  });

  it('a used setup link says so instead of showing the form', async () => {
    const page = await (await browser.newContext({ locale: 'zh-CN', ...PHONE })).newPage();
    await page.goto(server.setupUrl!);
    await page.getByTestId('setup-done').waitFor();
    expect(await page.locator('#setup-council').count()).toBe(0);
  });

  it('a replaced sign-in link says it was replaced, not that a password is wrong', async () => {
    await admin.ok('POST', `/api/council/members/${m2Id}/link`);
    const page = await (await browser.newContext({ locale: 'zh-CN', ...PHONE })).newPage();
    await page.goto(`${server.url}/signin/${links.m2}`);
    await page.getByTestId('link-failed').waitFor();
    const text = await page.locator('main').innerText();
    expect(text).not.toContain('密码');
    expect(text).toContain('失效');
  });

  it('the add-member form starts again at "member", and deleting a group with members says what to do', async () => {
    const me = await admin.ok('GET', '/api/session');
    const link = await admin.ok('POST', `/api/council/members/${me.member.id}/link`);
    const page = await (await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(`${server.url}/signin/${link.url.split('/signin/')[1]}`);
    await page.waitForURL(`${server.url}/`);
    await page.goto(`${server.url}/settings`);
    await page.locator('#nmem-name').fill('钱主持');
    await page.locator('#nmem-role').selectOption('facilitator');
    await page.getByRole('button', { name: '添加成员' }).click();
    await expect.poll(() => page.locator('main').innerText()).toContain('钱主持');
    await expect.poll(() => page.locator('#nmem-role').inputValue()).toBe('member');

    await page
      .getByRole('button', { name: /删除分组/ })
      .first()
      .click();
    await expect.poll(() => page.locator('main').innerText()).toContain('还有成员');
    expect(await page.locator('main').innerText()).not.toContain('操作冲突');
  });
});
