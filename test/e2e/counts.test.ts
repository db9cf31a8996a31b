import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchBrowser, signInToMeeting } from '../support/browser.ts';
import { ApiClient, connected, emit, type YishiClientSocket } from '../support/client.ts';
import { secretOpenMotion } from '../support/poll-fields.ts';
import { setUpCouncilWithLinks } from '../support/council.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';

/**
 * Issue 7, "Counts that add up", as people see it. A council of seven: the facilitator (李主持,
 * zh-CN, a 1920x1080 laptop) runs a roll-call motion; 张业主 (zh-CN, a 360 px phone) and 周委员
 * raise their hands in the room and are ticked by name; five vote online. When the two then try
 * online too, they are refused, and the result is the seven named ballots: 3 for, 3 against, 1
 * abstains, failed, not "9 / 7, passed 4 of 7". Then a binding motion with one member present
 * ends "no quorum", and the quorum line reads present / members / quorum.
 */
vi.setConfig({ expect: { poll: { timeout: 10_000, interval: 50 } } });
const shots = process.env.SCREENSHOT_DIR ?? null;

describe('counts that add up, in the browser', () => {
  let server: ServerProcess;
  let browser: Browser;
  let c: Awaited<ReturnType<typeof setUpCouncilWithLinks>>['c'];
  let links: { fac: string; m1: string; m2: string };
  let fac: Page;
  let phone: Page;
  const api: Record<string, { client: ApiClient; id: string }> = {};
  const sockets: YishiClientSocket[] = [];

  const poll = (page: Page, title: string): Locator => page.locator(`[data-testid="poll"][data-title="${title}"]`);
  const join = async (client: ApiClient, meetingId: string) => {
    const s = client.socket();
    sockets.push(s);
    await connected(s);
    const r = await emit(s, 'meeting:join', { meetingId });
    if (!r.ok) throw new Error(JSON.stringify(r));
    return s;
  };
  const motion = async (s: YishiClientSocket, meetingId: string, title: string, secrecy: 'secret' | 'roll_call') => {
    const r = await emit(s, 'poll:create', {
      meetingId,
      title,
      kind: 'motion',
      eligibility: 'members',
      secrecy,
      results: 'live',
      rule: { quorum: { kind: 'none' }, threshold: { share: { kind: 'simple_majority' }, base: 'ballots_cast', abstentions: 'excluded' } },
    });
    if (!r.ok) throw new Error(JSON.stringify(r));
    const pollId = r.data.poll.definition.id;
    await emit(s, 'poll:open', { pollId });
    return pollId;
  };
  const vote = (s: YishiClientSocket, pollId: string, choice: 'yes' | 'no' | 'abstain') =>
    emit(s, 'ballot:cast', { pollId, choice: { kind: 'motion', choice }, idempotencyKey: randomUUID() });
  const shoot = async (page: Page, name: string) => {
    if (shots) await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  };

  beforeAll(async () => {
    server = await startServerProcess({ DATA_DIR: mkdtempSync(path.join(tmpdir(), 'yishi-e2e-counts-')) });
    ({ c, links } = await setUpCouncilWithLinks(server));
    // 王主任, 李主持, 张业主, 赵委员 and three more: seven members, a 50% quorum of 4.
    const zhao = new ApiClient(server.url);
    await zhao.ok('POST', '/api/auth/link', { token: links.m2 });
    api['赵委员'] = { client: zhao, id: '' };
    api['王主任'] = { client: c.admin, id: '' };
    for (const name of ['钱委员', '孙委员', '周委员']) {
      const m = await c.admin.ok('POST', '/api/council/members', { name, groupId: c.council.groups[0].id, role: 'member' });
      const client = new ApiClient(server.url);
      await client.ok('POST', '/api/auth/link', { token: m.link.url.split('/signin/')[1] });
      api[name] = { client, id: m.link.memberId };
    }
    browser = await launchBrowser();
    fac = await (await browser.newContext({ locale: 'zh-CN', viewport: { width: 1920, height: 1080 } })).newPage();
    phone = await (await browser.newContext({ locale: 'zh-CN', viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true })).newPage();
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await browser?.close();
    await server?.stop();
  });

  it('a member counted by hand is named, cannot vote online too, and the result is the seven named ballots', async () => {
    const m = await c.facilitator.ok('POST', '/api/meetings', { title: '电梯议事会', startsAt: '2026-12-02T19:00:00+08:00', mode: 'hybrid' });
    await signInToMeeting(fac, server.url, links.fac, m.id);
    await signInToMeeting(phone, server.url, links.m1, m.id);
    const s: Record<string, YishiClientSocket> = {};
    for (const name of Object.keys(api)) s[name] = await join(api[name]!.client, m.id);
    // Everyone is here: the quorum line keeps present, members and the threshold apart.
    await expect.poll(() => fac.getByTestId('quorum').innerText()).toContain('出席 7 / 成员 7，法定人数 4');

    const TITLE = '同意更换电梯';
    const facSocket = await join(c.facilitator, m.id);
    const pollId = await motion(facSocket, m.id, TITLE, 'roll_call');
    // Five vote online: 李主持 and 王主任 for, 赵 钱 孙 against.
    await poll(fac, TITLE).getByRole('button', { name: '赞成' }).click();
    await expect.poll(() => poll(fac, TITLE).getByTestId('ballot-status').innerText()).not.toBe('');
    for (const [name, choice] of [
      ['王主任', 'yes'],
      ['赵委员', 'no'],
      ['钱委员', 'no'],
      ['孙委员', 'no'],
    ] as const)
      expect(await vote(s[name]!, pollId, choice)).toMatchObject({ ok: true });

    // In the room, 张业主 and 周委员 raise their hands: 赞成 1, 弃权 1, ticked by name.
    const card = poll(fac, TITLE);
    await card.locator('summary', { hasText: '现场计票' }).click();
    await card.getByLabel('“赞成”的票数').fill('1');
    await card.getByLabel('“弃权”的票数').fill('1');
    // Counted without names: refused, with a clear message.
    await card.getByRole('button', { name: '保存现场票数' }).click();
    await expect.poll(() => card.innerText()).toContain('勾选人数与计票人数不一致');
    // 赵委员 voted online: ticking him is refused too.
    const who = card.getByTestId('inroom-who');
    await who.getByLabel('赵委员').check();
    await who.getByLabel('张业主').check();
    await card.getByRole('button', { name: '保存现场票数' }).click();
    await expect.poll(() => card.innerText()).toContain('勾选的成员中有人已在线投票');
    await who.getByLabel('赵委员').uncheck();
    await who.getByLabel('周委员').check();
    await expect.poll(() => who.getByTestId('inroom-ticked').innerText()).toBe('已勾选 2 人');
    await card.getByRole('button', { name: '保存现场票数' }).click();
    await expect.poll(() => card.getByText('现场票数已保存。').count()).toBe(1);
    await shoot(fac, 'counts-fac-zh-1920');

    // Then they try online as well. 周委员's ballot is refused; 张业主's phone says he was counted in the room.
    expect(await vote(s['周委员']!, pollId, 'abstain')).toMatchObject({ ok: false, error: { code: 'counted_in_room' } });
    const mine = poll(phone, TITLE);
    const yes = mine.getByRole('button', { name: '赞成' });
    if (await yes.count()) await yes.click();
    else await phone.reload();
    await expect.poll(() => mine.innerText()).toContain('现场举手计票');
    await shoot(phone, 'counts-phone-zh-360');
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);

    // Seven ballots of seven: online 5, in the room 2.
    const tally = card.getByTestId('tally-members');
    await expect.poll(() => tally.getAttribute('data-turnout')).toBe('7');
    expect(await tally.innerText()).toMatch(/投票：7 \/ 7\s*（线上 5，现场 2）/);
    const named = card.getByTestId('named-ballots');
    await expect
      .poll(() => named.locator('li[data-in-room="true"]').allInnerTexts())
      .toEqual([expect.stringContaining('现场举手计票'), expect.stringContaining('现场举手计票')]);

    await card.getByTestId('poll-close').click();
    await card.getByRole('button', { name: '确定结束投票' }).click();
    await expect.poll(() => card.getAttribute('data-state')).toBe('closed');
    // 3 for, 3 against, 1 abstains: 3 of 6 is not a majority.
    await expect.poll(() => card.getByTestId('outcome').getAttribute('data-outcome')).toBe('failed');
    expect(await card.getByTestId('tally-members').innerText()).toContain('投票：7 / 7');
    expect(await card.locator('[data-testid="tally-row"][data-option="赞成"]').getAttribute('data-total')).toBe('3');
    expect(await card.getByTestId('decision-attendance').innerText()).toBe('表决时出席 7 / 成员 7，法定人数 4。');
    await shoot(fac, 'counts-closed-zh-1920');
  });

  it('a binding motion with one member present ends "no quorum", and the quorum line says why', async () => {
    for (const s of sockets.splice(0)) s.close();
    await phone.close();
    const m = await c.facilitator.ok('POST', '/api/meetings', { title: '人少的会', startsAt: '2026-12-03T19:00:00+08:00', mode: 'hybrid' });
    const en = await (await browser.newContext({ locale: 'en-US', viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true })).newPage();
    await signInToMeeting(en, server.url, links.fac, m.id);
    // Starting below quorum warns the facilitator first.
    await expect.poll(() => en.getByTestId('start-below-quorum').innerText()).toContain('Below quorum: 1 present, 4 needed.');
    await en.getByRole('button', { name: 'Start meeting' }).click();
    await expect.poll(() => en.getByTestId('quorum').innerText()).toContain('Present 1 / members 7, quorum 4');
    const TITLE = '夜间停车收费';
    const facSocket = await join(c.facilitator, m.id);
    await motion(facSocket, m.id, TITLE, 'secret');
    const card = poll(en, TITLE);
    await card.getByRole('button', { name: 'Yes' }).click();
    // The lone secret ballot waits to be sealed; the close below seals and counts it.
    await expect.poll(() => card.getByTestId('ballot-held').count()).toBe(1);
    await card.getByTestId('poll-close').click();
    await card.getByRole('button', { name: 'Yes, close the poll' }).click();
    await expect.poll(() => card.getByTestId('outcome').getAttribute('data-outcome')).toBe('no_quorum');
    expect(await card.getByTestId('outcome').innerText()).toContain('No quorum');
    expect(await card.getByTestId('outcome').innerText()).toContain('quorum not met (1, 4 required)');
    expect(await card.getByTestId('decision-attendance').innerText()).toBe('Decided with 1 of 7 members present; quorum 4.');
    // An advisory poll open to unverified residents: turnout without a made-up denominator.
    const advisory = await emit(facSocket, 'poll:create', {
      meetingId: m.id,
      title: '居民意见征集',
      ...secretOpenMotion,
    });
    if (!advisory.ok) throw new Error(JSON.stringify(advisory));
    await emit(facSocket, 'poll:open', { pollId: advisory.data.poll.definition.id });
    await emit(facSocket, 'inroom:set', {
      pollId: advisory.data.poll.definition.id,
      electorate: 'residents',
      ballots: 16,
      counts: [{ option: 'yes', count: 16 }],
    });
    await expect
      .poll(() => poll(en, '居民意见征集').getByTestId('tally-residents').innerText())
      .toContain('Turnout: 16 (unverified: how many could vote is unknown)');
    await shoot(en, 'counts-noquorum-en-360');
    expect(await en.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  });
});
