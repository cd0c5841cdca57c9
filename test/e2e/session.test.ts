import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { CookieJar, send } from '../../src/demo/http-client.js';
import { startApp } from '../../src/demo/project.js';
import { attribute, cookieLines, FRAMEWORKS, type Harness, type Mode, startHarness, TOKEN_PATTERNS, waitForExpiry } from './harness.js';

const MATRIX = FRAMEWORKS.flatMap((framework) => (['endpoint', 'transparent'] as Mode[]).map((mode) => [framework, mode] as const));

// Contract §5, row by row, against a generated app running in its own process
// with the real framework and SDK, talking to the emulator over real HTTP and
// gRPC. One suite, run for every framework in both refresh modes.
describe.each(MATRIX)('generated %s app, %s mode', (framework, mode) => {
  let h: Harness;
  const refreshPath = mode === 'endpoint' ? '/auth/refresh' : '/';
  const PATHS = { sk_access: '/api', sk_refresh: refreshPath, sk_id: '/auth/logout', 'sk_state.*': '/auth/callback' };
  // Clearing the session expires the state cookie's fixed name (one pending
  // login per attempt lives under its own name and ends with its Max-Age).
  const CLEARED_PATHS = { sk_access: '/api', sk_refresh: refreshPath, sk_id: '/auth/logout', sk_state: '/auth/callback' };
  /** `Set-Cookie` lines by name, with the per-attempt login state cookie (`sk_state.<key>`) as `sk_state.*`. */
  const linesOf = (result: Parameters<typeof cookieLines>[0]) =>
    new Map([...cookieLines(result)].map(([name, line]) => [/^sk_state\.[\w-]{16}$/.test(name) ? 'sk_state.*' : name, line]));
  const sameOrigin = () => ({ headers: { origin: h.app.url } });

  beforeAll(async () => {
    h = await startHarness(framework, mode);
  });
  afterAll(() => h?.stop());
  beforeEach(async () => {
    h.emulator.controls.clearOutages();
    h.emulator.controls.setAccessTokenTtl(300);
    h.emulator.controls.resetCounts();
  });

  /** Signs in with 1 s access tokens and waits until the token has expired. */
  async function expiredSession(): Promise<CookieJar> {
    h.emulator.controls.setAccessTokenTtl(1);
    const jar = await h.signIn();
    h.emulator.controls.setAccessTokenTtl(300);
    await waitForExpiry();
    return jar;
  }

  /** The answer when an expired session needs Scalekit: POST refresh or an API call. */
  function refreshingRequest(jar: CookieJar) {
    return mode === 'endpoint' ? h.request(jar, 'POST', '/auth/refresh', sameOrigin()) : h.request(jar, 'GET', '/api/me');
  }

  it('anonymous request to a protected route: 401 authentication_required, no cookies', async () => {
    const result = await h.request(new CookieJar(), 'GET', '/api/me');
    expect(result.status).toBe(401);
    expect(result.body).toEqual({ error: 'authentication_required' });
    expect(result.setCookies).toEqual([]);
  });

  it('login: 302 to Scalekit with state, PKCE S256 and offline_access; a short-lived Lax state cookie', async () => {
    const result = await h.request(new CookieJar(), 'GET', '/auth/login');
    expect(result.status).toBe(302);
    const location = new URL(result.location ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(`${h.emulator.url}/oauth/authorize`);
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
    expect(location.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(location.searchParams.get('state')).toMatch(/^[\w-]{43}$/);
    expect(location.searchParams.get('scope')?.split(' ')).toContain('offline_access');
    expect(location.searchParams.get('redirect_uri')).toBe(`${h.app.url}/auth/callback`);
    const state = linesOf(result).get('sk_state.*');
    expect(attribute(state, 'Path')).toBe('/auth/callback');
    expect(attribute(state, 'SameSite')).toBe('Lax');
    expect(attribute(state, 'Max-Age')).toBe('600');
    expect(attribute(state, 'HttpOnly')).toBe('');
  });

  it('callback: state checked, code exchanged, cookies set with their attributes and Paths, 302 to /', async () => {
    const jar = new CookieJar();
    const login = await h.request(jar, 'GET', '/auth/login');
    const authorize = await h.request(jar, 'GET', login.location ?? '');
    const callback = await h.request(jar, 'GET', authorize.location ?? '');
    expect(callback.status).toBe(302);
    expect(callback.location).toBe('/');
    expect(callback.headers.get('cache-control')).toBe('no-store');
    const lines = linesOf(callback);
    for (const [name, path] of Object.entries(PATHS)) {
      const line = lines.get(name);
      expect(attribute(line, 'Path'), name).toBe(path);
      expect(attribute(line, 'HttpOnly'), name).toBe('');
      expect(attribute(line, 'SameSite'), name).toBe('Lax');
      expect(attribute(line, 'Secure'), name).toBeUndefined(); // NODE_ENV is not production here
      expect(attribute(line, 'Domain'), name).toBeUndefined();
    }
    expect(attribute(lines.get('sk_state.*'), 'Max-Age')).toBe('0');
    expect(attribute(lines.get('sk_access'), 'Max-Age')).toBeUndefined();
    expect(h.emulator.controls.counts()['token.authorization_code']).toBe(1);
  });

  it('callback with a forged state: 400, no session', async () => {
    const jar = new CookieJar();
    const login = await h.request(jar, 'GET', '/auth/login');
    const authorize = await h.request(jar, 'GET', login.location ?? '');
    const forged = new URL(authorize.location ?? '');
    forged.searchParams.set('state', 'x'.repeat(43));
    const callback = await h.request(jar, 'GET', forged.href);
    expect(callback.status).toBe(400);
    expect(callback.body).toEqual({ error: 'invalid_state' });
    expect(jar.get('sk_access')).toBeUndefined();
    expect(h.emulator.controls.counts()['token.authorization_code']).toBe(0);
  });

  it('protected route with a session: 200 with auth filled from the verified token', async () => {
    const jar = await h.signIn();
    const result = await h.request(jar, 'GET', '/api/me');
    expect(result.status).toBe(200);
    const auth = (result.body as { auth: Record<string, unknown> }).auth;
    const session = h.emulator.controls.sessions().find((s) => s.sessionId === auth.sessionId);
    expect(session?.userId).toBe(h.userId);
    expect(auth).toMatchObject({ userId: h.userId, organizationId: session?.organizationId, roles: expect.any(Array) });
    expect(new Date(auth.expiresAt as string).getTime()).toBeGreaterThan(Date.now());
  });

  if (mode === 'endpoint') {
    it('expired access token: 401 access_token_expired, cookies untouched, no Scalekit call', async () => {
      const jar = await expiredSession();
      const result = await h.request(jar, 'GET', '/api/me');
      expect(result.status).toBe(401);
      expect(result.body).toEqual({ error: 'access_token_expired' });
      expect(result.setCookies).toEqual([]);
      expect(h.emulator.controls.counts()['token.refresh_token']).toBe(0);
    });

    it('POST refresh: 204 with new access and refresh cookies; the API works again', async () => {
      const jar = await expiredSession();
      const before = jar.get('sk_refresh')?.value;
      const result = await h.request(jar, 'POST', '/auth/refresh', sameOrigin());
      expect(result.status).toBe(204);
      expect(result.change.set.sort()).toEqual(['sk_access (Path=/api)', 'sk_refresh (Path=/auth/refresh)']);
      expect(jar.get('sk_refresh')?.value).not.toBe(before);
      expect((await h.request(jar, 'GET', '/api/me')).status).toBe(200);
      expect(h.emulator.controls.counts()['token.refresh_token']).toBe(1);
    });

    it('POST refresh from another origin is refused', async () => {
      const jar = await h.signIn();
      const result = await h.request(jar, 'POST', '/auth/refresh', { headers: { origin: 'https://evil.example' } });
      expect(result.status).toBe(403);
      expect(h.emulator.controls.counts()['token.refresh_token']).toBe(0);
    });
  } else {
    it('expired access token: the request proceeds after one inline refresh, cookies re-issued', async () => {
      const jar = await expiredSession();
      const before = jar.get('sk_access')?.value;
      const result = await h.request(jar, 'GET', '/api/me');
      expect(result.status).toBe(200);
      expect(result.change.set.sort()).toEqual(['sk_access (Path=/api)', 'sk_refresh (Path=/)']);
      expect(jar.get('sk_access')?.value).not.toBe(before);
      expect(h.emulator.controls.counts()['token.refresh_token']).toBe(1);
      expect((await h.request(jar, 'GET', '/api/me')).setCookies).toEqual([]);
    });

    it('POST refresh also works in transparent mode', async () => {
      const jar = await expiredSession();
      const result = await h.request(jar, 'POST', '/auth/refresh', sameOrigin());
      expect(result.status).toBe(204);
      expect((await h.request(jar, 'GET', '/api/me')).status).toBe(200);
    });
  }

  it('25 concurrent requests on an expired token: exactly one token-endpoint call, all succeed', async () => {
    const jar = await expiredSession();
    const results = await Promise.all(Array.from({ length: 25 }, () => refreshingRequest(jar)));
    expect(results.map((r) => r.status)).toEqual(Array(25).fill(mode === 'endpoint' ? 204 : 200));
    expect(h.emulator.controls.counts()['token.refresh_token']).toBe(1);
    expect((await h.request(jar, 'GET', '/api/me')).status).toBe(200);
  });

  it('revoked session: 401 session_expired and every cookie cleared at its own Path', async () => {
    const jar = await expiredSession();
    const sessionId = h.emulator.controls.sessions().at(-1)?.sessionId ?? '';
    expect(h.emulator.controls.revokeSession(sessionId)).toBe(true);
    const result = await refreshingRequest(jar);
    expect(result.status).toBe(401);
    expect(result.body).toEqual({ error: 'session_expired' });
    const lines = cookieLines(result);
    for (const [name, path] of Object.entries(CLEARED_PATHS)) {
      expect(attribute(lines.get(name), 'Max-Age'), name).toBe('0');
      expect(attribute(lines.get(name), 'Path'), name).toBe(path);
    }
    expect(jar.all()).toEqual([]);
  });

  it('a replayed refresh token (another app instance, no shared cache): 401 session_expired', async () => {
    const jar = await expiredSession();
    const spent = jar.get('sk_refresh');
    expect((await refreshingRequest(jar)).status).toBe(mode === 'endpoint' ? 204 : 200);
    const replay = new CookieJar();
    if (spent) replay.set(spent);
    // A second replica started without this process's result cache sees the spent token.
    const replica = await startApp(h.dir, {
      SCALEKIT_ENVIRONMENT_URL: h.emulator.url,
      SCALEKIT_CLIENT_ID: h.emulator.clientId,
      SCALEKIT_CLIENT_SECRET: h.emulator.clientSecret,
      SESSION_ENCRYPTION_KEYS: h.keys,
    });
    try {
      const result = await send(replay, 'POST', `${replica.url}/auth/refresh`, {
        headers: { origin: replica.url },
      });
      expect(result.status).toBe(401);
      expect(result.body).toEqual({ error: 'session_expired' });
    } finally {
      await replica.stop();
    }
  });

  describe.each([
    ['refusing connections', 'refuse'],
    ['hanging past the timeout', 'hang'],
    ['answering 5xx', '5xx'],
  ] as const)('Scalekit %s', (_label, outage) => {
    it('503 auth_unavailable with Retry-After, cookies untouched; works again once Scalekit is back', async () => {
      const jar = await expiredSession();
      const cookiesBefore = jar.all();
      if (outage === 'refuse') await h.emulator.controls.stopListening();
      else h.emulator.controls.setOutage('token', outage);
      try {
        const result = await refreshingRequest(jar);
        expect(result.status).toBe(503);
        expect(result.body).toEqual({ error: 'auth_unavailable' });
        expect(Number(result.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(result.setCookies).toEqual([]);
        expect(jar.all()).toEqual(cookiesBefore);
      } finally {
        if (outage === 'refuse') await h.emulator.controls.startListening();
        else h.emulator.controls.clearOutages();
      }
      expect((await refreshingRequest(jar)).status).toBe(mode === 'endpoint' ? 204 : 200);
    });
  });

  it('logout: 303 to Scalekit logout with id_token_hint and the post-logout redirect; every cookie cleared at its Path', async () => {
    const jar = await h.signIn();
    const result = await h.request(jar, 'POST', '/auth/logout', sameOrigin());
    expect(result.status).toBe(303);
    const location = new URL(result.location ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(`${h.emulator.url}/oidc/logout`);
    expect(location.searchParams.get('id_token_hint')).toMatch(/^eyJ/);
    expect(location.searchParams.get('post_logout_redirect_uri')).toBe(`${h.app.url}/`);
    const lines = cookieLines(result);
    for (const [name, path] of Object.entries(CLEARED_PATHS)) {
      expect(attribute(lines.get(name), 'Path'), name).toBe(path);
      expect(attribute(lines.get(name), 'Max-Age'), name).toBe('0');
    }
    expect(jar.all()).toEqual([]);
    const scalekit = await h.request(jar, 'GET', location.href);
    expect(scalekit.status).toBe(302);
    expect(h.emulator.controls.logoutCalls().at(-1)?.postLogoutRedirectUri).toBe(`${h.app.url}/`);
  });

  it("session list shows the caller's own sessions, the current one marked", async () => {
    const first = await h.signIn();
    await h.signIn();
    const result = await h.request(first, 'GET', '/api/sessions');
    expect(result.status).toBe(200);
    const sessions = (result.body as { sessions: { id: string; current: boolean; status: string }[] }).sessions;
    const active = h.emulator.controls.sessions().filter((s) => s.userId === h.userId && s.status === 'active');
    expect(sessions.map((s) => s.id).sort()).toEqual(active.map((s) => s.sessionId).sort());
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    expect(sessions.every((s) => s.status === 'active')).toBe(true);
  });

  it("revoking another user's session: 404, and it stays active", async () => {
    const mine = await h.signIn();
    const original = h.emulator.controls.setUser({ email: 'ada@example.com', name: 'Ada Lovelace', id: h.userId });
    const other = h.emulator.controls.setUser({ email: 'eve@example.com', name: 'Eve' });
    await h.signIn();
    h.emulator.controls.setUser(original);
    const theirs = h.emulator.controls.sessions().find((s) => s.userId === other.id);
    expect(theirs).toBeDefined();
    const result = await h.request(mine, 'DELETE', `/api/sessions/${theirs?.sessionId}`, sameOrigin());
    expect(result.status).toBe(404);
    expect(h.emulator.controls.sessions().find((s) => s.sessionId === theirs?.sessionId)?.status).toBe('active');
    expect((await h.request(mine, 'DELETE', '/api/sessions/ses_0000000000', sameOrigin())).status).toBe(404);
  });

  it('revoking one of my other sessions: 200, that session ends, mine goes on', async () => {
    const mine = await h.signIn();
    const phone = await h.signIn();
    const list = await h.request(phone, 'GET', '/api/sessions');
    const phoneId = (list.body as { sessions: { id: string; current: boolean }[] }).sessions.find((s) => s.current)?.id;
    const result = await h.request(mine, 'DELETE', `/api/sessions/${phoneId}`, sameOrigin());
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ revoked: phoneId, current: false });
    expect(result.setCookies).toEqual([]);
    expect(h.emulator.controls.sessions().find((s) => s.sessionId === phoneId)?.status).toBe('revoked');
    expect((await h.request(mine, 'GET', '/api/me')).status).toBe(200);
  });

  it('revoking my own current session: 200 current true, every session cookie cleared at its Path', async () => {
    const jar = await h.signIn();
    const list = await h.request(jar, 'GET', '/api/sessions');
    const currentId = (list.body as { sessions: { id: string; current: boolean }[] }).sessions.find((s) => s.current)?.id;
    expect(currentId).toBeDefined();
    const result = await h.request(jar, 'DELETE', `/api/sessions/${currentId}`, sameOrigin());
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ revoked: currentId, current: true });
    const lines = cookieLines(result);
    for (const [name, path] of Object.entries(CLEARED_PATHS)) {
      expect(attribute(lines.get(name), 'Max-Age'), name).toBe('0');
      expect(attribute(lines.get(name), 'Path'), name).toBe(path);
    }
    expect(jar.all()).toEqual([]);
    expect(h.emulator.controls.sessions().find((s) => s.sessionId === currentId)?.status).toBe('revoked');
  });

  it('revoke-all ends the session: cookies cleared, the refresh token no longer works', async () => {
    const jar = await h.signIn();
    const refreshCookie = jar.get('sk_refresh');
    const result = await h.request(jar, 'POST', '/api/sessions/revoke-all', sameOrigin());
    expect(result.status).toBe(200);
    expect(jar.all()).toEqual([]);
    expect(h.emulator.controls.sessions().filter((s) => s.userId === h.userId && s.status === 'active')).toEqual([]);
    const stale = new CookieJar();
    if (refreshCookie) stale.set(refreshCookie);
    const refresh = await h.request(stale, 'POST', '/auth/refresh', sameOrigin());
    expect(refresh.status).toBe(401);
    expect(refresh.body).toEqual({ error: 'session_expired' });
  });

  it('no response body and no log line carries a token', () => {
    expect(h.bodies.length).toBeGreaterThan(20);
    for (const pattern of TOKEN_PATTERNS) {
      for (const body of h.bodies) expect(body).not.toMatch(pattern);
      expect(h.app.output()).not.toMatch(pattern);
    }
  });
});
