import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ConfigInput } from '../../src/config/schema.js';
import { describeRedis, type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { describeBrowser, launchChromium } from './chromium.js';
import { FRAMEWORKS, type Harness, startHarness, waitForExpiry } from './harness.js';
import { REDIS_STORE } from './replicas.js';

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

    // Signed in with a 1 s access token, so the refresh below is needed.
    h.emulator.controls.setAccessTokenTtl(1);
    await page.click('#login');
    await page.waitForURL(`${h.app.url}/`);
    h.emulator.controls.setAccessTokenTtl(300);

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

/** Needs both Chromium and redis-server (each skips with its own line, or fails under CI). */
const describeBrowserWithRedis = describeBrowser === describe && describeRedis === describe ? describe : describe.skip;

// The same sign-in with the Redis store (contract §7), once: one session cookie, refresh, logout.
describeBrowserWithRedis('a real browser on the generated express app with the Redis store', () => {
  let h: Harness;
  let redis: RedisServer;
  let browser: Browser;
  beforeAll(async () => {
    redis = await startRedisServer();
    h = await startHarness('express', 'endpoint', { store: REDIS_STORE } as Partial<ConfigInput>, { REDIS_URL: redis.url });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.stop();
    await redis?.stop();
  });

  it('sign-in sets only the HttpOnly session cookie; an expired token refreshes; logout ends the session in Redis', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(h.app.url);
    await expect.poll(() => page.textContent('#status'), { timeout: 15_000 }).toBe('Signed out');

    // Signed in with a 1 s access token, so the refresh below is needed.
    h.emulator.controls.setAccessTokenTtl(1);
    await page.click('#login');
    await page.waitForURL(`${h.app.url}/`);
    h.emulator.controls.setAccessTokenTtl(300);

    const cookies = await context.cookies();
    expect(cookies.map((cookie) => cookie.name)).toEqual(['sk_session']);
    expect(cookies[0]).toMatchObject({ path: '/', httpOnly: true, sameSite: 'Lax' });
    expect(await page.evaluate('document.cookie')).toBe('');
    expect((await redis.keys()).length).toBeGreaterThan(0);

    const call = (method: string, path: string) =>
      page.evaluate(
        async ([m, p]) => {
          const response = await fetch(p ?? '', { method: m, credentials: 'same-origin' });
          return { status: response.status, body: await response.text() };
        },
        [method, path] as const,
      );
    await waitForExpiry();
    expect(await call('GET', '/api/me')).toEqual({ status: 401, body: JSON.stringify({ error: 'access_token_expired' }) });
    h.emulator.controls.resetCounts();
    expect((await call('POST', '/auth/refresh')).status).toBe(204);
    expect(h.emulator.controls.counts()['token.refresh_token']).toBe(1);
    expect((await call('GET', '/api/me')).status).toBe(200);
    await page.reload();
    await expect.poll(() => page.textContent('#status'), { timeout: 15_000 }).toBe(`Signed in as ${h.userId}`);
    const sessionCookie = (await context.cookies())[0];

    await page.click('#logout button');
    await page.waitForURL(`${h.app.url}/`);
    await expect.poll(() => page.textContent('#status'), { timeout: 15_000 }).toBe('Signed out');
    expect(await context.cookies()).toEqual([]);
    expect(h.emulator.controls.logoutCalls()).toHaveLength(1);

    // The old cookie, replayed, finds no session: logout deleted the record.
    if (sessionCookie) await context.addCookies([sessionCookie]);
    expect(JSON.parse((await call('GET', '/api/me')).body)).toEqual({ error: 'session_expired' });
    await context.close();
  });
});
