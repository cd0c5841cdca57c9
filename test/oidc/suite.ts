import { createHash, randomBytes } from 'node:crypto';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { HttpResult } from '../../src/demo/http-client.js';
import type { Framework } from '../helpers/variants.js';
import { Browser, claimsOf, type Mode, type OidcHarness, startOidcHarness, waitForExpiry } from './harness.js';
import type { IdTokenTamper } from './provider.js';

// The generated flows against a certified OpenID Provider (oidc-provider)
// configured like a Scalekit environment: OIDC Core, RFC 6749/7636/7009 and
// RP-Initiated Logout as the standards define them, not as our emulator reads
// them. One file per framework (test/oidc/<framework>.test.ts) so they run in parallel.

// ID-token defects are drawn from a seeded generator; a failure names the seed.
const SEED = Number(process.env.OIDC_SEED ?? Date.now() % 2 ** 31);
console.log(`oidc conformance: OIDC_SEED=${SEED}`);

function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    // mulberry32
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function word(rng: () => number, prefix = ''): string {
  return prefix + Array.from({ length: 8 + Math.floor(rng() * 24) }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(rng() * 36)]).join('');
}

/**
 * Every way an ID token can fail OIDC Core §3.1.3.7 (plus `sub` equal to the
 * access token's): signature, `iss`, `aud`, `exp`, `nonce`. Each must end in
 * a failed login, whatever the random values.
 */
function idTokenDefects(rng: () => number): Array<[string, IdTokenTamper]> {
  const now = Math.floor(Date.now() / 1000);
  return [
    ['signed with a key not in the key set', (claims, sign) => sign(claims, { foreignKey: true })],
    [
      'unsigned (alg none)',
      (claims) =>
        `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`,
    ],
    ['another issuer', (claims) => ({ ...claims, iss: `https://${word(rng)}.example.com` })],
    ['an audience without the client id', (claims) => ({ ...claims, aud: rng() < 0.5 ? word(rng, 'skc_') : [word(rng, 'skc_'), word(rng)] })],
    ['expired', (claims) => ({ ...claims, iat: now - 7200, exp: now - 10 - Math.floor(rng() * 3600) })],
    ['no nonce', ({ nonce: _nonce, ...claims }) => claims],
    ['another nonce', (claims) => ({ ...claims, nonce: word(rng) })],
    ['a sub other than the access token', (claims) => ({ ...claims, sub: word(rng, 'usr_') })],
    ['no ID token in the token response', () => null],
  ];
}

/** The documented failed login (contract §5): 400 login_failed, no session cookies. */
function expectFailedLogin(callback: HttpResult): void {
  expect(callback.status).toBe(400);
  expect(callback.body).toEqual({ error: 'login_failed' });
  expect(callback.change.set.filter((cookie) => /^sk_(access|refresh|id) /.test(cookie))).toEqual([]);
}

