import { readFile } from 'node:fs/promises';
import path from 'node:path';

import type { Browser, BrowserContext, Page } from 'playwright-core';
import ts from 'typescript';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';

import { describeBrowser, launchChromium, TAB_PAGE } from './chromium.js';
import { type Harness, startHarness, waitForExpiry } from './harness.js';

// Issue #8, finding 8: several tabs of one app, endpoint mode. A tab whose
// 401 arrives after another tab refreshed must not redeem the brand-new
// refresh token again: one expiry costs one redemption, whatever the tabs.
//
// The page and the generated client.ts (compiled to JS as a bundler would)
// are served at the app's origin through Playwright's routing; the client is
// the file users get, unchanged.

describeBrowser('three tabs refreshing at once (generated express app, endpoint mode)', () => {
  let h: Harness;
  let browser: Browser;
  let clientJs: string;
  beforeAll(async () => {
    h = await startHarness('express', 'endpoint');
    const source = await readFile(path.join(h.dir, 'src/session/client.ts'), 'utf8');
    clientJs = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.stop();
  });
  beforeEach(() => {
    h.emulator.controls.setAccessTokenTtl(300);
    h.emulator.controls.resetCounts();
  });

  async function signedInContext(options: { withoutWebLocks?: boolean } = {}): Promise<BrowserContext> {
    const context = await browser.newContext();
    if (options.withoutWebLocks) {
      // The fallback path: a browser without the Web Locks API.
      await context.addInitScript(() => {
        const { Navigator } = globalThis as unknown as { Navigator: { prototype: object } };
        Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined, configurable: true });
      });
    }
    await context.route(`${h.app.url}/__tab`, (route) => route.fulfill({ contentType: 'text/html', body: TAB_PAGE }));
    await context.route(`${h.app.url}/__client.js`, (route) => route.fulfill({ contentType: 'text/javascript', body: clientJs }));
    // Signed in with 1 s access tokens, which then expire.
    h.emulator.controls.setAccessTokenTtl(1);
    const page = await context.newPage();
    await page.goto(`${h.app.url}/auth/login`);
    await page.waitForURL(`${h.app.url}/`);
    await page.close();
    h.emulator.controls.setAccessTokenTtl(300);
    await waitForExpiry();
    h.emulator.controls.resetCounts();
    return context;
  }

  async function openTab(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${h.app.url}/__tab`);
    await page.waitForFunction('window.ready === true');
    return page;
  }

  const call = (page: Page) => page.evaluate(async () => (await (globalThis as unknown as { sessionFetch: typeof fetch }).sessionFetch('/api/me')).status);

  for (const withoutWebLocks of [false, true]) {
    it(`a tab whose 401 arrives after another tab refreshed retries without redeeming again${withoutWebLocks ? ' (no Web Locks: storage and BroadcastChannel)' : ''}`, async () => {
      const context = await signedInContext({ withoutWebLocks });
      const [a, b, c] = [await openTab(context), await openTab(context), await openTab(context)];
      if (withoutWebLocks) expect(await a.evaluate('navigator.locks === undefined')).toBe(true);
      else expect(await a.evaluate('typeof navigator.locks.request')).toBe('function');

      // B and C send their requests with the expired token; their 401s are held back.
      for (const tab of [b, c]) await tab.evaluate('window.holdNextApiResponse()');
      const late = [b, c].map((tab) => call(tab));
      for (const tab of [b, c]) await tab.waitForFunction('window.apiResponseHeld === true');
      // A refreshes and gets its answer.
      expect(await call(a)).toBe(200);
      expect(h.emulator.controls.counts()['token.refresh_token']).toBe(1);
      // Then B's and C's 401s arrive: they retry with the cookies A renewed.
      for (const tab of [b, c]) await tab.evaluate('window.releaseApiResponse()');
      expect(await Promise.all(late)).toEqual([200, 200]);
      expect(h.emulator.controls.counts()['token.refresh_token']).toBe(1);
      await context.close();
    });
  }

  it('three tabs hitting the expiry at the same moment: one redemption, all answered 200', async () => {
    const context = await signedInContext();
    const tabs = [await openTab(context), await openTab(context), await openTab(context)];
    expect(await Promise.all(tabs.map((tab) => call(tab)))).toEqual([200, 200, 200]);
    expect(h.emulator.controls.counts()['token.refresh_token']).toBe(1);
    await context.close();
  });
});
