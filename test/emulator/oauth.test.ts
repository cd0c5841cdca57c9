import { createHash } from 'node:crypto';

import type { ScalekitClient } from '@scalekit-sdk/node';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { startEmulator } from '../../src/emulator/index.js';
import type { Emulator } from '../../src/emulator/index.js';
import { REDIRECT_URI, authorize, pkcePair, rejectionOf, sdkFor, signIn } from './helpers.js';

const USER = { id: 'usr_100', email: 'grace@example.com', givenName: 'Grace', familyName: 'Hopper' };

let emulator: Emulator;
let client: ScalekitClient;
const logLines: string[] = [];

beforeAll(async () => {
  emulator = await startEmulator({
    user: USER,
    organizationId: 'org_200',
    roles: ['admin'],
    permissions: ['sessions:read'],
    logger: (line) => logLines.push(line),
  });
  client = sdkFor(emulator);
});

afterAll(() => emulator.close());

beforeEach(() => {
  emulator.controls.clearOutages();
  emulator.controls.resetCounts();
});

describe('discovery and keys', () => {
  it('publishes OIDC metadata that points back at the emulator', async () => {
    expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emulator.clientId).toMatch(/^skc_\d+$/);
    const response = await fetch(`${emulator.url}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    const metadata = (await response.json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      issuer: emulator.url,
      authorization_endpoint: `${emulator.url}/oauth/authorize`,
      token_endpoint: `${emulator.url}/oauth/token`,
      jwks_uri: `${emulator.url}/keys`,
      end_session_endpoint: `${emulator.url}/oidc/logout`,
      code_challenge_methods_supported: ['S256'],
    });
    expect(emulator.controls.counts().discovery).toBe(1);
  });

  it('serves an RS256 JWKS with kid, alg and use', async () => {
    const jwks = (await (await fetch(`${emulator.url}/keys`)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: emulator.controls.currentKeyId() });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });
});

describe('authorization code flow through the SDK', () => {
  it('signs in with PKCE and issues Scalekit-shaped tokens', async () => {
    const pkce = pkcePair();
    const { code, state } = await authorize(client, { state: 'st-1', nonce: 'n-1', codeChallenge: pkce.challenge });
    expect(state).toBe('st-1');

    const result = await client.authenticateWithCode(code, REDIRECT_URI, { codeVerifier: pkce.verifier });
    expect(result.expiresIn).toBe(300);
    expect(result.refreshToken).toMatch(/^rt_/);
    expect(result.user).toMatchObject({ id: 'usr_100', email: 'grace@example.com', givenName: 'Grace', familyName: 'Hopper', name: 'Grace Hopper' });

    const access = await client.validateToken<Record<string, unknown>>(result.accessToken, {
      issuer: emulator.url,
      audience: [emulator.clientId],
    });
    expect(access).toMatchObject({
      iss: emulator.url,
      aud: [emulator.clientId],
      sub: 'usr_100',
      oid: 'org_200',
      client_id: emulator.clientId,
      roles: ['admin'],
      permissions: ['sessions:read'],
      scope: 'openid profile email offline_access',
    });
    expect(access.sid).toMatch(/^ses_\d+$/);
    expect(access.exp).toBe((access.iat as number) + 300);
    expect(access.nbf).toBe(access.iat);
    expect(typeof access.jti).toBe('string');

    const id = decodeJwt(result.idToken);
    expect(id).toMatchObject({ sub: 'usr_100', oid: 'org_200', sid: access.sid, nonce: 'n-1', email_verified: true, amr: ['pwd'] });
    const digest = createHash('sha256').update(result.accessToken).digest();
    expect(id.at_hash).toBe(digest.subarray(0, 16).toString('base64url'));
    expect(id.exp).toBe((id.iat as number) + 1800);
    expect(decodeProtectedHeader(result.idToken).kid).toBe(emulator.controls.currentKeyId());

    expect(emulator.controls.sessions().find((s) => s.sessionId === access.sid)).toMatchObject({ status: 'active', userId: 'usr_100' });
    expect(emulator.controls.counts()).toMatchObject({ authorize: 1, 'token.authorization_code': 1, keys: 1 });
  });

  it('issues no refresh token without offline_access', async () => {
    const result = await signIn(client, ['openid', 'profile', 'email']);
    expect(result.refreshToken).toBeUndefined();
  });

  it('rejects a wrong code verifier, a missing one, and a reused code', async () => {
    const pkce = pkcePair();
    const first = await authorize(client, { codeChallenge: pkce.challenge });
    const wrong = await rejectionOf(client.authenticateWithCode(first.code, REDIRECT_URI, { codeVerifier: pkcePair().verifier }));
    expect(wrong.message).toContain('status code 400');

    const second = await authorize(client, { codeChallenge: pkce.challenge });
    await expect(client.authenticateWithCode(second.code, REDIRECT_URI)).rejects.toThrow('status code 400');

    const third = await authorize(client, { codeChallenge: pkce.challenge });
    await client.authenticateWithCode(third.code, REDIRECT_URI, { codeVerifier: pkce.verifier });
    await expect(client.authenticateWithCode(third.code, REDIRECT_URI, { codeVerifier: pkce.verifier })).rejects.toThrow('status code 400');
  });

  it('answers RFC 6749 errors with JSON bodies', async () => {
    const pkce = pkcePair();
    const { code } = await authorize(client, { codeChallenge: pkce.challenge });
    const post = (form: Record<string, string>, headers: Record<string, string> = {}) =>
      fetch(`${emulator.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(form),
      });
    const base = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: pkce.verifier };

    const badSecret = await post({ ...base, client_id: emulator.clientId, client_secret: 'nope' });
    expect(badSecret.status).toBe(401);
    expect(await badSecret.json()).toMatchObject({ error: 'invalid_client' });

    const wrongRedirect = await post({ ...base, redirect_uri: 'http://localhost:3000/other', client_id: emulator.clientId, client_secret: emulator.clientSecret });
    expect(wrongRedirect.status).toBe(400);
    expect(await wrongRedirect.json()).toEqual({ error: 'invalid_grant', error_description: 'redirect_uri does not match the authorization request' });

    const unsupported = await post({ grant_type: 'password', client_id: emulator.clientId, client_secret: emulator.clientSecret });
    expect(await unsupported.json()).toMatchObject({ error: 'unsupported_grant_type' });

    // HTTP Basic client authentication works too.
    const basic = Buffer.from(`${emulator.clientId}:${emulator.clientSecret}`).toString('base64');
    const viaBasic = await post({ grant_type: 'client_credentials' }, { authorization: `Basic ${basic}` });
    expect(viaBasic.status).toBe(200);
    expect(await viaBasic.json()).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
  });

  it('refuses unknown clients and a plain PKCE method at /oauth/authorize', async () => {
    const unknown = await fetch(`${emulator.url}/oauth/authorize?response_type=code&client_id=skc_1&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`, { redirect: 'manual' });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: 'invalid_client' });

    const plain = client.getAuthorizationUrl(REDIRECT_URI, { state: 's', codeChallenge: pkcePair().verifier, codeChallengeMethod: 'plain' });
    const response = await fetch(plain, { redirect: 'manual' });
    const location = new URL(response.headers.get('location') ?? 'missing:');
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('state')).toBe('s');
  });
});

