import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchBrowser, signInToMeeting } from '../support/browser.ts';
import { connected, emit, type YishiClientSocket } from '../support/client.ts';
import { secretMembersMotion } from '../support/poll-fields.ts';
import { setUpCouncilWithLinks } from '../support/council.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';

vi.setConfig({ expect: { poll: { timeout: 10_000, interval: 50 } } });

/**
 * Issue 8, sealed batches: a secret ballot is acknowledged only once it is written with at least
 * k-1 others (k = 3 here). The first members to vote see, in their own language on a phone,
 * that their ballot waits to be sealed; once a third member votes, both see it counted.
 */
describe('a secret ballot waits to be sealed with others, in the browser', () => {
  let server: ServerProcess;
  let browser: Browser;
  let fac: YishiClientSocket;
  let meetingId = '';
  let pollId = '';
  let zh: Page; // 张业主, Chinese, 360 px
  let en: Page; // 赵委员, English, 360 px
  const TITLE = '是否更换物业公司';
  const poll = (page: Page) => page.locator(`[data-testid="poll"][data-title="${TITLE}"]`);

  beforeAll(async () => {
    server = await startServerProcess({ DATA_DIR: mkdtempSync(path.join(tmpdir(), 'yishi-e2e-seal-')) });
    const { c, links } = await setUpCouncilWithLinks(server);
    const m = await c.facilitator.ok('POST', '/api/meetings', { title: '封存测试', startsAt: '2026-12-01T19:00:00+08:00', mode: 'hybrid' });
    meetingId = m.id;
    fac = c.facilitator.socket();
    await connected(fac);
    await emit(fac, 'meeting:join', { meetingId });
    await emit(fac, 'meeting:transition', { meetingId, to: 'live' });
    const created = await emit(fac, 'poll:create', {
      meetingId,
      title: TITLE,
      ...secretMembersMotion,
    });
    if (!created.ok) throw new Error(JSON.stringify(created));
    pollId = created.data.poll.definition.id;
    await emit(fac, 'poll:open', { pollId });
    browser = await launchBrowser();
    const phone = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };
    zh = await (await browser.newContext({ locale: 'zh-CN', ...phone })).newPage();
    en = await (await browser.newContext({ locale: 'en-US', ...phone })).newPage();
    await signInToMeeting(zh, server.url, links.m1, meetingId);
    await signInToMeeting(en, server.url, links.m2, meetingId);
  });
  afterAll(async () => {
    fac?.close();
    await browser?.close();
    await server?.stop();
  });

  it('shows the first two voters that their ballots wait, then counted once a third votes', async () => {
    await poll(zh).getByRole('button', { name: '赞成' }).click();
    await expect.poll(() => poll(zh).getByTestId('ballot-held').innerText()).toContain('至少 2 张其他选票一起封存');
    await poll(zh).screenshot({ path: path.join(tmpdir(), 'yishi-seal-held-zh-360.png') });
    expect(await poll(zh).getByTestId('ballot-status').innerText()).toBe('');

    await poll(en).getByRole('button', { name: 'Yes', exact: true }).click();
    await expect.poll(() => poll(en).getByTestId('ballot-held').innerText()).toContain('at least 2 others');
    await poll(en).screenshot({ path: path.join(tmpdir(), 'yishi-seal-held-en-360.png') });
    // Still waiting: nothing is counted, on either page.
    expect(await poll(zh).getByTestId('tally-members').getAttribute('data-turnout')).toBe('0');
    expect(await poll(zh).getByTestId('ballot-held').count()).toBe(1);

    // The third member (the facilitator, from another device) votes: the three are sealed together.
    expect(await emit(fac, 'ballot:cast', { pollId, choice: { kind: 'motion', choice: 'no' }, idempotencyKey: randomUUID() })).toMatchObject({
      ok: true,
    });
    await expect.poll(() => poll(zh).getByTestId('ballot-status').innerText()).toBe('您的投票已记录。');
    await expect.poll(() => poll(en).getByTestId('ballot-status').innerText()).toBe('Your vote is stored.');
    expect(await poll(zh).getByTestId('ballot-held').count()).toBe(0);
    await expect.poll(() => poll(zh).getByTestId('tally-members').getAttribute('data-turnout')).toBe('3');
    await poll(zh).screenshot({ path: path.join(tmpdir(), 'yishi-seal-sealed-zh-360.png') });
    expect(await zh.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  });
});
