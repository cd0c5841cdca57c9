import { readFile } from 'node:fs/promises';
import path from 'node:path';

import type { Browser, BrowserContext, Page } from 'playwright-core';
import ts from 'typescript';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';

import { describeHttpsBrowser, launchChromium, TAB_PAGE } from './chromium.js';
import { FRAMEWORKS, type Harness, startHarness, waitForExpiry } from './harness.js';
import { type Certificate, selfSignedCertificate, startTlsServer, type TlsServer } from './tls.js';

// Issue #8: the generated app as it runs in production, driven by a real
// Chromium: NODE_ENV=production (Secure, prefixed cookies), HTTPS through a
// TLS-terminating proxy with a self-signed certificate, a page served with
// Referrer-Policy: no-referrer, tokens growing and shrinking across chunk
// counts, several tabs, and other origins posting forms. Assertions are on
// what the browser stored (context.cookies()), not only on responses.

const ACCESS = '__Secure-sk_access';

/** A role list that makes access tokens need `chunks` cookie chunks (0: one cookie). */
function rolesFor(chunks: 0 | 2 | 3): string[] {
  const count = { 0: 0, 2: 70, 3: 125 }[chunks];
  return Array.from({ length: count }, (_, i) => `role-${String(i).padStart(4, '0')}-${'x'.repeat(30)}`);
}

/** A page on another origin whose form posts to `action` (text/plain: every framework reads it without a parser). */
function formPage(action: string, enctype = 'text/plain'): { type: string; body: string } {
  return {
    type: 'text/html',
    body: `<!doctype html><html><body><form id="f" method="post" action="${action}" enctype="${enctype}"><input name="a" value="1"><button>go</button></form></body></html>`,
  };
}

