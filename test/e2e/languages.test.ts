import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.ts';
import { createFreshDatabase, type TestDatabase } from '../support/postgres.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';

// Each dictionary's tagline (app.tagline) is in that dictionary's chunk and nowhere else.
const EN_ONLY = 'Live deliberation board for community councils';
const ZH_ONLY = '社区议事会实时议事板';

type Lang = 'zh-CN' | 'en';
const HEADING: Record<Lang, string> = { 'zh-CN': '参加会议', en: 'Join a meeting' };

/**
 * A phone on a slow network downloads only its own language's strings: each dictionary is its own
 * script, fetched when its language is chosen. The dictionaries are told apart by what the scripts
 * the page actually received contain, not by file names (which change with every build).
 */
describe('the strings a phone downloads', () => {
  let db: TestDatabase;
  let server: ServerProcess;
  let browser: Browser;

  // Only the web app matters here, so the server runs on PostgreSQL, which starts sooner than the
  // embedded default's first cluster.
  beforeAll(async () => {
    db = await createFreshDatabase();
    server = await startServerProcess({ DATABASE_URL: db.url });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await db?.drop();
  });

  /** A fresh phone whose every script response is kept, to ask which dictionaries arrived. */
  async function phone(locale: string, savedLang?: Lang) {
    const ctx = await browser.newContext({ locale, viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    if (savedLang) await ctx.addInitScript((lang) => window.localStorage.setItem('yishi.lang', lang), savedLang);
    const page = await ctx.newPage();
    const bodies: Promise<string>[] = [];
    page.on('response', (r) => {
      if (new URL(r.url()).pathname.endsWith('.js')) bodies.push(r.text().catch(() => ''));
    });
    const received = async () => {
      const texts = await Promise.all(bodies);
      return { scripts: texts.length, en: texts.some((b) => b.includes(EN_ONLY)), zh: texts.some((b) => b.includes(ZH_ONLY)) };
    };
    return { page, received };
  }

  async function shows(page: Page, lang: Lang): Promise<void> {
    await page.getByRole('heading', { name: HEADING[lang], exact: true }).waitFor();
    await expect.poll(() => page.getAttribute('html', 'lang')).toBe(lang);
  }

  it('a Chinese phone never fetches the English strings, until it switches to English', async () => {
    const { page, received } = await phone('zh-CN');
    await page.goto(`${server.url}/join`);
    await shows(page, 'zh-CN');
    await page.waitForLoadState('networkidle');
    expect(await received()).toMatchObject({ zh: true, en: false });
    expect((await received()).scripts).toBeGreaterThan(1);

    await page.getByTestId('lang-switch').selectOption('en');
    await shows(page, 'en');
    expect(await received()).toMatchObject({ zh: true, en: true });

    // Back again: the strings are already here.
    await page.getByTestId('lang-switch').selectOption('zh-CN');
    await shows(page, 'zh-CN');
    await page.context().close();
  });

  it('an English phone never fetches the Chinese strings, until it switches to Chinese', async () => {
    const { page, received } = await phone('en-US');
    await page.goto(`${server.url}/join`);
    await shows(page, 'en');
    await page.waitForLoadState('networkidle');
    expect(await received()).toMatchObject({ zh: false, en: true });

    await page.getByTestId('lang-switch').selectOption('zh-CN');
    await shows(page, 'zh-CN');
    expect(await received()).toMatchObject({ zh: true, en: true });
    await page.context().close();
  });

  it('a language chosen earlier is the only one fetched, whatever the browser prefers', async () => {
    const { page, received } = await phone('zh-CN', 'en');
    await page.goto(`${server.url}/join`);
    await shows(page, 'en');
    await page.waitForLoadState('networkidle');
    expect(await received()).toMatchObject({ zh: false, en: true });
    await page.context().close();
  });

  it('stays in its language when the other cannot be fetched, and switches once it can', async () => {
    const { page, received } = await phone('zh-CN');
    await page.goto(`${server.url}/join`);
    await shows(page, 'zh-CN');
    await page.waitForLoadState('networkidle');

    // The network drops every script from now on (a phone that lost its Wi-Fi).
    let refused = 0;
    await page.route('**/*.js', (route) => {
      refused += 1;
      return route.abort('internetdisconnected');
    });
    await page.getByTestId('lang-switch').selectOption('en');
    await expect.poll(() => refused).toBeGreaterThan(0);
    // The menu goes back to the language the page is still in.
    await expect.poll(() => page.getByTestId('lang-switch').inputValue()).toBe('zh-CN');
    await shows(page, 'zh-CN');

    await page.unroute('**/*.js');
    await page.getByTestId('lang-switch').selectOption('en');
    await shows(page, 'en');
    expect(await received()).toMatchObject({ en: true });
    await page.context().close();
  });
});
