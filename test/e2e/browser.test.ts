import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FRAMEWORKS, type Harness, startHarness } from './harness.js';

// Debian's Chromium (installed by .ci/run), never a downloaded browser.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe.each(FRAMEWORKS)('a real browser signs in and out of the generated %s app', (framework) => {
  let h: Harness;
  let browser: Browser;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}; run .ci/run or apt-get install chromium`);
    h = await startHarness(framework, 'endpoint');
    // Playwright gives each launch a fresh, empty profile of its own.
    browser = await chromium.launch({
      headless: true,
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await h?.stop();
  });

  it('sign-in lands back on the app with HttpOnly cookies at their own Paths; logout clears them', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(h.app.url);
    await expect.poll(() => page.textContent('#status'), { timeout: 15_000 }).toBe('Signed out');

    await page.click('#login');
    await page.waitForURL(`${h.app.url}/`);
    await expect.poll(() => page.textContent('#status'), { timeout: 15_000 }).toBe(`Signed in as ${h.userId}`);

    const cookies = await context.cookies();
    const byName = Object.fromEntries(cookies.map((cookie) => [cookie.name, cookie]));
    expect(byName.sk_access).toMatchObject({ path: '/api', httpOnly: true, sameSite: 'Lax' });
    expect(byName.sk_refresh).toMatchObject({ path: '/auth/refresh', httpOnly: true });
    expect(byName.sk_id).toMatchObject({ path: '/auth/logout', httpOnly: true });
    expect(cookies.filter((cookie) => cookie.name.startsWith('sk_state'))).toEqual([]);
    // HttpOnly: page scripts cannot read any session cookie.
    expect(await page.evaluate('document.cookie')).toBe('');

    await page.click('#logout button');
    await page.waitForURL(`${h.app.url}/`);
    await expect.poll(() => page.textContent('#status'), { timeout: 15_000 }).toBe('Signed out');
    expect(await context.cookies()).toEqual([]);
    expect(h.emulator.controls.logoutCalls()).toHaveLength(1);
    await context.close();
  });
});
