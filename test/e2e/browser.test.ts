import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { describeBrowser, launchChromium } from './chromium.js';
import { FRAMEWORKS, type Harness, startHarness } from './harness.js';

describeBrowser.each(FRAMEWORKS)('a real browser signs in and out of the generated %s app', (framework) => {
  let h: Harness;
  let browser: Browser;
  beforeAll(async () => {
    h = await startHarness(framework, 'endpoint');
    browser = await launchChromium();
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
