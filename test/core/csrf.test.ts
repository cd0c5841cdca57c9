import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { keyEntry, loadGenerated } from './load.js';

// The cross-site guard's configuration (issue #8): trusted origins pass where
// Fetch Metadata says same-site or cross-site; `csrf: false` leaves the
// middleware unchecked while the auth routes keep checking.
const APP_URL = 'https://app.example.com';
const TRUSTED = 'https://admin.example.com';
let trusted: Awaited<ReturnType<typeof loadGenerated>>;
let off: Awaited<ReturnType<typeof loadGenerated>>;
beforeAll(async () => {
  Object.assign(process.env, {
    SESSION_ENCRYPTION_KEYS: keyEntry('csrf'),
    SCALEKIT_ENVIRONMENT_URL: 'http://127.0.0.1:9',
    SCALEKIT_CLIENT_ID: 'skc_csrf',
    SCALEKIT_CLIENT_SECRET: 'secret',
    APP_URL,
  });
  trusted = await loadGenerated({ framework: 'express', csrf: { trustedOrigins: [TRUSTED] } }, 'core-csrf-trusted');
  off = await loadGenerated({ framework: 'koa', csrf: false }, 'core-csrf-off');
});
afterAll(() => Promise.all([trusted, off].map((mod) => rm(mod.root, { recursive: true, force: true }))));

describe('csrf.trustedOrigins', () => {
  const cases: [Record<string, string>, boolean][] = [
    [{ 'sec-fetch-site': 'same-site', origin: TRUSTED }, true],
    [{ 'sec-fetch-site': 'cross-site', origin: TRUSTED }, true],
    [{ origin: TRUSTED }, true],
    [{ referer: `${TRUSTED}/page` }, true],
    [{ 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' }, false],
    [{ 'sec-fetch-site': 'cross-site' }, false],
    [{ origin: `${TRUSTED}.evil.example` }, false],
    [{ origin: 'https://ADMIN.example.com' }, false],
  ];
  it.each(cases)('%j passes: %s', (headers, passes) => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      expect(trusted.session.crossSiteRejection({ method, headers }) === undefined, method).toBe(passes);
    }
  });
});

describe('csrf: false', () => {
  it('lets the middleware authenticate a cross-site POST (401 for no cookie, not 403)', async () => {
    const result = await off.session.authenticate({
      method: 'POST',
      cookies: new Map(),
      headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
    });
    expect(result).toEqual({ ok: false, code: 'authentication_required' });
  });

  it('still refuses it on the generated auth routes', () => {
    expect(off.session.crossSiteRejection({ method: 'POST', headers: { 'sec-fetch-site': 'cross-site' } })?.status).toBe(403);
  });

  it('the default config refuses it in the middleware', async () => {
    const result = await trusted.session.authenticate({
      method: 'POST',
      cookies: new Map(),
      headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
    });
    expect(result).toEqual({ ok: false, code: 'cross_origin_request' });
  });
});
