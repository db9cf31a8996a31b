import path from 'node:path';
import type { Browser, BrowserContext, CDPSession, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cspViolations, launchBrowser, signInToMeeting } from '../support/browser.ts';
import { startServerWithMeeting } from '../support/council.ts';
import type { ServerProcess } from '../support/server-process.ts';

/**
 * Issue 10 in a real browser: the facilitator (zh-CN) and the secretary (en) build a three-item
 * agenda together over Yjs, the facilitator typing Chinese through an input method's composition
 * while the secretary edits the same title and the next item; a resident on a 360 px phone
 * follows the `agenda` live view (no Yjs on the phone); the facilitator starts the meeting,
 * advances, attaches a poll to the decision item and closes it; the resident and the room
 * display follow; the notes show the server's outcome line.
 */
vi.setConfig({ expect: { poll: { timeout: 10_000, interval: 50 } } });
const shots = process.env.SCREENSHOT_DIR ?? null;
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };

describe('the agenda, co-edited and followed by the room', () => {
  let server: ServerProcess;
  let browser: Browser;
  let meetingId = '';
  let joinCode = '';
  let facCtx: BrowserContext;
  let fac: Page;
  let sec: Page;
  let resident: Page;
  let residentEn: Page;
  let display: Page;
  const violations: string[][] = [];
  /** Every websocket each phone opened: Yjs must never be among them. */
  const phoneSockets: string[] = [];

  const editItems = (page: Page) => page.getByTestId('agenda-edit-item');
  const titleOf = (page: Page, i: number) => editItems(page).nth(i).getByTestId('item-title');
  const followed = (page: Page) => page.getByTestId('agenda-item');
  /** The focused control's test id and the id of the item it belongs to. */
  const focused = (page: Page) =>
    page.evaluate(() => [document.activeElement?.getAttribute('data-testid'), document.activeElement?.closest('li')?.getAttribute('data-item-id')]);
  const current = (page: Page) => page.locator('[data-testid="agenda-item"][aria-current="step"]');
  async function shot(page: Page, name: string) {
    if (shots) await page.screenshot({ path: path.join(shots, `agenda-${name}.png`), fullPage: true });
  }

  beforeAll(async () => {
    let set: Awaited<ReturnType<typeof startServerWithMeeting>>['set'];
    ({ server, set, meetingId, joinCode } = await startServerWithMeeting('agenda', {
      title: '幸福里四月议事会',
      startsAt: '2026-12-03T19:00:00+08:00',
    }));
    const secretary = await set.c.admin.ok('POST', '/api/council/members', {
      name: '陈秘书',
      groupId: set.c.council.groups[0].id,
      role: 'secretary',
    });
    browser = await launchBrowser();
    facCtx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
    fac = await facCtx.newPage();
    sec = await (await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } })).newPage();
    resident = await (await browser.newContext({ locale: 'zh-CN', ...PHONE })).newPage();
    residentEn = await (await browser.newContext({ locale: 'en-US', ...PHONE })).newPage();
    for (const p of [resident, residentEn]) p.on('websocket', (ws) => phoneSockets.push(ws.url()));
    violations.push(cspViolations(fac), cspViolations(sec), cspViolations(resident));
    await signInToMeeting(fac, server.url, set.links.fac, meetingId);
    await signInToMeeting(sec, server.url, secretary.link.url.split('/signin/')[1], meetingId);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('two editors build a three-item agenda together, one typing Chinese through an input method', async () => {
    for (const p of [fac, sec]) await p.locator('[data-testid="agenda-editor"][data-sync="connected"]').waitFor({ timeout: 20_000 });
    await fac.getByTestId('agenda-add').click();
    await expect.poll(() => editItems(sec).count()).toBe(1);
    await sec.getByTestId('agenda-add').click();
    await expect.poll(() => editItems(fac).count()).toBe(2);

    // The facilitator composes item 1's title with pinyin (Chromium's own IME path, over CDP).
    const cdp: CDPSession = await facCtx.newCDPSession(fac);
    await titleOf(fac, 0).click();
    for (const reading of ['k', 'kai', 'kaichang'])
      await cdp.send('Input.imeSetComposition', { text: reading, selectionStart: reading.length, selectionEnd: reading.length });

    // Meanwhile the secretary puts a number before item 1's title, then types item 2's. Her
    // updates reach the facilitator in order, so once item 2's title shows there, the number has
    // arrived too: in the document, not in the field being composed.
    await titleOf(sec, 0).click();
    await titleOf(sec, 0).press('Home');
    await titleOf(sec, 0).pressSequentially('1. ');
    await titleOf(sec, 1).click();
    await titleOf(sec, 1).pressSequentially('Lift installation plan');
    // The facilitator's page has both edits (item 2 shows it), yet the field being composed is
    // left alone: the input method still holds its reading, none of it went to the document.
    await expect.poll(() => titleOf(fac, 1).inputValue()).toBe('Lift installation plan');
    expect(await titleOf(fac, 0).inputValue()).toBe('kaichang');
    expect(await titleOf(sec, 0).inputValue()).toBe('1. ');

    // The candidate is chosen: the composed text lands after the secretary's "1. ", caret after it.
    await cdp.send('Input.insertText', { text: '开场与出席确认' });
    await expect.poll(() => titleOf(fac, 0).inputValue()).toBe('1. 开场与出席确认');
    await expect.poll(() => titleOf(sec, 0).inputValue()).toBe('1. 开场与出席确认');
    expect(await titleOf(fac, 0).evaluate((el: HTMLInputElement) => [el.selectionStart, el.selectionEnd])).toEqual([10, 10]);

    // Item 3, the decision, by the facilitator; presenter and time of item 2 by the secretary.
    await fac.getByTestId('agenda-add').click();
    await expect.poll(() => editItems(sec).count()).toBe(3);
    await titleOf(fac, 2).fill('物业费调整表决');
    await editItems(fac).nth(2).getByTestId('item-kind').selectOption('decision');
    await editItems(fac).nth(2).getByTestId('item-minutes').fill('15');
    await editItems(fac).nth(2).getByTestId('item-minutes').press('Tab');
    await editItems(sec).nth(1).getByTestId('item-presenter').fill('物业公司代表');
    await editItems(sec).nth(1).getByTestId('item-minutes').fill('20');
    await editItems(sec).nth(1).getByTestId('item-minutes').press('Tab');
    await expect.poll(() => editItems(fac).nth(1).getByTestId('item-presenter').inputValue()).toBe('物业公司代表');
    await expect.poll(() => editItems(sec).nth(2).getByTestId('item-kind').inputValue()).toBe('decision');
    await expect.poll(() => titleOf(sec, 2).inputValue()).toBe('物业费调整表决');

    // Undo is per person: the secretary's undo takes back her own last edit, not the facilitator's.
    await titleOf(sec, 1).click();
    await titleOf(sec, 1).press('End');
    await titleOf(sec, 1).pressSequentially(' (draft)');
    await expect.poll(() => titleOf(fac, 1).inputValue()).toBe('Lift installation plan (draft)');
    await sec.getByTestId('agenda-undo').click();
    await expect.poll(() => titleOf(fac, 1).inputValue()).toBe('Lift installation plan');
    // One step only: her presenter and minutes, set just before in other fields, stay.
    expect(await editItems(fac).nth(1).getByTestId('item-presenter').inputValue()).toBe('物业公司代表');
    expect(await editItems(sec).nth(1).getByTestId('item-minutes').inputValue()).toBe('20');
    expect(await titleOf(sec, 2).inputValue()).toBe('物业费调整表决');

    // Awareness: each sees where the other is, under the name the server gave them.
    await titleOf(fac, 2).click();
    await expect.poll(() => editItems(sec).nth(2).getByTestId('item-peers').innerText()).toContain('李主持');
    await shot(fac, 'editor-zh-1280');
    await shot(sec, 'editor-en-1280');
  });

  it('a resident on a 360 px phone sees the agenda, with no Yjs on the phone', async () => {
    for (const [page, name, join] of [
      [resident, '楼下王阿姨', '加入会议'],
      [residentEn, 'Mr Chen', 'Join meeting'],
    ] as const) {
      await page.goto(`${server.url}/join/${joinCode}`);
      await page.locator('#join-name').fill(name);
      await page.getByRole('button', { name: join }).click();
      await page.locator('[data-testid="connection"][data-state="connected"]').waitFor();
      await expect.poll(() => followed(page).count()).toBe(3);
    }
    await expect.poll(() => followed(resident).nth(0).innerText()).toContain('1. 开场与出席确认');
    // A join may be served a snapshot up to a second old (live-views.ts#recent): the latest edits follow.
    await expect.poll(() => followed(resident).nth(1).innerText()).toContain('物业公司代表');
    await expect.poll(() => followed(resident).nth(2).innerText()).toContain('表决');
    await expect.poll(() => followed(residentEn).nth(2).innerText()).toContain('Decision');
    for (const p of [resident, residentEn]) expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    // Residents never load the editor, the notes or a Yjs connection.
    expect(await resident.getByTestId('agenda-editor').count()).toBe(0);
    expect(await resident.getByTestId('notes-reader').count()).toBe(0);
    expect(phoneSockets.filter((u) => u.includes('/yjs/'))).toEqual([]);
  });

  it('an item moved while its title is being composed: the composition goes on, the move shows after it', async () => {
    const first = await editItems(fac).nth(0).getAttribute('data-item-id');
    const cdp: CDPSession = await facCtx.newCDPSession(fac);
    await titleOf(fac, 0).click();
    await titleOf(fac, 0).press('End');
    await cdp.send('Input.imeSetComposition', { text: 'qiandao', selectionStart: 7, selectionEnd: 7 });
    // The secretary moves that item down (touch: a tap on ↓).
    await editItems(sec).nth(0).getByTestId('item-down').click();
    await expect.poll(() => followed(resident).nth(1).getAttribute('data-item-id')).toBe(first);
    // Then changes the last item's time: her updates reach the facilitator in order, so once
    // this shows on his page, the move has arrived too.
    await editItems(sec).nth(2).getByTestId('item-minutes').fill('16');
    await editItems(sec).nth(2).getByTestId('item-minutes').press('Tab');
    await expect.poll(() => editItems(fac).nth(2).getByTestId('item-minutes').inputValue()).toBe('16');
    // On the facilitator's page the list waits: moving the field would end his composition.
    expect(await editItems(fac).nth(0).getAttribute('data-item-id')).toBe(first);
    expect(await titleOf(fac, 0).inputValue()).toBe('1. 开场与出席确认qiandao');
    await cdp.send('Input.insertText', { text: '：签到' });
    await expect.poll(() => editItems(fac).nth(1).getAttribute('data-item-id')).toBe(first);
    // His caret is where he was, in the moved item's title.
    expect(
      await fac.evaluate(() => [(document.activeElement as HTMLInputElement).value, (document.activeElement as HTMLInputElement).selectionStart]),
    ).toEqual(['1. 开场与出席确认：签到', 13]);
    await expect.poll(() => titleOf(sec, 1).inputValue()).toBe('1. 开场与出席确认：签到');
    // Back up, for the rest of the meeting.
    await editItems(sec).nth(1).getByTestId('item-up').click();
    await editItems(sec).nth(2).getByTestId('item-minutes').fill('15');
    await editItems(sec).nth(2).getByTestId('item-minutes').press('Tab');
    await expect.poll(() => editItems(fac).nth(0).getAttribute('data-item-id')).toBe(first);
    await cdp.detach();
  });

  it('an item moved by keyboard while another editor types in it keeps her text and caret; the phone follows', async () => {
    const first = await editItems(fac).nth(0).getAttribute('data-item-id');
    // The secretary types into item 1's details...
    const details = editItems(sec).nth(0).getByTestId('item-details');
    await details.click();
    await details.pressSequentially('Sign-in ');
    await expect.poll(() => editItems(fac).nth(0).getByTestId('item-details').inputValue()).toBe('Sign-in ');
    // ...while the facilitator moves it down with the keyboard (the ↓ button, Enter).
    await editItems(fac).nth(0).getByTestId('item-down').focus();
    await fac.keyboard.press('Enter');
    await expect.poll(() => editItems(sec).nth(1).getAttribute('data-item-id')).toBe(first);
    await expect.poll(() => editItems(fac).nth(1).getAttribute('data-item-id')).toBe(first);
    // The facilitator's focus stays on the button he pressed, in the item's new place.
    expect(await focused(fac)).toEqual(['item-down', first]);
    // The secretary's caret did not move: she goes on typing where she was, in the moved item.
    expect(await sec.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('item-details');
    await sec.keyboard.type('at 7pm');
    await expect.poll(() => editItems(fac).nth(1).getByTestId('item-details').inputValue()).toBe('Sign-in at 7pm');
    expect(await editItems(fac).count()).toBe(3);
    await expect.poll(() => followed(resident).nth(0).innerText()).toContain('Lift installation plan');
    await expect.poll(() => followed(resident).nth(1).innerText()).toContain('1. 开场与出席确认：签到');
    // The editor after a move, on a 360 px phone: nothing wider than the screen.
    await sec.setViewportSize({ width: 360, height: 740 });
    expect(await sec.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await shot(sec, 'editor-en-360-moved');
    await sec.setViewportSize({ width: 1280, height: 900 });

    // And back up (Shift+Tab to ↑, Enter): the order the rest of the meeting expects.
    await fac.keyboard.press('Shift+Tab');
    await fac.keyboard.press('Enter');
    await expect.poll(() => followed(resident).nth(0).innerText()).toContain('1. 开场与出席确认');
    await expect.poll(() => editItems(sec).nth(0).getAttribute('data-item-id')).toBe(first);
    // At the top ↑ turns disabled: the focus goes to ↓ of the same item, not to the page.
    expect(await focused(fac)).toEqual(['item-down', first]);
  });

  it('the facilitator starts the meeting and advances; the phone and the room display follow within a second or so', async () => {
    await fac.getByRole('button', { name: '开始会议' }).click();
    await expect.poll(() => resident.getByTestId('meeting-state').getAttribute('data-state')).toBe('live');
    display = await facCtx.newPage();
    await display.setViewportSize({ width: 1920, height: 1080 });
    await display.goto(`${server.url}/meetings/${meetingId}/display`);
    await display.getByTestId('display-agenda').waitFor();

    await fac.getByTestId('agenda-next').click();
    await expect.poll(() => current(resident).innerText(), { timeout: 3_000 }).toContain('开场与出席确认');
    await expect.poll(() => display.getByTestId('display-current-item').innerText(), { timeout: 3_000 }).toContain('开场与出席确认');
    await expect.poll(() => current(resident).getByTestId('item-timer').getAttribute('data-running')).toBe('true');
    expect(await current(resident).getByTestId('item-stage').getAttribute('data-stage')).toBe('discussing');

    await fac.getByTestId('agenda-next').click();
    await expect.poll(() => current(residentEn).innerText(), { timeout: 3_000 }).toContain('Lift installation plan');
    await expect.poll(() => display.getByTestId('display-current-item').innerText(), { timeout: 3_000 }).toContain('Lift installation plan');
    // The next item waits small on the display.
    expect(await display.getByTestId('display-next-items').innerText()).toContain('物业费调整表决');

    // A jump to the decision item.
    await fac.getByRole('button', { name: '将“物业费调整表决”设为当前事项' }).click();
    await expect.poll(() => current(resident).innerText(), { timeout: 3_000 }).toContain('物业费调整表决');
    await expect.poll(() => display.getByTestId('display-current-item').innerText(), { timeout: 3_000 }).toContain('物业费调整表决');
    // Items already discussed keep their time, stopped.
    expect(await followed(resident).nth(1).getByTestId('item-timer').getAttribute('data-running')).toBe('false');
  });

  it('a poll attached to the decision item: closing it marks the item decided, everywhere, and writes the outcome in the notes', async () => {
    await fac.getByTestId('create-poll').locator('summary').click();
    await fac.locator('#cp-title').fill('物业费每平方米上调 0.2 元');
    const item3 = await followed(fac).nth(2).getAttribute('data-item-id');
    // The current item is offered first.
    expect(await fac.getByTestId('create-poll-item').inputValue()).toBe(item3);
    await fac.getByRole('button', { name: '创建表决' }).click();
    const card: Locator = fac.locator('[data-testid="poll"][data-title="物业费每平方米上调 0.2 元"]');
    await card.getByTestId('poll-open').click();
    await expect.poll(() => current(resident).getByTestId('item-stage').getAttribute('data-stage')).toBe('voting');
    await expect.poll(() => display.getByTestId('display-item-stage').getAttribute('data-stage')).toBe('voting');
    // The display shows the current item's open poll.
    await expect.poll(() => display.locator('[data-testid="display-poll"]').count()).toBe(1);
    await shot(resident, 'phone-zh-360-voting');
    await shot(residentEn, 'phone-en-360-voting');
    await shot(display, 'display-zh-1920-voting');

    await card.getByTestId('poll-close').click();
    await card.getByRole('button', { name: '确定结束投票' }).click();
    await expect.poll(() => current(resident).getByTestId('item-stage').getAttribute('data-stage')).toBe('decided');
    await expect.poll(() => display.getByTestId('display-item-stage').getAttribute('data-stage')).toBe('decided');
    await resident.getByTestId('item-outcome').first().waitFor();
    // The room display still fits the screen: nothing scrolls.
    expect(await display.evaluate(() => [document.documentElement.scrollHeight, innerHeight])).toSatisfy(([h, vh]: number[]) => h! <= vh!);
    await shot(resident, 'phone-zh-360-decided');
    await shot(residentEn, 'phone-en-360-decided');
    await shot(display, 'display-zh-1920-decided');
    // The same display in English (the secretary's browser), at 1920x1080: it fits too.
    const displayEn = await sec.context().newPage();
    await displayEn.setViewportSize({ width: 1920, height: 1080 });
    await displayEn.goto(`${server.url}/meetings/${meetingId}/display`);
    await expect.poll(() => displayEn.getByTestId('display-item-stage').innerText()).toBe('Decided');
    expect(await displayEn.evaluate(() => [document.documentElement.scrollHeight, innerHeight])).toSatisfy(([h, vh]: number[]) => h! <= vh!);
    await shot(displayEn, 'display-en-1920-decided');

    // The notes of the decision item now hold the server's outcome line, for editors and members.
    const notes = editItems(fac).nth(2).locator('details.notes-box');
    await notes.locator('summary').click();
    await expect.poll(() => notes.getByTestId('notes-outcome').count()).toBeGreaterThan(0);
    expect((await notes.getByTestId('notes-outcome').first().innerText()).trim()).not.toBe('');
  });

  it('breaks no rule of the Content-Security-Policy the server sends', () => {
    expect(violations.flat()).toEqual([]);
  });
});