describeHttpsBrowser.each(FRAMEWORKS)('production mode in a real browser over HTTPS: generated %s app', (framework) => {
  let h: Harness;
  let browser: Browser;
  let certificate: Certificate;
  let app: TlsServer;
  const others: TlsServer[] = [];
  let crossSite: TlsServer;
  let sameSite: TlsServer;
  let appPort: number | undefined;

  beforeAll(async () => {
    certificate = await selfSignedCertificate();
    const pages = {
      '/__no-referrer': {
        type: 'text/html',
        headers: { 'referrer-policy': 'no-referrer' },
        body: '<!doctype html><html><body><form id="logout" method="post" action="/auth/logout"><button>Log out</button></form></body></html>',
      },
      '/__tab': { type: 'text/html', body: TAB_PAGE },
      '/__client.js': { type: 'text/javascript', body: '' },
    };
    app = await startTlsServer(certificate, '127.0.0.1', pages, () => appPort);
    h = await startHarness(framework, 'endpoint', {}, { NODE_ENV: 'production', APP_URL: app.url });
    appPort = Number(new URL(h.app.url).port);
    const source = await readFile(path.join(h.dir, 'src/session/client.ts'), 'utf8');
    pages['/__client.js'].body = ts.transpileModule(source, {
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
    }).outputText;
    const forms = {
      '/post-logout': formPage(`${app.url}/auth/logout`, 'application/x-www-form-urlencoded'),
      '/post-me': formPage(`${app.url}/api/me`),
      '/post-refresh': formPage(`${app.url}/auth/refresh`),
    };
    // localhost is another site than 127.0.0.1; another port of 127.0.0.1 is the same site.
    crossSite = await startTlsServer(certificate, 'localhost', forms);
    sameSite = await startTlsServer(certificate, '127.0.0.1', forms);
    others.push(crossSite, sameSite);
    browser = await launchChromium(['--ignore-certificate-errors']);
  });
  afterAll(async () => {
    await browser?.close();
    await h?.stop();
    await Promise.all([app, ...others].map((server) => server?.close()));
  });
  beforeEach(() => {
    h.emulator.controls.setAccessTokenTtl(300);
    h.emulator.controls.resetCounts();
  });

  async function signIn(context: BrowserContext, returnTo = '/'): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${app.url}/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
    await page.waitForURL(`${app.url}${returnTo}`);
    return page;
  }

  async function openTab(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${app.url}/__tab`);
    await page.waitForFunction('window.ready === true');
    return page;
  }

  const status = (page: Page, route: string, method = 'GET') =>
    page.evaluate(async ([url, verb]) => (await fetch(url as string, { method: verb as string })).status, [route, method]);
  const names = async (context: BrowserContext, prefix: string) =>
    (await context.cookies()).map((cookie) => cookie.name).filter((name) => name.startsWith(prefix)).sort();

  it('signs in over HTTPS: the browser stores Secure, __Secure- prefixed, HttpOnly cookies at their own Paths', async () => {
    const context = await browser.newContext();
    const page = await signIn(context);
    await expect.poll(() => page.textContent('#status'), { timeout: 15_000 }).toBe(`Signed in as ${h.userId}`);
    const byName = Object.fromEntries((await context.cookies()).map((cookie) => [cookie.name, cookie]));
    expect(byName[ACCESS]).toMatchObject({ path: '/api', secure: true, httpOnly: true, sameSite: 'Lax' });
    expect(byName['__Secure-sk_refresh']).toMatchObject({ path: '/auth/refresh', secure: true, httpOnly: true });
    expect(byName['__Secure-sk_id']).toMatchObject({ path: '/auth/logout', secure: true, httpOnly: true });
    expect(Object.keys(byName).filter((name) => name.includes('sk_state'))).toEqual([]);
    expect(Object.keys(byName).filter((name) => !name.startsWith('__Secure-'))).toEqual([]);
    await context.close();
  });

  it('a page served with Referrer-Policy: no-referrer can log out (Origin: null, Sec-Fetch-Site: same-origin)', async () => {
    const context = await browser.newContext();
    await signIn(context);
    const page = await context.newPage();
    await page.goto(`${app.url}/__no-referrer`);
    const posted = page.waitForRequest((request) => request.url() === `${app.url}/auth/logout`);
    await page.click('#logout button');
    const headers = await (await posted).allHeaders();
    expect(headers['sec-fetch-site']).toBe('same-origin');
    await page.waitForURL(`${app.url}/`);
    await expect.poll(() => page.textContent('#status'), { timeout: 15_000 }).toBe('Signed out');
    expect(await context.cookies()).toEqual([]);
    expect(h.emulator.controls.logoutCalls().length).toBeGreaterThan(0);
    await context.close();
  });

  it('a token growing and shrinking across chunk counts: the browser holds exactly one shape each time', async () => {
    const context = await browser.newContext();
    await signIn(context);
    const tab = await openTab(context);
    const sessionId = await tab.evaluate(async () => ((await (await fetch('/api/me')).json()) as { auth: { sessionId: string } }).auth.sessionId);
    for (const chunks of [2, 3, 0, 3, 2, 0] as const) {
      h.emulator.controls.setSessionRoles(sessionId, rolesFor(chunks));
      expect(await status(tab, '/auth/refresh', 'POST'), `refresh to ${chunks} chunks`).toBe(204);
      const expected = chunks === 0 ? [ACCESS] : Array.from({ length: chunks }, (_, i) => `${ACCESS}.${i}`);
      expect(await names(context, ACCESS), `stored after ${chunks} chunks`).toEqual(expected);
      expect(await status(tab, '/api/me'), `API with ${chunks} chunks`).toBe(200);
    }
    await context.close();
  });

  it('two tabs signing in at once both land signed in on their own page', async () => {
    const context = await browser.newContext();
    const first = await context.newPage();
    // Tab 1 stops at Scalekit's authorize step (its state cookie is already set);
    // the tab is closed there, so the held request never comes back by itself ...
    h.emulator.controls.setOutage('authorize', 'hang');
    const authorizeRequest = first.waitForRequest((request) => request.url().startsWith(`${h.emulator.url}/oauth/authorize`));
    const hung = first.goto(`${app.url}/auth/login?returnTo=/first`).catch(() => undefined);
    const authorize = (await authorizeRequest).url();
    await first.close();
    await hung;
    h.emulator.controls.clearOutages();
    // ... while tab 2 signs in all the way ...
    await signIn(context, '/second');
    // ... then tab 1's trip to Scalekit comes back (as a new tab of the same browser).
    const back = await context.newPage();
    await back.goto(authorize, { waitUntil: 'commit' }).catch(() => undefined);
    await back.waitForURL(`${app.url}/first`);
    expect(await names(context, '__Secure-sk_state')).toEqual([]);
    const tab = await openTab(context);
    expect(await status(tab, '/api/me')).toBe(200);
    expect(h.emulator.controls.counts()['token.authorization_code']).toBe(2);
    await context.close();
  });

  it('going back to a spent callback URL lands signed in on the app, not on a JSON error', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const callbackRequest = page.waitForRequest((request) => request.url().startsWith(`${app.url}/auth/callback`));
    await page.goto(`${app.url}/auth/login`);
    await page.waitForURL(`${app.url}/`);
    const spent = (await callbackRequest).url();
    await page.goto(spent);
    await page.waitForURL(`${app.url}/`);
    await expect.poll(() => page.textContent('#status'), { timeout: 15_000 }).toBe(`Signed in as ${h.userId}`);
    await context.close();
  });

  it('three tabs on an expired token: one redemption, all answered 200', async () => {
    const context = await browser.newContext();
    h.emulator.controls.setAccessTokenTtl(1);
    await signIn(context);
    h.emulator.controls.setAccessTokenTtl(300);
    await waitForExpiry();
    const [a, b, c] = [await openTab(context), await openTab(context), await openTab(context)];
    h.emulator.controls.resetCounts();
    const call = (page: Page) => page.evaluate(async () => (await (globalThis as unknown as { sessionFetch: typeof fetch }).sessionFetch('/api/me')).status);
    // B and C's 401s arrive after A has refreshed.
    for (const tab of [b, c]) await tab.evaluate('window.holdNextApiResponse()');
    const late = [b, c].map((tab) => call(tab));
    for (const tab of [b, c]) await tab.waitForFunction('window.apiResponseHeld === true');
    expect(await call(a)).toBe(200);
    for (const tab of [b, c]) await tab.evaluate('window.releaseApiResponse()');
    expect(await Promise.all(late)).toEqual([200, 200]);
    expect(h.emulator.controls.counts()['token.refresh_token']).toBe(1);
    await context.close();
  });

  it('form posts from another site and from a sibling origin of the same site are refused and change nothing', async () => {
    const context = await browser.newContext();
    await signIn(context);
    const before = (await context.cookies()).map(({ name, value, path }) => ({ name, value, path }));
    for (const origin of [crossSite, sameSite]) {
      for (const [form, target] of [
        ['/post-logout', '/auth/logout'],
        ['/post-me', '/api/me'],
        ['/post-refresh', '/auth/refresh'],
      ] as const) {
        const page = await context.newPage();
        await page.goto(`${origin.url}${form}`);
        const response = page.waitForResponse((r) => r.url() === `${app.url}${target}`);
        await page.click('#f button');
        const answer = await response;
        expect(answer.status(), `${origin.url}${form}`).toBe(403);
        expect(await answer.json()).toEqual({ error: 'cross_origin_request' });
        await page.close();
      }
    }
    expect((await context.cookies()).map(({ name, value, path }) => ({ name, value, path }))).toEqual(before);
    expect(h.emulator.controls.counts()['token.refresh_token'] ?? 0).toBe(0);
    const tab = await openTab(context);
    expect(await status(tab, '/api/me')).toBe(200);
    await context.close();
  });
});
