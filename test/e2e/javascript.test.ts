import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CookieJar } from '../../src/demo/http-client.js';
import { cookieLines, type Harness, startHarness, waitForExpiry } from './harness.js';

// The JavaScript output, run by plain `node` (no tsx, no compiler) in the
// project shapes people have: a CommonJS Express app and an ESM Fastify app.
// Same emulator, same flows as the TypeScript suite: sign-in, a protected
// route, refresh after expiry, logout.
const SHAPES = [
  ['express', 'cjs', 'commonjs'],
  ['fastify', 'esm', 'module'],
] as const;

describe.each(SHAPES)('generated %s app in JavaScript (%s)', (framework, moduleFormat, packageType) => {
  let h: Harness;
  const sameOrigin = () => ({ headers: { origin: h.app.url } });

  beforeAll(async () => {
    h = await startHarness(framework, 'endpoint', { language: 'js', moduleFormat });
  });
  afterAll(() => h?.stop());

  it('is .js in a package of the matching type, with no TypeScript file, and the app runs on plain node', async () => {
    const pkg = JSON.parse(await readFile(path.join(h.dir, 'package.json'), 'utf8')) as { type: string };
    expect(pkg.type).toBe(packageType);
    const files = await readdir(path.join(h.dir, 'src', 'session'));
    expect(files.filter((f) => f.endsWith('.js'))).toHaveLength(14);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    const routes = await readFile(path.join(h.dir, 'src', 'session', 'routes.js'), 'utf8');
    if (moduleFormat === 'cjs') expect(routes).toMatch(/^module\.exports = \{/m);
    else expect(routes).toMatch(/^export (async )?(function|const) /m);
    expect(await readdir(h.dir)).toContain('app.js');
  });

  it('sign-in, protected route, refresh after expiry, logout', async () => {
    expect((await h.request(new CookieJar(), 'GET', '/api/me')).status).toBe(401);

    const jar = await h.signIn();
    const me = await h.request(jar, 'GET', '/api/me');
    expect(me.status).toBe(200);
    expect((me.body as { auth: { userId: string } }).auth.userId).toBe(h.userId);

    h.emulator.controls.setAccessTokenTtl(1);
    const expiring = await h.signIn();
    h.emulator.controls.setAccessTokenTtl(300);
    await waitForExpiry();
    const expired = await h.request(expiring, 'GET', '/api/me');
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual({ error: 'access_token_expired' });
    const refreshed = await h.request(expiring, 'POST', '/auth/refresh', sameOrigin());
    expect(refreshed.status).toBe(204);
    expect((await h.request(expiring, 'GET', '/api/me')).status).toBe(200);

    const logout = await h.request(jar, 'POST', '/auth/logout', sameOrigin());
    expect(logout.status).toBe(303);
    expect(new URL(logout.location ?? '').origin).toBe(h.emulator.url);
    const cleared = cookieLines(logout);
    for (const name of ['sk_access', 'sk_refresh', 'sk_id']) expect(cleared.get(name), name).toMatch(/Max-Age=0/);
    expect((await h.request(jar, 'GET', '/api/me')).status).toBe(401);
  });
});