/** Both refresh modes with the ID token stored, plus `extra` variants. */
export function describeConformance(framework: Framework, extra: Array<[Mode, boolean]> = []): void {
  const variants: Array<[Mode, boolean]> = [['endpoint', true], ['transparent', true], ...extra];
  describe.each(variants)(`generated ${framework} app, %s mode, storeIdToken %s, against a certified OpenID Provider`, (mode, storeIdToken) => {
    let h: OidcHarness;
    const origin = () => ({ origin: h.app.url });

    beforeAll(async () => {
      h = await startOidcHarness(framework, mode, { cookies: { storeIdToken } });
    });
    afterAll(() => h?.stop());
    beforeEach(() => {
      h.provider.setAccessTokenTtl(300);
      h.provider.setGrantOfflineAccess(true);
      h.provider.setIdTokenTamper(undefined);
      h.provider.setDown(false);
      h.provider.resetCounts();
    });

    /** The request that needs a refresh once the access token expired: POST refresh, or an API call. */
    function refreshingRequest(browser: Browser) {
      return mode === 'endpoint'
        ? browser.request('POST', `${h.app.url}/auth/refresh`, origin())
        : browser.request('GET', `${h.app.url}/api/me`);
    }
    const refreshed = mode === 'endpoint' ? 204 : 200;

    async function expiredSession(): Promise<Browser> {
      h.provider.setAccessTokenTtl(1);
      const browser = await h.signIn();
      h.provider.setAccessTokenTtl(300);
      await waitForExpiry();
      return browser;
    }

    /** Whether the provider still has a signed-in session for this browser (prompt=none answers without asking). */
    async function providerSessionActive(browser: Browser): Promise<boolean> {
      const verifier = randomBytes(32).toString('base64url');
      const query = new URLSearchParams({
        client_id: h.provider.clientId,
        response_type: 'code',
        redirect_uri: `${h.app.url}/auth/callback`,
        scope: 'openid',
        prompt: 'none',
        state: 'probe',
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
      });
      const hops = await browser.follow(`${h.provider.url}/oauth/authorize?${query}`, (url) => url.origin === h.app.url);
      const back = new URL(hops.at(-1)?.url ?? '');
      if (back.origin !== h.app.url) throw new Error(`prompt=none did not return to the app: ${hops.at(-1)?.result.text}`);
      return back.searchParams.has('code') && !back.searchParams.has('error');
    }

    it('sign-in: PKCE S256 and a nonce in the authorization request; the ID token carries that nonce; 302 with session cookies', async () => {
      const browser = new Browser();
      const { authorize, callback } = await h.attemptSignIn(browser);
      expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
      const nonce = authorize.searchParams.get('nonce');
      expect(nonce).toMatch(/^[\w-]{43}$/);
      expect(claimsOf(h.provider.lastIdToken()).nonce).toBe(nonce);
      expect(callback.status).toBe(302);
      expect(callback.location).toBe('/');
      const names = callback.change.set.map((cookie) => cookie.split(' ')[0]);
      expect(names).toEqual(expect.arrayContaining(['sk_access', 'sk_refresh', ...(storeIdToken ? ['sk_id'] : [])]));
      expect(h.provider.tokenCalls('authorization_code')).toBe(1);
    });

    it('protected route: the access token issued by the provider identifies the user, organization and roles', async () => {
      const browser = await h.signIn();
      const me = await browser.request('GET', `${h.app.url}/api/me`);
      expect(me.status).toBe(200);
      const { auth } = me.body as { auth: Record<string, unknown> };
      expect(auth).toMatchObject({ userId: h.provider.userId, organizationId: h.provider.organizationId, roles: ['admin'] });
      expect(auth.sessionId).toMatch(/^ses_/);
    });

    it('expiry and refresh: the rotated refresh token is stored and works for the next refresh', async () => {
      const browser = await expiredSession();
      const first = h.provider.lastRefreshToken();
      h.provider.setAccessTokenTtl(1);
      expect((await refreshingRequest(browser)).status).toBe(refreshed);
      const second = h.provider.lastRefreshToken();
      expect(second).toBeDefined();
      expect(second).not.toBe(first);
      // The refreshed access token expires too: only the rotated refresh token
      // works now (the provider treats a replay of the spent one as theft).
      await waitForExpiry();
      h.provider.setAccessTokenTtl(300);
      expect((await refreshingRequest(browser)).status).toBe(refreshed);
      expect(h.provider.lastRefreshToken()).not.toBe(second);
      expect(h.provider.tokenCalls('refresh_token')).toBe(2);
      expect((await browser.request('GET', `${h.app.url}/api/me`)).status).toBe(200);
    });

    it('a concurrent storm of requests with an expired token makes exactly one refresh, and all succeed', async () => {
      const browser = await expiredSession();
      h.provider.resetCounts();
      const results = await Promise.all(Array.from({ length: 8 }, () => refreshingRequest(browser)));
      expect(results.map((result) => result.status)).toEqual(Array(8).fill(refreshed));
      expect(h.provider.tokenCalls('refresh_token')).toBe(1);
    });

    it('a refresh token revoked at the provider (RFC 7009): session_expired and the cookies cleared', async () => {
      const browser = await expiredSession();
      const revoked = await fetch(`${h.provider.url}/oauth/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          token: h.provider.lastRefreshToken() ?? '',
          token_type_hint: 'refresh_token',
          client_id: h.provider.clientId,
          client_secret: h.provider.clientSecret,
        }),
      });
      expect(revoked.status).toBe(200);
      const result = await refreshingRequest(browser);
      expect(result.status).toBe(401);
      expect(result.body).toEqual({ error: 'session_expired' });
      expect(result.change.cleared).toEqual(expect.arrayContaining([expect.stringMatching(/^sk_refresh /)]));
    });

    it('provider down: 503 auth_unavailable with Retry-After, the session kept and working once it is back', async () => {
      const browser = await expiredSession();
      h.provider.setDown(true);
      const result = await refreshingRequest(browser);
      expect(result.status).toBe(503);
      expect(result.body).toEqual({ error: 'auth_unavailable' });
      expect(result.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(result.change.cleared).toEqual([]);
      h.provider.setDown(false);
      expect((await refreshingRequest(browser)).status).toBe(refreshed);
    });

    for (const withIdToken of storeIdToken ? [true, false] : [false]) {
      it(`logout ${withIdToken ? 'with' : 'without'} a stored ID token: back at the app's post-logout URL, the provider's session ended`, async () => {
        const browser = await h.signIn();
        if (!withIdToken) browser.jar(h.app.url).apply(['sk_id=; Path=/auth/logout; Max-Age=0'], '/auth/logout');
        expect(await providerSessionActive(browser)).toBe(true);
        const logout = await browser.request('POST', `${h.app.url}/auth/logout`, origin());
        expect(logout.status).toBe(303);
        const target = new URL(logout.location ?? '');
        expect(`${target.origin}${target.pathname}`).toBe(`${h.provider.url}/oidc/logout`);
        // RP-Initiated Logout §2: client_id identifies the client whose post_logout_redirect_uri is used.
        expect(target.searchParams.get('client_id')).toBe(h.provider.clientId);
        expect(target.searchParams.has('id_token_hint')).toBe(withIdToken);
        // The provider asks the End-User to confirm; the browser submits its form.
        const page = await browser.request('GET', target.href);
        expect(page.status).toBe(200);
        const { result: confirmed } = await browser.submitForm(page, target.href, { logout: 'yes' });
        expect(confirmed.status).toBe(303);
        expect(confirmed.location).toBe(`${h.app.url}/`);
        expect(await providerSessionActive(browser)).toBe(false);
      });
    }

    it(`callback refuses every invalid ID token (OIDC Core §3.1.3.7) as a failed login (OIDC_SEED=${SEED})`, async () => {
      const rng = random(SEED);
      // Control: the same claims re-signed with the provider's key are accepted.
      h.provider.setIdTokenTamper((claims) => claims);
      const control = await h.attemptSignIn(new Browser());
      expect(control.callback.status, control.callback.text).toBe(302);
      for (const [defect, tamper] of idTokenDefects(rng)) {
        h.provider.setIdTokenTamper(tamper);
        const { callback } = await h.attemptSignIn(new Browser());
        expect({ defect, status: callback.status }).toEqual({ defect, status: 400 });
        expectFailedLogin(callback);
      }
    });

    it('no refresh token (offline_access not granted): a failed login, not an outage, and one log line naming the cause', async () => {
      h.provider.setGrantOfflineAccess(false);
      const before = h.app.output().length;
      const { callback } = await h.attemptSignIn(new Browser());
      expectFailedLogin(callback);
      expect(h.provider.lastRefreshToken()).toBeUndefined();
      const logged = h.app.output().slice(before).split('\n').filter((line) => line.includes('offline_access'));
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatch(/dashboard/i);
    });
  });
}
