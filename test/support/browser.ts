import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium, never a downloaded one (nothing can be downloaded here). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** `extraArgs`: more Chromium flags, e.g. --host-resolver-rules to open the server by a host name. */
export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      ...extraArgs,
    ],
  });
}

/**
 * Opens a member's personal sign-in link in `page`, as a member does from their slip, then the
 * meeting page, and waits until it follows the meeting live.
 */
export async function signInToMeeting(page: Page, base: string, token: string, meetingId: string): Promise<void> {
  await page.goto(`${base}/signin/${token}`);
  await page.waitForURL(`${base}/`);
  await page.goto(`${base}/meetings/${meetingId}`);
  await page.locator('[data-testid="connection"][data-state="connected"]').waitFor({ timeout: 10_000 });
  await page.getByTestId('polls').waitFor();
}

/**
 * Collects Content-Security-Policy violations in `page` (the browser reports each on the console
 * and as a securitypolicyviolation event), so that a test can assert the policy the server sends
 * lets the app do everything it does: scripts, styles, QR images, websockets.
 */
export function cspViolations(page: Page): string[] {
  const seen: string[] = [];
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) seen.push(msg.text());
  });
  void page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`Content Security Policy: ${e.violatedDirective} ${e.blockedURI}`));
  });
  return seen;
}
