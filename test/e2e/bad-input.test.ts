import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CookieJar } from '../../src/demo/http-client.js';
import { startApp } from '../../src/demo/project.js';
import { keyEntry } from '../core/load.js';
import { cookieLines, FRAMEWORKS, type Harness, startHarness, TOKEN_PATTERNS } from './harness.js';

type CryptoModule = typeof import('../__snapshots__/express/default/crypto.js');
type KeysModule = typeof import('../__snapshots__/express/default/keys.js');

// security.md "Bad inputs every framework's output must survive", over real
// HTTP: each gets a 401 (or 503 where Scalekit is at fault), never a 500.
describe.each(FRAMEWORKS)('bad inputs against a running generated %s app', (framework) => {
  let h: Harness;
  let crypto: CryptoModule;
  let keys: KeysModule;
  beforeAll(async () => {
    h = await startHarness(framework, 'endpoint');
    crypto = (await import(path.join(h.dir, 'src/session/crypto.ts'))) as CryptoModule;
    keys = (await import(path.join(h.dir, 'src/session/keys.ts'))) as KeysModule;
  });
  afterAll(() => h?.stop());

  const ring = () => keys.parseKeyring(h.keys, 'test');
  /** A jar holding one access cookie with this raw value. */
  const withAccess = (value: string) => {
    const jar = new CookieJar();
    jar.set({ name: 'sk_access', value, path: '/api' });
    return jar;
  };
  const sealToken = (token: string) => crypto.seal('access', token, ring());

  async function expectInvalid(jar: CookieJar, code = 'invalid_session') {
    const result = await h.request(jar, 'GET', '/api/me');
    expect(result.status).toBe(401);
    expect(result.body).toEqual({ error: code });
    return result;
  }

  it('missing, empty or whitespace cookie: 401 authentication_required', async () => {
    await expectInvalid(new CookieJar(), 'authentication_required');
    await expectInvalid(withAccess(''), 'authentication_required');
    const raw = await rawRequest(h.app.url, 'GET /api/me', ['Cookie: sk_access=   ']);
    expect(raw.status).toBe(401);
  });

  it('tampered, truncated, extended, re-encoded or garbage values: 401 invalid_session and cleared', async () => {
    const jar = await h.signIn();
    const good = jar.get('sk_access')?.value ?? '';
    const parts = good.split('.');
    const variants = [
      `${good.slice(0, -3)}AAA`,
      good.slice(0, -12),
      `${good}AAAA`,
      parts.slice(0, 4).join('.'),
      ['v2', ...parts.slice(1)].join('.'),
      [parts[0], 'nokey', ...parts.slice(2)].join('.'),
      [parts[0], parts[1], '!!!!', parts[3], parts[4]].join('.'),
      'garbage',
      crypto.seal('access', 'x', keys.parseKeyring(keyEntry('e2e'), 'other')), // same kid, wrong key
      crypto.seal('refresh', 'token', ring()), // another cookie's value
    ];
    for (const value of variants) {
      const result = await expectInvalid(withAccess(value));
      expect(cookieLines(result).get('sk_access')).toMatch(/Max-Age=0/);
    }
  });

  it('a sealed value that is not a token: 401 invalid_session', async () => {
    await expectInvalid(withAccess(sealToken('{"not":"a jwt"}')));
    await expectInvalid(withAccess(sealToken('')));
  });

  it('tokens that are expired, not yet valid, for another issuer or audience, alg none or HS256: never accepted', async () => {
    const c = h.emulator.controls;
    const now = Math.floor(Date.now() / 1000);
    await expectInvalid(withAccess(sealToken(await c.mintAccessToken({}, { ttlSeconds: -60 }))), 'access_token_expired');
    await expectInvalid(withAccess(sealToken(await c.mintAccessToken({ nbf: now + 600 }))));
    await expectInvalid(withAccess(sealToken(await c.mintAccessToken({ iss: 'https://evil.example' }))));
    await expectInvalid(withAccess(sealToken(await c.mintAccessToken({ aud: ['someone-else'] }))));
    const [header, payload] = (await c.mintAccessToken()).split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    await expectInvalid(withAccess(sealToken(none)));
    const hsHeader = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(header ?? '', 'base64url').toString()), alg: 'HS256' })).toString('base64url');
    const jwks = (await (await fetch(`${h.emulator.url}/keys`)).json()) as { keys: unknown[] };
    const { createHmac } = await import('node:crypto');
    const hs = `${hsHeader}.${payload}`;
    const forged = `${hs}.${createHmac('sha256', JSON.stringify(jwks.keys[0])).update(hs).digest('base64url')}`;
    await expectInvalid(withAccess(sealToken(forged)));
  });

  it('a token signed by a key Scalekit rotated in is accepted (the key set is refetched)', async () => {
    await h.emulator.controls.rotateSigningKey({ keepOld: true });
    const jar = await h.signIn();
    expect((await h.request(jar, 'GET', '/api/me')).status).toBe(200);
  });

  it('a cookie sealed with an older key opens and is re-sealed with the newest on the same response', async () => {
    const jar = await h.signIn();
    const oldValue = jar.get('sk_access')?.value ?? '';
    const newKey = keyEntry('k2');
    const rotated = await startApp(h.dir, {
      SCALEKIT_ENVIRONMENT_URL: h.emulator.url,
      SCALEKIT_CLIENT_ID: h.emulator.clientId,
      SCALEKIT_CLIENT_SECRET: h.emulator.clientSecret,
      SESSION_ENCRYPTION_KEYS: `${newKey},${h.keys}`,
    });
    try {
      const { send } = await import('../../src/demo/http-client.js');
      const result = await send(jar, 'GET', `${rotated.url}/api/me`);
      expect(result.status).toBe(200);
      const resealed = jar.get('sk_access')?.value ?? '';
      expect(oldValue.split('.')[1]).toBe('e2e');
      expect(resealed.split('.')[1]).toBe('k2');
    } finally {
      await rotated.stop();
    }
  });

  it('chunk gaps, duplicate chunks and duplicate names: 401, never 500', async () => {
    const jar = await h.signIn();
    const value = jar.get('sk_access')?.value ?? '';
    const half = Math.floor(value.length / 2);
    const gap = new CookieJar();
    gap.set({ name: 'sk_access.0', value: value.slice(0, half), path: '/api' });
    gap.set({ name: 'sk_access.2', value: value.slice(half), path: '/api' });
    await expectInvalid(gap);
    const dup = await rawRequest(h.app.url, 'GET /api/me', [`Cookie: sk_access.0=${value.slice(0, half)}; sk_access.0=x; sk_access.1=${value.slice(half)}`]);
    expect(dup.status).toBe(200); // the first of duplicates wins and the value is whole
    const names = await rawRequest(h.app.url, 'GET /api/me', [`Cookie: sk_access=garbage; sk_access=${value}`]);
    expect(names.status).toBe(401);
    const joined = await rawRequest(h.app.url, 'GET /api/me', [`Cookie: sk_access.0=${value.slice(0, half)}; sk_access.1=${value.slice(half)}`]);
    expect(joined.status).toBe(200);
  });

  it('semicolons, CR/LF, NUL and a huge Cookie header: 4xx, never 500', async () => {
    const jar = await h.signIn();
    const value = jar.get('sk_access')?.value ?? '';
    const cases = [
      [`Cookie: sk_access=${value.slice(0, 20)};;;${value.slice(20)}`],
      [`Cookie: sk_access=${value}\u0000`],
      [`Cookie: sk_access=${value.slice(0, 20)}\r`],
      [`Cookie: sk_access=${'A'.repeat(15_000)}`],
      [`Cookie: ${'x=1; '.repeat(2000)}sk_access=${value}`],
      [`Cookie: sk_access=${'A'.repeat(70_000)}`],
    ];
    for (const headers of cases) {
      const result = await rawRequest(h.app.url, 'GET /api/me', headers);
      expect(result.status, headers[0]?.slice(0, 40)).toBeGreaterThanOrEqual(400);
      expect(result.status, headers[0]?.slice(0, 40)).toBeLessThan(500);
    }
  });

  it('no error body carries a token', () => {
    for (const pattern of TOKEN_PATTERNS) for (const body of h.bodies) expect(body).not.toMatch(pattern);
  });
});

/** Sends bytes a fetch client would refuse to send, and reads the status line. */
function rawRequest(baseUrl: string, requestLine: string, headers: string[]): Promise<{ status: number }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let response = '';
    socket.setTimeout(10_000, () => socket.destroy(new Error('raw request timed out')));
    socket.on('data', (chunk) => {
      response += chunk.toString('latin1');
      const match = /^HTTP\/1\.1 (\d{3})/.exec(response);
      if (match && response.includes('\r\n\r\n')) {
        socket.destroy();
        resolve({ status: Number(match[1]) });
      }
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const match = /^HTTP\/1\.1 (\d{3})/.exec(response);
      if (match) resolve({ status: Number(match[1]) });
      else reject(new Error(`connection closed without a response: ${JSON.stringify(response.slice(0, 80))}`));
    });
    socket.write(`${requestLine} HTTP/1.1\r\nHost: ${hostname}\r\n${headers.join('\r\n')}\r\nConnection: close\r\n\r\n`, 'latin1');
  });
}