describe('refresh token rotation', () => {
  it('rotates, rejects a replayed token with 400, and keeps the session', async () => {
    const first = await signIn(client);
    const second = await client.refreshAccessToken(first.refreshToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    const claims = await client.validateToken<Record<string, unknown>>(second.accessToken, { issuer: emulator.url, audience: [emulator.clientId] });
    expect(claims.sid).toBe(decodeJwt(first.accessToken).sid);

    const replay = await rejectionOf(client.refreshAccessToken(first.refreshToken));
    expect(replay.message).toBe('Failed to refresh token: Request failed with status code 400');
    // Without revokeSessionOnRefreshReuse the newest token still works.
    await expect(client.refreshAccessToken(second.refreshToken)).resolves.toMatchObject({ refreshToken: expect.stringMatching(/^rt_/) });
    expect(emulator.controls.counts()['token.refresh_token']).toBe(3);
    expect(logLines).toContain('POST /oauth/token -> 400');
  });

  it('lets exactly one of two concurrent refreshes with the same token win', async () => {
    const { refreshToken } = await signIn(client);
    const results = await Promise.allSettled([client.refreshAccessToken(refreshToken), client.refreshAccessToken(refreshToken)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  it('says invalid_grant for a revoked session', async () => {
    const tokens = await signIn(client);
    const sid = String(decodeJwt(tokens.accessToken).sid);
    expect(emulator.controls.revokeSession(sid)).toBe(true);
    await expect(client.refreshAccessToken(tokens.refreshToken)).rejects.toThrow('status code 400');

    const raw = await fetch(`${emulator.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refreshToken, client_id: emulator.clientId, client_secret: emulator.clientSecret }),
    });
    expect(await raw.json()).toEqual({ error: 'invalid_grant', error_description: `session ${sid} is revoked` });
  });

  it('revokes the session on replay when asked to', async () => {
    const strict = await startEmulator({ revokeSessionOnRefreshReuse: true });
    try {
      const sdk = sdkFor(strict);
      const first = await signIn(sdk);
      const second = await sdk.refreshAccessToken(first.refreshToken);
      await expect(sdk.refreshAccessToken(first.refreshToken)).rejects.toThrow('400');
      await expect(sdk.refreshAccessToken(second.refreshToken)).rejects.toThrow('400');
      expect(strict.controls.sessions()[0]?.status).toBe('revoked');
    } finally {
      await strict.close();
    }
  });

  it('applies a new access token TTL to the next tokens', async () => {
    emulator.controls.setAccessTokenTtl(2);
    try {
      const tokens = await signIn(client);
      expect(tokens.expiresIn).toBe(2);
      const claims = decodeJwt(tokens.accessToken);
      expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(2);
    } finally {
      emulator.controls.setAccessTokenTtl(300);
    }
  });
});

describe('logout', () => {
  it('ends the session named by the hint, records the call and redirects with state', async () => {
    const tokens = await signIn(client);
    const sid = String(decodeJwt(tokens.idToken).sid);
    const url = client.getLogoutUrl({ idTokenHint: tokens.idToken, postLogoutRedirectUri: 'http://localhost:3000/bye', state: 'xyz' });
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('http://localhost:3000/bye?state=xyz');

    expect(emulator.controls.logoutCalls().at(-1)).toMatchObject({
      idTokenHint: tokens.idToken,
      postLogoutRedirectUri: 'http://localhost:3000/bye',
      state: 'xyz',
      sessionId: sid,
    });
    expect(emulator.controls.sessions().find((s) => s.sessionId === sid)?.status).toBe('logout');
    await expect(client.refreshAccessToken(tokens.refreshToken)).rejects.toThrow('400');
  });

  it('accepts client_id (RP-Initiated Logout §2) and refuses one that is not registered', async () => {
    const url = new URL(client.getLogoutUrl({ postLogoutRedirectUri: 'http://localhost:3000/bye' }));
    url.searchParams.set('client_id', emulator.clientId);
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(emulator.controls.logoutCalls().at(-1)).toMatchObject({ clientId: emulator.clientId });
    url.searchParams.set('client_id', 'skc_unknown');
    const refused = await fetch(url, { redirect: 'manual' });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('shows a page when there is nowhere to go back to', async () => {
    const response = await fetch(client.getLogoutUrl({}));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('signed out');
    expect(emulator.controls.counts().logout).toBe(1);
  });
});

describe('another user', () => {
  it('signs in whoever setUser named, in the organisation set', async () => {
    emulator.controls.setUser({ id: 'usr_300', email: 'alan@example.com', givenName: 'Alan', familyName: 'Turing' });
    emulator.controls.setOrganization('org_400');
    try {
      const tokens = await signIn(client);
      expect(decodeJwt(tokens.accessToken)).toMatchObject({ sub: 'usr_300', oid: 'org_400' });
      expect(tokens.user).toMatchObject({ email: 'alan@example.com', name: 'Alan Turing' });
    } finally {
      emulator.controls.setUser(USER);
      emulator.controls.setOrganization('org_200');
    }
  });
});
