import { describe, expect, it } from 'vitest';

import { commonPath } from '../../src/config/paths.js';
import { resolvePolicy } from '../../src/config/policy.js';
import { valid } from './fixtures.js';

describe('resolvePolicy: cookie paths', () => {
  it('gives each cookie the path of the routes that read it', () => {
    const { cookies, warnings } = resolvePolicy(valid());
    expect(cookies.access.path).toBe('/api');
    expect(cookies.refresh.path).toBe('/auth/refresh');
    expect(cookies.idToken.path).toBe('/auth/logout');
    expect(cookies.state.path).toBe('/auth/callback');
    expect(warnings).toEqual([]);
  });

  it('follows custom routes', () => {
    const { cookies } = resolvePolicy(
      valid({ routes: { apiPrefix: '/v1', login: '/in', callback: '/in/cb', refresh: '/tok', logout: '/out', sessions: '/v1/s' } }),
    );
    expect([cookies.access.path, cookies.refresh.path, cookies.idToken.path, cookies.state.path]).toEqual(['/v1', '/tok', '/out', '/in/cb']);
  });
});

describe('resolvePolicy: cookie names', () => {
  it('uses __Secure- for cookies whose Path is not /, and keeps the plain name for http', () => {
    const { cookies } = resolvePolicy(valid());
    expect(cookies.access).toEqual({ plainName: 'sk_access', secureName: '__Secure-sk_access', path: '/api' });
    expect(cookies.refresh).toEqual({ plainName: 'sk_refresh', secureName: '__Secure-sk_refresh', path: '/auth/refresh' });
    expect(cookies.idToken).toEqual({ plainName: 'sk_id', secureName: '__Secure-sk_id', path: '/auth/logout' });
    expect(cookies.state).toEqual({ plainName: 'sk_state', secureName: '__Secure-sk_state', path: '/auth/callback' });
  });

  it('uses __Host- when the Path is / and there is no domain', () => {
    const { cookies } = resolvePolicy(valid({ routes: { apiPrefix: '/', sessions: '/sessions' } }));
    expect(cookies.access).toEqual({ plainName: 'sk_access', secureName: '__Host-sk_access', path: '/' });
    expect(cookies.refresh.secureName).toBe('__Secure-sk_refresh');
  });

  it('uses __Secure-, never __Host-, when a domain is set, even at Path /', () => {
    const { cookies } = resolvePolicy(valid({ routes: { apiPrefix: '/', sessions: '/sessions' }, cookies: { domain: 'example.com' } }));
    expect(cookies.access.secureName).toBe('__Secure-sk_access');
    expect(Object.values(cookies).map((cookie) => cookie.secureName)).not.toContainEqual(expect.stringMatching(/^__Host-/));
  });

  it('adds no prefix with prefix none', () => {
    const { cookies } = resolvePolicy(valid({ routes: { apiPrefix: '/', sessions: '/sessions' }, cookies: { prefix: 'none' } }));
    for (const cookie of Object.values(cookies)) expect(cookie.secureName).toBe(cookie.plainName);
    expect(cookies.access.secureName).toBe('sk_access');
  });

  it('uses the configured names', () => {
    const { cookies } = resolvePolicy(valid({ cookies: { names: { access: 'at', refresh: 'rt', idToken: 'it', state: 'st', session: 'sid' } } }));
    // The Redis store's session cookie has Path /, so it gets __Host-.
    expect(Object.values(cookies).map((cookie) => cookie.secureName)).toEqual(['__Secure-at', '__Secure-rt', '__Secure-it', '__Secure-st', '__Host-sid']);
  });
});

describe('resolvePolicy: transparent refresh', () => {
  it('widens the refresh cookie Path to the common ancestor of apiPrefix and the refresh route, and warns', () => {
    const { cookies, warnings } = resolvePolicy(valid({ refresh: { mode: 'transparent' } }));
    expect(cookies.refresh.path).toBe('/');
    expect(cookies.refresh.secureName).toBe('__Host-sk_refresh');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('refresh.mode "transparent"');
    expect(warnings[0]).toContain('"/"');
    expect(warnings[0]).toContain('/api');
    expect(warnings[0]).toContain('/auth/refresh');
  });

  it('widens only as far as needed', () => {
    const { cookies, warnings } = resolvePolicy(valid({ refresh: { mode: 'transparent' }, routes: { refresh: '/api/auth/refresh', apiPrefix: '/api/v1', sessions: '/api/v1/sessions' } }));
    expect(cookies.refresh.path).toBe('/api');
    expect(cookies.refresh.secureName).toBe('__Secure-sk_refresh');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('"/api"');
  });

  it('does not split a segment: /apiv2 and /api share only /', () => {
    const { cookies } = resolvePolicy(valid({ refresh: { mode: 'transparent' }, routes: { refresh: '/apiv2/refresh' } }));
    expect(cookies.refresh.path).toBe('/');
  });

  it('leaves the Path alone, without a warning, when the refresh route already covers apiPrefix', () => {
    const { cookies, warnings } = resolvePolicy(valid({ refresh: { mode: 'transparent' }, routes: { refresh: '/api', apiPrefix: '/api/v1', sessions: '/api/v1/sessions' } }));
    expect(cookies.refresh.path).toBe('/api');
    expect(warnings).toEqual([]);
  });

  it('keeps the refresh route as Path in endpoint mode, even when apiPrefix is elsewhere', () => {
    const { cookies, warnings } = resolvePolicy(valid({ refresh: { mode: 'endpoint' } }));
    expect(cookies.refresh.path).toBe('/auth/refresh');
    expect(warnings).toEqual([]);
  });

  it('keeps other cookies paths unchanged in transparent mode', () => {
    const { cookies } = resolvePolicy(valid({ refresh: { mode: 'transparent' } }));
    expect([cookies.access.path, cookies.idToken.path, cookies.state.path]).toEqual(['/api', '/auth/logout', '/auth/callback']);
  });
});

describe('resolvePolicy: sameSite strict', () => {
  it('warns that the first page after the redirect carries no cookies and that state stays lax', () => {
    const { warnings } = resolvePolicy(valid({ cookies: { sameSite: 'strict' } }));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('cookies.sameSite "strict"');
    expect(warnings[0]).toContain('"lax"');
  });

  it('does not warn for lax', () => {
    expect(resolvePolicy(valid({ cookies: { sameSite: 'lax' } })).warnings).toEqual([]);
  });

  it('reports both warnings when both apply', () => {
    const { warnings } = resolvePolicy(valid({ refresh: { mode: 'transparent' }, cookies: { sameSite: 'strict' } }));
    expect(warnings).toHaveLength(2);
  });
});

describe('commonPath', () => {
  it.each([
    ['/api', '/auth/refresh', '/'],
    ['/api/v1', '/api/refresh', '/api'],
    ['/a/b/c', '/a/b/d', '/a/b'],
    ['/a', '/a', '/a'],
    ['/', '/x', '/'],
    ['/api', '/apiv2', '/'],
  ])('%s and %s → %s', (a, b, expected) => {
    expect(commonPath(a, b)).toBe(expected);
  });
});

describe('resolvePolicy: sameSite none', () => {
  it('warns that the cross-site guard is what protects the app, and louder when it is off', () => {
    const on = resolvePolicy(valid({ cookies: { sameSite: 'none' } })).warnings;
    expect(on).toEqual([expect.stringContaining('cookies.sameSite "none"')]);
    const off = resolvePolicy(valid({ cookies: { sameSite: 'none' }, csrf: false })).warnings;
    expect(off).toEqual([expect.stringContaining('csrf false')]);
  });
});
