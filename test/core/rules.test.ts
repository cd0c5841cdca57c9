import { rm } from 'node:fs/promises';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { keyEntry, loadGenerated } from './load.js';

// Behavioural tests for security rules that once only a snapshot guarded
// (issue #15): each fails when its rule is dropped from the generated core.
type FlowsModule = typeof import('../__snapshots__/express/default/flows.js');
type Loaded = Awaited<ReturnType<typeof loadGenerated>> & { flows: FlowsModule };

const APP_URL = 'https://app.example.com';
const loaded: Loaded[] = [];
async function load(input: Parameters<typeof loadGenerated>[0], name: string): Promise<Loaded> {
  const mod = await loadGenerated(input, name);
  const flows = (await import(path.join(mod.root, 'src/session/flows.ts'))) as FlowsModule;
  const entry = { ...mod, flows };
  loaded.push(entry);
  return entry;
}

let plain: Loaded; // defaults: secure "production", outside production
let always: Loaded; // secure "always", SameSite strict
let production: Loaded; // secure "production", imported under NODE_ENV=production
beforeAll(async () => {
  Object.assign(process.env, {
    SESSION_ENCRYPTION_KEYS: keyEntry('rules'),
    SCALEKIT_ENVIRONMENT_URL: 'http://127.0.0.1:9',
    SCALEKIT_CLIENT_ID: 'skc_rules',
    SCALEKIT_CLIENT_SECRET: 'secret',
    APP_URL,
  });
  plain = await load({ framework: 'express' }, 'core-rules-plain');
  always = await load({ framework: 'fastify', cookies: { secure: 'always', sameSite: 'strict' } }, 'core-rules-always');
  const before = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    production = await load({ framework: 'koa' }, 'core-rules-production');
  } finally {
    process.env.NODE_ENV = before;
  }
});
afterAll(() => Promise.all(loaded.map((mod) => rm(mod.root, { recursive: true, force: true }))));

const request = (method: string, headers: Record<string, string> = {}, query = '') => ({
  method,
  cookies: plain.cookies.parseCookies(''),
  headers,
  query: new URLSearchParams(query),
});

/** The sealed login state a login reply sets, opened. */
async function loginState(mod: Loaded, returnTo: string): Promise<{ returnTo: string }> {
  const reply = await mod.flows.login(request('GET', {}, new URLSearchParams({ returnTo }).toString()));
  expect(reply.status).toBe(302);
  const stateName = mod.policy.COOKIES.state.name;
  const line = reply.cookies.find((cookie) => cookie.startsWith(`${stateName}.`) && !/Max-Age=0\b/.test(cookie));
  expect(line, 'the login state cookie').toBeDefined();
  const value = line!.split(';')[0]!.split('=').slice(1).join('=');
  const opened = mod.crypto.open('state', value);
  expect(opened).not.toBeNull();
  return JSON.parse(opened!.plaintext) as { returnTo: string };
}

describe('1. returnTo never leaves the app', () => {
  it.each(['//evil.example', '/\\evil.example', 'https://evil.example', '/\\/evil.example', '///evil.example', 'javascript:alert(1)', '\\\\evil.example'])(
    '%s lands on /',
    async (returnTo) => {
      expect((await loginState(plain, returnTo)).returnTo).toBe('/');
    },
  );

  it('an own path is kept', async () => {
    expect((await loginState(plain, '/account?tab=1')).returnTo).toBe('/account?tab=1');
  });
});

