import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadGenerated } from './load.js';

let mod: Awaited<ReturnType<typeof loadGenerated>>;
beforeAll(async () => {
  mod = await loadGenerated({ framework: 'express', cookies: { maxAgeSeconds: 3600 } }, 'core-cookies');
});
afterAll(() => rm(mod.root, { recursive: true, force: true }));

/** What a browser would send back for these Set-Cookie lines (ignoring Path). */
function jarFrom(lines: string[]) {
  const pairs = lines.filter((line) => !line.includes('Max-Age=0')).map((line) => line.split(';')[0]);
  return mod.cookies.parseCookies(pairs.join('; '));
}

describe('parseCookies', () => {
  it('keeps the first of duplicate names (the most specific Path comes first)', () => {
    const jar = mod.cookies.parseCookies('sk_access=first; other=1; sk_access=second');
    expect(jar.get('sk_access')).toBe('first');
    expect(jar.get('other')).toBe('1');
  });

  it('ignores malformed pairs and an oversized header', () => {
    expect([...mod.cookies.parseCookies('novalue; =x; a=1').entries()]).toEqual([['a', '1']]);
    expect(mod.cookies.parseCookies(`a=${'x'.repeat(40_000)}`).size).toBe(0);
  });

  it('treats an empty or blank cookie as absent', () => {
    for (const value of ['', '   ']) {
      expect(mod.cookies.readCookie(new Map([['sk_access', value]]), 'access'), JSON.stringify(value)).toBeUndefined();
    }
  });

  it('hands garbage on to be refused as an invalid session, not mistaken for "signed out"', () => {
    for (const value of ['a b', 'a"b', 'a%3Bb', 'a,b']) {
      expect(mod.cookies.readCookie(new Map([['sk_access', value]]), 'access')).toBe(value);
    }
  });
});

describe('writeCookie', () => {
  it('writes the exact attributes of the policy', () => {
    const [line, ...rest] = mod.cookies.writeCookie('access', 'v1.abc');
    // The other shape (every chunk index) is expired on the same response.
    expect(rest.map((other) => other.split('=')[0])).toEqual(['sk_access.0', 'sk_access.1', 'sk_access.2']);
    expect(line).toBe('sk_access=v1.abc; Path=/api; HttpOnly; SameSite=Lax; Max-Age=3600');
  });

  it('gives the state cookie SameSite=Lax, the callback Path and 10 minutes', () => {
    expect(mod.cookies.writeCookie('state', 'x')[0]).toBe('sk_state=x; Path=/auth/callback; HttpOnly; SameSite=Lax; Max-Age=600');
  });

  it('splits a value over 4096 bytes into capped chunks that read back whole', () => {
    const value = 'a'.repeat(9000);
    const lines = mod.cookies.writeCookie('access', value);
    expect(lines.map((line) => line.split('=')[0])).toEqual(['sk_access.0', 'sk_access.1', 'sk_access.2', 'sk_access']);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(4096);
    expect(mod.cookies.readCookie(jarFrom(lines), 'access')).toBe(value);
  });

  it('refuses loudly above the chunk cap', () => {
    expect(() => mod.cookies.writeCookie('access', 'a'.repeat(13_000))).toThrow(mod.cookies.CookieTooLargeError);
  });

  it('expires every chunk when writing a single cookie, whatever the request carried', () => {
    const lines = mod.cookies.writeCookie('access', 'small');
    expect(lines[0]).toMatch(/^sk_access=small;/);
    const expired = lines.filter((line) => line.includes('Max-Age=0')).map((line) => line.split('=')[0]);
    expect(expired).toEqual(['sk_access.0', 'sk_access.1', 'sk_access.2']);
    expect(mod.cookies.readCookie(jarFrom(lines), 'access')).toBe('small');
  });

  it('expires the single name and the unused chunk indices when writing chunks', () => {
    const lines = mod.cookies.writeCookie('access', 'c'.repeat(5000));
    const expired = lines.filter((line) => line.includes('Max-Age=0')).map((line) => line.split('=')[0]);
    expect(expired).toEqual(['sk_access', 'sk_access.2']);
    for (const name of expired) expect(lines.find((line) => line.startsWith(`${name}=;`))).toMatch(/Path=\/api;/);
  });

  it('refuses to write unsafe characters', () => {
    expect(() => mod.cookies.writeCookie('access', 'a;b')).toThrow(TypeError);
    expect(() => mod.cookies.writeCookie('access', 'a\r\nb')).toThrow(TypeError);
  });
});

describe('chunked reads', () => {
  it('stop at the first gap', () => {
    const jar = new Map([
      ['sk_access.0', 'aaa'],
      ['sk_access.2', 'ccc'],
    ]);
    expect(mod.cookies.readCookie(jar, 'access')).toBe('aaa');
  });

  it('match names exactly', () => {
    const jar = mod.cookies.parseCookies('sk_access.00=x; xsk_access.0=y; sk_access.0 =z');
    expect(mod.cookies.readCookie(jar, 'access')).toBe('z');
  });
});

describe('clearing', () => {
  it('expires every cookie and chunk at its own Path', () => {
    const lines = mod.cookies.clearSessionCookies();
    const byName = Object.fromEntries(lines.map((line) => [line.split('=')[0], /Path=([^;]+)/.exec(line)?.[1]]));
    expect(byName).toMatchObject({
      sk_access: '/api',
      'sk_access.2': '/api',
      sk_refresh: '/auth/refresh',
      sk_id: '/auth/logout',
      sk_state: '/auth/callback',
    });
    for (const line of lines) expect(line).toMatch(/Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT$/);
  });
});
