import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { keyEntry, loadGenerated } from './load.js';

// Token verification of the generated core against a small local key set and
// token endpoint on loopback (issue #15): which failures log a user out
// (401) and which are outages that keep the session (503).
const CLIENT_ID = 'skc_tokens';

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  jwk: Record<string, unknown>;
}
function signingKey(kid: string, alg?: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', ...(alg && { alg }) } };
}
// The environment's key is published without `alg` (RFC 7517 makes it
// optional), so only the verifier's own algorithm list stops PS256/RS512.
const envKey = signingKey('env');
const taggedKey = signingKey('tagged', 'RS256');
const newKey = signingKey('rotated-in');

const server = {
  keys: 'ok' as 'ok' | 'down' | 'garbage',
  token: 'ok' as 'ok' | 'invalid_grant' | 'down',
  published: [envKey, taggedKey],
  tokenCalls: 0,
};
let url: string;
let httpServer: http.Server;

async function mint(
  claims: Record<string, unknown> = {},
  { key = envKey, alg = 'RS256', ttl = 300 }: { key?: SigningKey; alg?: string; ttl?: number } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload = { iss: url, aud: [CLIENT_ID], sub: 'usr_1', sid: 'ses_1', iat: now, exp: now + ttl, ...claims };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name as keyof typeof payload];
  return new SignJWT(payload).setProtectedHeader({ alg, kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
}

type Loaded = Awaited<ReturnType<typeof loadGenerated>>;
let endpoint: Loaded;
let transparent: Loaded;
let cold: Loaded;

beforeAll(async () => {
  httpServer = http.createServer((req, res) => {
    const send = (status: number, body: string) => res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    if (req.url === '/keys') {
      if (server.keys === 'down') return send(503, '{"error":"unavailable"}');
      if (server.keys === 'garbage') return send(200, '<html>');
      return send(200, JSON.stringify({ keys: server.published.map((key) => key.jwk) }));
    }
    if (req.url === '/oauth/token' && req.method === 'POST') {
      server.tokenCalls++;
      req.resume();
      if (server.token === 'down') return send(502, '{"error":"bad_gateway"}');
      if (server.token === 'invalid_grant') return send(400, '{"error":"invalid_grant"}');
      void mint().then((access) => send(200, JSON.stringify({ access_token: access, refresh_token: `rt_${server.tokenCalls}`, expires_in: 300 })));
      return;
    }
    send(404, '{}');
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  Object.assign(process.env, {
    SESSION_ENCRYPTION_KEYS: keyEntry('tokens'),
    SCALEKIT_ENVIRONMENT_URL: url,
    SCALEKIT_CLIENT_ID: CLIENT_ID,
    SCALEKIT_CLIENT_SECRET: 'secret',
    APP_URL: 'https://app.example.com',
  });
  endpoint = await loadGenerated({ framework: 'express', refresh: { mode: 'endpoint', leewaySeconds: 60 } }, 'core-tokens-endpoint');
  transparent = await loadGenerated({ framework: 'fastify', refresh: { mode: 'transparent', leewaySeconds: 60 } }, 'core-tokens-transparent');
  cold = await loadGenerated({ framework: 'koa' }, 'core-tokens-cold');
});
afterAll(async () => {
  await new Promise((resolve) => httpServer?.close(resolve));
  await Promise.all([endpoint, transparent, cold].map((mod) => mod && rm(mod.root, { recursive: true, force: true })));
});
beforeEach(() => {
  Object.assign(server, { keys: 'ok', token: 'ok', published: [envKey, taggedKey], tokenCalls: 0 });
});

/** Authenticates a request carrying this access token (and, optionally, a refresh token) in sealed cookies. */
function authenticate(mod: Loaded, accessToken: string | undefined, refreshToken?: string) {
  const pairs: string[] = [];
  if (accessToken !== undefined) pairs.push(`${mod.policy.COOKIES.access.name}=${mod.crypto.seal('access', accessToken)}`);
  if (refreshToken !== undefined) pairs.push(`${mod.policy.COOKIES.refresh.name}=${mod.crypto.seal('refresh', refreshToken)}`);
  return mod.session.authenticate({ method: 'GET', headers: {}, cookies: mod.cookies.parseCookies(pairs.join('; ')) });
}
async function expectCode(mod: Loaded, token: string | undefined, code: string, refreshToken?: string) {
  const result = await authenticate(mod, token, refreshToken);
  expect(result.ok ? 'ok' : result.code).toBe(code);
  if (code === 'auth_unavailable') expect(endpoint.session.errorReply(code).cookies).toEqual([]);
}

describe('verification', () => {
  it('a good RS256 token passes', async () => {
    const result = await authenticate(endpoint, await mint());
    expect(result.ok && result.auth.userId).toBe('usr_1');
  });

  it.each([
    ['PS256', envKey],
    ['RS512', envKey],
    ['RS384', envKey],
    ['PS256', taggedKey],
  ])('a token signed with the key set\'s key but %s: 401 invalid_session', async (alg, key) => {
    await expectCode(endpoint, await mint({}, { alg, key }), 'invalid_session');
  });

  it.each([
    ['without sid', { sid: undefined }],
    ['without sub', { sub: undefined }],
    ['with a numeric sid', { sid: 7 }],
    ['without exp', { exp: undefined }],
    ['from another issuer', { iss: 'https://evil.example' }],
    ['for another audience', { aud: ['someone-else'] }],
  ])('a token %s: 401 invalid_session', async (_, claims) => {
    await expectCode(endpoint, await mint(claims), 'invalid_session');
  });
});

describe('refresh leeway (leewaySeconds: 60)', () => {
  it('endpoint mode: a token expiring within the leeway is access_token_expired; one beyond it passes', async () => {
    await expectCode(endpoint, await mint({}, { ttl: 30 }), 'access_token_expired');
    await expectCode(endpoint, await mint({}, { ttl: 120 }), 'ok');
  });

  it('transparent mode: a token within the leeway is refreshed inline, once', async () => {
    const result = await authenticate(transparent, await mint({}, { ttl: 30 }), 'rt_leeway');
    expect(result.ok).toBe(true);
    expect(server.tokenCalls).toBe(1);
    expect(result.ok && result.cookies.some((line) => line.startsWith(`${transparent.policy.COOKIES.access.name}=v1.`))).toBe(true);
  });
});

describe('refresh outcomes', () => {
  it('invalid_grant ends the session (session_expired); a token endpoint outage is 503 auth_unavailable', async () => {
    server.token = 'invalid_grant';
    await expectCode(transparent, undefined, 'session_expired', 'rt_spent');
    server.token = 'down';
    await expectCode(transparent, undefined, 'auth_unavailable', 'rt_outage');
    // The failure was not kept: the same token is tried again once Scalekit is back.
    server.token = 'ok';
    await expectCode(transparent, undefined, 'ok', 'rt_outage');
  });
});

describe('key-set outage: 503 auth_unavailable, never a logout', () => {
  it('cold key cache: /keys 5xx or garbage', async () => {
    server.keys = 'down';
    await expectCode(cold, await mint(), 'auth_unavailable');
    server.keys = 'garbage';
    await expectCode(cold, await mint(), 'auth_unavailable');
    server.keys = 'ok';
    await expectCode(cold, await mint(), 'ok');
  });

  it('warm cache, a token with a kid it has not seen while /keys is down', async () => {
    await expectCode(endpoint, await mint(), 'ok');
    server.keys = 'down';
    await expectCode(endpoint, await mint({}, { key: newKey }), 'auth_unavailable');
    server.keys = 'ok';
    server.published = [envKey, taggedKey, newKey];
    await expectCode(endpoint, await mint({}, { key: newKey }), 'ok');
  });
});