describe('2, 3. the cross-site guard on logout, revoke-all and DELETE sessions/:id', () => {
  const auth = { userId: 'usr_1', sessionId: 'ses_1' } as never;
  const foreign: Record<string, string>[] = [
    { origin: 'https://evil.example' },
    { origin: `${APP_URL}.evil.net` },
    { 'sec-fetch-site': 'cross-site', origin: `${APP_URL}.evil.net` },
    { referer: `${APP_URL}.evil.net/page` },
  ];
  it.each(foreign)('%j: 403 cross_origin_request and no cookie touched', async (headers) => {
    const replies = [
      await plain.flows.logout(request('POST', headers)),
      await plain.flows.revokeAllSessions(request('POST', headers), auth),
      await plain.flows.revokeSession(request('DELETE', headers), auth, 'ses_1'),
    ];
    for (const reply of replies) {
      expect(reply.status).toBe(403);
      expect(reply.cookies).toEqual([]);
    }
  });

  it('an Origin that merely starts with the app origin is refused by the guard itself', () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      expect(plain.session.crossSiteRejection({ method, headers: { origin: `${APP_URL}.evil.net` } })?.status).toBe(403);
      expect(plain.session.crossSiteRejection({ method, headers: { origin: APP_URL } })).toBeUndefined();
    }
  });
});

describe('4, 5. cookie attributes', () => {
  async function everySetCookie(mod: Loaded): Promise<string[]> {
    const lines = [
      ...(await mod.flows.login(request('GET'))).cookies,
      ...mod.cookies.clearSessionCookies(),
      ...(await mod.flows.logout(request('POST', { origin: APP_URL }))).cookies,
    ];
    for (const kind of Object.keys(mod.policy.COOKIES)) lines.push(...mod.cookies.writeCookie(kind as 'access', 'v1.x'));
    expect(lines.length).toBeGreaterThan(10);
    return lines;
  }

  it.each([
    ['secure "always"', () => always],
    ['secure "production" under NODE_ENV=production', () => production],
  ])('%s: every Set-Cookie line is Secure, HttpOnly and prefixed', async (_, mod) => {
    for (const line of await everySetCookie(mod())) {
      expect(line).toMatch(/; Secure(;|$)/);
      expect(line).toMatch(/; HttpOnly(;|$)/);
      expect(line).toMatch(/^__(Host|Secure)-/);
      if (line.startsWith('__Host-')) expect(line).toMatch(/; Path=\/(;|$)/);
    }
  });

  it('secure "production" outside production: plain names, no Secure (local http)', async () => {
    for (const line of await everySetCookie(plain)) {
      expect(line).not.toMatch(/; Secure(;|$)/);
      expect(line).not.toMatch(/^__/);
    }
  });

  it('SameSite=Strict policy: the login state cookie stays Lax, the others are Strict', async () => {
    const login = await always.flows.login(request('GET'));
    const stateName = always.policy.COOKIES.state.name;
    const state = login.cookies.filter((line) => line.startsWith(`${stateName}.`));
    expect(state.length).toBeGreaterThan(0);
    for (const line of state) expect(line).toMatch(/; SameSite=Lax(;|$)/);
    for (const kind of ['access', 'refresh', 'idToken'] as const) {
      expect(always.cookies.writeCookie(kind, 'v1.x')[0]).toMatch(/; SameSite=Strict(;|$)/);
    }
  });
});

describe('login and callback', () => {
  it('a returnTo over the bound lands on / (and the state cookie still fits one line)', async () => {
    expect((await loginState(plain, `/${'a'.repeat(9_500)}`)).returnTo).toBe('/');
  });

  it('HEAD (or any method but GET) on login and callback: 405, no cookie written', async () => {
    for (const method of ['HEAD', 'POST']) {
      for (const reply of [await plain.flows.login(request(method)), await plain.flows.callback(request(method, {}, 'state=x&code=y'))]) {
        expect(reply.status).toBe(405);
        expect(reply.cookies).toEqual([]);
      }
    }
  });

  it('every login attempt has its own state cookie, so parallel sign-ins do not overwrite each other', async () => {
    const stateName = plain.policy.COOKIES.state.name;
    const names = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const reply = await plain.flows.login(request('GET'));
      for (const line of reply.cookies) if (line.startsWith(`${stateName}.`)) names.add(line.split('=')[0]!);
    }
    expect(names.size).toBe(5);
  });

  it('POST refresh from a foreign Origin: 403, nothing cleared', async () => {
    const reply = await plain.flows.refresh(request('POST', { origin: `${APP_URL}.evil.net` }));
    expect(reply.status).toBe(403);
    expect(reply.cookies).toEqual([]);
  });
});
