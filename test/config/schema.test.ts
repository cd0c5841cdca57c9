import { describe, expect, it } from 'vitest';

import { validateConfig } from '../../src/config/load.js';
import { DEFAULT_CONFIG, problemAt, problemsOf, valid } from './fixtures.js';

const ROUTE_ALLOWED = 'an absolute path of A-Z a-z 0-9 . _ ~ - and single / separators';

describe('defaults', () => {
  it('{"framework":"express"} is a complete config and fills in every default', () => {
    const result = validateConfig({ framework: 'express' });
    expect(result).toEqual({ ok: true, config: DEFAULT_CONFIG });
  });

  it('does not share default objects between parses', () => {
    const first = valid();
    first.scalekit.scopes.push('mutated');
    first.routes.login = '/mutated';
    expect(valid()).toEqual(DEFAULT_CONFIG);
  });

  it('requires framework', () => {
    problemAt(problemsOf({}), 'framework', { got: 'nothing', allowed: '"express" | "fastify" | "koa"' });
  });

  it('keeps an explicit $schema', () => {
    expect(valid({ $schema: './node_modules/scalekit-session-scaffold/config.schema.json' }).$schema).toBe(
      './node_modules/scalekit-session-scaffold/config.schema.json',
    );
  });
});

describe('valid alternatives of every field are accepted', () => {
  it.each(['express', 'fastify', 'koa'] as const)('framework %s', (framework) => {
    expect(valid({ framework }).framework).toBe(framework);
  });

  it.each(['ts', 'js'] as const)('language %s', (language) => {
    expect(valid({ language }).language).toBe(language);
  });

  it.each(['esm', 'cjs'] as const)('moduleFormat %s', (moduleFormat) => {
    expect(valid({ moduleFormat }).moduleFormat).toBe(moduleFormat);
  });

  it.each(['lib/auth', 'session', 'src/server/.session-code', 'a_b-c.d/e'])('outDir %s', (outDir) => {
    expect(valid({ outDir }).outDir).toBe(outDir);
  });

  it.each([
    { mode: 'endpoint', leewaySeconds: 0 },
    { mode: 'transparent', leewaySeconds: 600 },
    { mode: 'transparent', leewaySeconds: 30 },
  ] as const)('refresh %o', (refresh) => {
    expect(valid({ refresh }).refresh).toEqual(refresh);
  });

  it('a full set of custom routes, and sessions null', () => {
    const routes = {
      apiPrefix: '/v1/api',
      login: '/signin',
      callback: '/signin/callback',
      refresh: '/v1/api/token',
      logout: '/signout',
      postLogoutRedirect: '/goodbye.html',
      sessions: null,
    };
    expect(valid({ routes }).routes).toEqual(routes);
    expect(valid({ routes: { sessions: '/api/me/sessions' } }).routes.sessions).toBe('/api/me/sessions');
    expect(valid({ routes: { apiPrefix: '/', sessions: '/sessions' } }).routes.sessions).toBe('/sessions');
    expect(valid({ routes: { postLogoutRedirect: '/~user/a.b_c-d' } }).routes.postLogoutRedirect).toBe('/~user/a.b_c-d');
  });

  it('custom cookie settings', () => {
    const cookies = {
      names: { access: 'app-at', refresh: 'APP_RT', idToken: 'id', state: 'st8', session: 'sess' },
      prefix: 'none',
      sameSite: 'strict',
      secure: 'always',
      domain: 'auth.example.co.uk',
      storeIdToken: false,
      maxAgeSeconds: 60,
    } as const;
    expect(valid({ cookies }).cookies).toEqual(cookies);
  });

  it.each(['lax', 'strict', 'none'] as const)('cookies.sameSite %s', (sameSite) => {
    expect(valid({ cookies: { sameSite } }).cookies.sameSite).toBe(sameSite);
  });

  it.each(['production', 'always', 'never'] as const)('cookies.secure %s', (secure) => {
    expect(valid({ cookies: { secure } }).cookies.secure).toBe(secure);
  });

  it.each(['auto', 'none'] as const)('cookies.prefix %s', (prefix) => {
    expect(valid({ cookies: { prefix } }).cookies.prefix).toBe(prefix);
  });

  it.each([null, 'example.com', 'localhost', 'a-b.example'])('cookies.domain %s', (domain) => {
    expect(valid({ cookies: { domain } }).cookies.domain).toBe(domain);
  });

  it.each([null, 60, 400 * 24 * 3600])('cookies.maxAgeSeconds %s', (maxAgeSeconds) => {
    expect(valid({ cookies: { maxAgeSeconds } }).cookies.maxAgeSeconds).toBe(maxAgeSeconds);
  });

  it('keySource env with a custom name, env with the default name, and file', () => {
    expect(valid({ encryption: { keySource: { type: 'env', name: 'MY_KEYS' } } }).encryption.keySource).toEqual({ type: 'env', name: 'MY_KEYS' });
    expect(valid({ encryption: { keySource: { type: 'env' } } }).encryption.keySource).toEqual({
      type: 'env',
      name: 'SESSION_ENCRYPTION_KEYS',
    });
    expect(valid({ encryption: { keySource: { type: 'file', path: '/run/secrets/session-keys' } } }).encryption.keySource).toEqual({
      type: 'file',
      path: '/run/secrets/session-keys',
    });
  });

  it('custom scalekit settings', () => {
    const scalekit = {
      envUrlVar: 'SK_URL',
      clientIdVar: '_ID',
      clientSecretVar: 'SK_SECRET_2',
      appUrlVar: 'PUBLIC_ORIGIN',
      scopes: ['offline_access', 'openid', 'org:read', 'https://api.example.com/x.y'],
      timeoutMs: 100,
    };
    expect(valid({ scalekit }).scalekit).toEqual(scalekit);
    expect(valid({ scalekit: { timeoutMs: 60_000 } }).scalekit.timeoutMs).toBe(60_000);
  });
});

describe('cross-field rules', () => {
  describe('routes are distinct', () => {
    it('rejects two routes with the same path, naming the second and the first', () => {
      const problems = problemsOf({ framework: 'express', routes: { refresh: '/auth/login' } });
      problemAt(problems, 'routes.refresh', { message: 'duplicates routes.login', got: '"/auth/login"' });
      expect(problems).toHaveLength(1);
    });

    it('rejects sessions equal to another route', () => {
      const problems = problemsOf({ framework: 'express', routes: { logout: '/api/sessions' } });
      problemAt(problems, 'routes.sessions', { message: 'duplicates routes.logout' });
    });

    // The session routes also serve `${sessions}/revoke-all` (POST) and
    // `${sessions}/:id` (DELETE), contract §5; a POST logout or refresh route
    // on revoke-all is a duplicate route.
    it.each(['logout', 'refresh'])('rejects routes.%s on the derived sessions/revoke-all route', (key) => {
      const problems = problemsOf({ framework: 'express', routes: { [key]: '/api/sessions/revoke-all' } });
      const line = problems.find((candidate) => candidate.startsWith(`routes.${key}: `) || candidate.startsWith('routes.sessions: '));
      expect(line, problems.join('\n')).toMatch(/\(got .+; allowed .+\)$/);
    });

    it('accepts distinct routes', () => {
      expect(valid({ routes: { refresh: '/auth/token' } }).routes.refresh).toBe('/auth/token');
    });
  });

  describe('routes.sessions is under routes.apiPrefix', () => {
    it('rejects a sessions route outside the prefix', () => {
      problemAt(problemsOf({ framework: 'express', routes: { sessions: '/sessions' } }), 'routes.sessions', {
        message: 'must be under routes.apiPrefix ("/api")',
        got: '"/sessions"',
        allowed: '"/api/", or null',
      });
    });

    it('rejects a prefix that only shares characters (/apix is not under /api)', () => {
      problemAt(problemsOf({ framework: 'express', routes: { sessions: '/apix/sessions' } }), 'routes.sessions', {
        message: 'must be under routes.apiPrefix',
      });
    });

    it('rejects the prefix itself', () => {
      problemAt(problemsOf({ framework: 'express', routes: { sessions: '/api' } }), 'routes.sessions', {
        message: 'must be under routes.apiPrefix',
      });
    });

    it('checks the default sessions route against a custom prefix', () => {
      problemAt(problemsOf({ framework: 'express', routes: { apiPrefix: '/v2' } }), 'routes.sessions', {
        message: 'must be under routes.apiPrefix ("/v2")',
      });
    });

    it('accepts a route under the prefix, and null', () => {
      expect(valid({ routes: { apiPrefix: '/v2', sessions: '/v2/sessions' } }).routes.sessions).toBe('/v2/sessions');
      expect(valid({ routes: { apiPrefix: '/v2', sessions: null } }).routes.sessions).toBeNull();
    });
  });

  describe('cookie names are distinct and tokens', () => {
    it('rejects duplicates, case-insensitively', () => {
      const problems = problemsOf({ framework: 'express', cookies: { names: { access: 'Session', idToken: 'SESSION' } } });
      problemAt(problems, 'cookies.names.idToken', { message: 'duplicates cookies.names.access', got: '"SESSION"' });
      expect(problems).toHaveLength(1);
    });

    it('rejects a name equal to the default of another cookie', () => {
      problemAt(problemsOf({ framework: 'express', cookies: { names: { state: 'sk_access' } } }), 'cookies.names.state', {
        message: 'duplicates cookies.names.access',
      });
    });

    it.each(['a b', 'a=b', 'a,b', 'a.b', '', 'x'.repeat(65), 'é'])('rejects the non-token name %j', (name) => {
      problemAt(problemsOf({ framework: 'express', cookies: { names: { refresh: name } } }), 'cookies.names.refresh', {
        got: JSON.stringify(name).length > 80 ? undefined : JSON.stringify(name),
        allowed: 'A-Z a-z 0-9 _ -',
      });
    });

    it('accepts distinct token names', () => {
      expect(valid({ cookies: { names: { access: 'Session', idToken: 'session_id' } } }).cookies.names.idToken).toBe('session_id');
    });
  });

  describe('__Host-/__Secure- names', () => {
    it.each(['__Host-sid', '__Secure-sid', '__host-sid'])('rejects %s with prefix auto (it adds the prefix itself)', (name) => {
      problemAt(problemsOf({ framework: 'express', cookies: { names: { access: name } } }), 'cookies.names.access', {
        message: 'cookies.prefix "auto" adds the prefix itself',
        got: JSON.stringify(name),
      });
    });

    it.each(['production', 'never'])('rejects an explicit __Secure- name with prefix none and secure %s', (secure) => {
      problemAt(
        problemsOf({ framework: 'express', cookies: { prefix: 'none', secure, names: { refresh: '__Secure-rt' } } }),
        'cookies.names.refresh',
        { message: 'unless it is always Secure', allowed: 'cookies.secure "always"' },
      );
    });

    it('rejects an explicit __Host- name with prefix none and secure production', () => {
      problemAt(
        problemsOf({ framework: 'express', routes: { apiPrefix: '/', sessions: '/sessions' }, cookies: { prefix: 'none', names: { access: '__Host-at' } } }),
        'cookies.names.access',
        { message: 'unless it is always Secure' },
      );
    });

    it('accepts explicit prefixes with prefix none and secure always', () => {
      const config = valid({ cookies: { prefix: 'none', secure: 'always', names: { refresh: '__Secure-rt' } } });
      expect(config.cookies.names.refresh).toBe('__Secure-rt');
      const host = valid({
        routes: { apiPrefix: '/', sessions: '/sessions' },
        cookies: { prefix: 'none', secure: 'always', names: { access: '__Host-at' } },
      });
      expect(host.cookies.names.access).toBe('__Host-at');
    });

    // Contract §3: "a __Host- cookie must have Path / and no domain". The access
    // cookie's Path is routes.apiPrefix; browsers drop a __Host- cookie with any
    // other Path or with a Domain.
    it('rejects an explicit __Host- name whose cookie Path is not / (access Path is apiPrefix "/api")', () => {
      problemAt(
        problemsOf({ framework: 'express', cookies: { prefix: 'none', secure: 'always', names: { access: '__Host-at' } } }),
        'cookies.names.access',
        { message: /Path|\//, got: '"__Host-at"' },
      );
    });

    it('rejects an explicit __Host- name together with cookies.domain', () => {
      problemAt(
        problemsOf({
          framework: 'express',
          routes: { apiPrefix: '/', sessions: '/sessions' },
          cookies: { prefix: 'none', secure: 'always', domain: 'example.com', names: { access: '__Host-at' } },
        }),
        'cookies.names.access',
        { message: /domain/i },
      );
    });
  });

  describe('sameSite none needs Secure', () => {
    it('rejects sameSite none with secure never', () => {
      problemAt(problemsOf({ framework: 'express', cookies: { sameSite: 'none', secure: 'never' } }), 'cookies.sameSite', {
        message: 'SameSite=None cookies must be Secure',
        got: '"none"',
      });
    });

    it.each(['production', 'always'])('accepts sameSite none with secure %s', (secure) => {
      expect(valid({ cookies: { sameSite: 'none', secure } }).cookies.sameSite).toBe('none');
    });

    it('accepts secure never with sameSite lax', () => {
      expect(valid({ cookies: { sameSite: 'lax', secure: 'never' } }).cookies.secure).toBe('never');
    });
  });

  describe('environment variable names', () => {
    it.each(['lower', 'Mixed_Case', '1ABC', 'A-B', 'A B', '', 'A'.repeat(129)])('rejects %j', (name) => {
      problemAt(problemsOf({ framework: 'express', scalekit: { clientIdVar: name } }), 'scalekit.clientIdVar', {
        message: 'must be an environment variable name',
        allowed: '[A-Z_][A-Z0-9_]*',
      });
    });

    it('rejects two settings naming the same variable', () => {
      const problems = problemsOf({ framework: 'express', scalekit: { clientSecretVar: 'SCALEKIT_CLIENT_ID' } });
      problemAt(problems, 'scalekit.clientSecretVar', { message: 'duplicates scalekit.clientIdVar', got: '"SCALEKIT_CLIENT_ID"' });
      expect(problems).toHaveLength(1);
    });

    it('rejects a keySource env name equal to a scalekit variable', () => {
      problemAt(
        problemsOf({ framework: 'express', encryption: { keySource: { type: 'env', name: 'SCALEKIT_CLIENT_SECRET' } } }),
        'encryption.keySource.name',
        { message: 'duplicates scalekit.clientSecretVar' },
      );
    });

    it('accepts distinct names, and a file keySource alongside any variable names', () => {
      expect(valid({ scalekit: { appUrlVar: 'PUBLIC_URL' } }).scalekit.appUrlVar).toBe('PUBLIC_URL');
      expect(valid({ scalekit: { appUrlVar: 'SESSION_ENCRYPTION_KEYS' }, encryption: { keySource: { type: 'file', path: '/k' } } }).scalekit.appUrlVar).toBe(
        'SESSION_ENCRYPTION_KEYS',
      );
    });
  });

  describe('scopes', () => {
    it('requires offline_access', () => {
      const problems = problemsOf({ framework: 'express', scalekit: { scopes: ['openid', 'profile'] } });
      problemAt(problems, 'scalekit.scopes', { message: 'must include "offline_access"', allowed: '"openid" and "offline_access"' });
      expect(problems).toHaveLength(1);
    });

    it('requires openid', () => {
      const problems = problemsOf({ framework: 'express', scalekit: { scopes: ['offline_access'] } });
      problemAt(problems, 'scalekit.scopes', { message: 'must include "openid"' });
      expect(problems).toHaveLength(1);
    });

    it('reports both when both are missing', () => {
      const problems = problemsOf({ framework: 'express', scalekit: { scopes: ['email'] } });
      expect(problems.filter((line) => line.startsWith('scalekit.scopes: must include'))).toHaveLength(2);
    });

    it('rejects an empty list and a duplicate scope', () => {
      problemAt(problemsOf({ framework: 'express', scalekit: { scopes: [] } }), 'scalekit.scopes', { message: 'at least 1' });
      problemAt(problemsOf({ framework: 'express', scalekit: { scopes: ['openid', 'offline_access', 'openid'] } }), 'scalekit.scopes', {
        message: 'lists "openid" twice',
      });
    });

    it('accepts the two required scopes alone', () => {
      expect(valid({ scalekit: { scopes: ['openid', 'offline_access'] } }).scalekit.scopes).toEqual(['openid', 'offline_access']);
    });
  });

  describe('outDir stays inside the project', () => {
    it.each(['/abs/dir', '/', 'C:/x', '~/x'])('rejects the absolute or home path %j', (outDir) => {
      problemAt(problemsOf({ framework: 'express', outDir }), 'outDir', {
        message: 'must be a relative folder inside the project',
        got: JSON.stringify(outDir),
      });
    });

    it.each(['..', '../x', 'src/../../x', 'a/..', '.', './src', 'src/.', ''])('rejects %j', (outDir) => {
      problemAt(problemsOf({ framework: 'express', outDir }), 'outDir', { got: JSON.stringify(outDir), allowed: 'a relative path' });
    });

    it.each(['src\\session', 'src//session', 'src/session/'])('rejects the malformed %j', (outDir) => {
      problemAt(problemsOf({ framework: 'express', outDir }), 'outDir');
    });
  });
});

describe('single-field errors', () => {
  it('rejects unknown keys at every level, listing the known ones', () => {
    const problems = problemsOf({
      framework: 'express',
      outdir: 'x',
      routes: { signin: '/x' },
      cookies: { names: { csrf: 'c' } },
      encryption: { keySource: { type: 'file', path: '/k', name: 'K' } },
    });
    problemAt(problems, 'outdir', { message: 'is not a setting', got: '"x"', allowed: '$schema, framework, language, moduleFormat, outDir, store, refresh, routes, cookies, encryption, csrf, scalekit' });
    problemAt(problems, 'routes.signin', { allowed: 'apiPrefix, login, callback, refresh, logout, postLogoutRedirect, sessions' });
    problemAt(problems, 'cookies.names.csrf', { allowed: 'access, refresh, idToken, state' });
    problemAt(problems, 'encryption.keySource.name', { message: 'is not a setting', allowed: /\bpath\b/ });
    expect(problems).toHaveLength(4);
  });

  it.each([
    [{ refresh: { leewaySeconds: '60' } }, 'refresh.leewaySeconds', 'must be a number', '"60"'],
    [{ refresh: { leewaySeconds: 1.5 } }, 'refresh.leewaySeconds', /int/, '1.5'],
    [{ cookies: { storeIdToken: 'yes' } }, 'cookies.storeIdToken', 'must be a boolean', '"yes"'],
    [{ routes: { login: 42 } }, 'routes.login', 'must be a string', '42'],
    [{ routes: 'x' }, 'routes', 'must be an object', '"x"'],
    [{ cookies: { names: [] } }, 'cookies.names', 'must be an object', '[]'],
    [{ scalekit: { scopes: 'openid offline_access' } }, 'scalekit.scopes', 'must be an array', '"openid offline_access"'],
    [{ scalekit: { scopes: ['openid', 7, 'offline_access'] } }, 'scalekit.scopes[1]', 'must be a string', '7'],
    [{ outDir: null }, 'outDir', 'must be a string', 'null'],
    [{ encryption: { keySource: 'ENV' } }, 'encryption.keySource', 'must be an object', '"ENV"'],
  ])('wrong type: %j', (overrides, path, message, got) => {
    problemAt(problemsOf({ framework: 'express', ...overrides }), path, { message, got });
  });

  it.each([
    [{ refresh: { leewaySeconds: -1 } }, 'refresh.leewaySeconds', 'at least 0'],
    [{ refresh: { leewaySeconds: 601 } }, 'refresh.leewaySeconds', 'at most 600'],
    [{ cookies: { maxAgeSeconds: 59 } }, 'cookies.maxAgeSeconds', 'at least 60'],
    [{ scalekit: { timeoutMs: 99 } }, 'scalekit.timeoutMs', 'at least 100'],
    [{ scalekit: { timeoutMs: 60_001 } }, 'scalekit.timeoutMs', 'at most 60000'],
  ])('out of range: %j', (overrides, path, bound) => {
    problemAt(problemsOf({ framework: 'express', ...overrides }), path, { message: `must be ${bound}`, allowed: bound });
  });

  it.each([
    ['framework', { framework: 'next' }, '"next"', '"express" | "fastify" | "koa"'],
    ['language', { language: 'typescript' }, '"typescript"', '"ts" | "js"'],
    ['moduleFormat', { moduleFormat: 'commonjs' }, '"commonjs"', '"esm" | "cjs"'],
    ['refresh.mode', { refresh: { mode: 'inline' } }, '"inline"', '"endpoint" | "transparent"'],
    ['cookies.prefix', { cookies: { prefix: 'host' } }, '"host"', '"auto" | "none"'],
    ['cookies.sameSite', { cookies: { sameSite: 'Lax' } }, '"Lax"', '"lax" | "strict" | "none"'],
    ['cookies.secure', { cookies: { secure: true } }, 'true', '"production" | "always" | "never"'],
  ])('enum %s lists the allowed values', (path, overrides, got, allowed) => {
    problemAt(problemsOf({ framework: 'express', ...overrides }), path, { message: 'is not one of the allowed values', got, allowed });
  });

  describe('keySource union', () => {
    it('rejects an unknown type, listing env and file', () => {
      problemAt(problemsOf({ framework: 'express', encryption: { keySource: { type: 'vault', name: 'X' } } }), 'encryption.keySource.type', {
        message: 'is not a known type',
        got: '"vault"',
        allowed: '"env" | "file"',
      });
    });

    it('rejects a missing type', () => {
      problemAt(problemsOf({ framework: 'express', encryption: { keySource: { name: 'X' } } }), 'encryption.keySource.type', {
        got: 'nothing',
        allowed: '"env" | "file"',
      });
    });

    it('requires path for a file source', () => {
      problemAt(problemsOf({ framework: 'express', encryption: { keySource: { type: 'file' } } }), 'encryption.keySource.path', {
        message: 'is required',
        got: 'nothing',
      });
    });

    it('rejects path on an env source', () => {
      problemAt(problemsOf({ framework: 'express', encryption: { keySource: { type: 'env', path: '/k' } } }), 'encryption.keySource.path', {
        message: 'is not a setting',
      });
    });
  });

  // A config file holding valid JSON that is not an object must be a clean
  // problem line, not a crash.
  it.each([
    ['null', null, '(config)'],
    ['an array', [], '(config)'],
    ['a string', 'express', '(config)'],
    ['a number', 5, '(config)'],
    ['routes: null', { framework: 'express', routes: null }, 'routes'],
    ['encryption: 5', { framework: 'express', encryption: 5 }, 'encryption'],
  ])('reports %s as a problem line instead of throwing', (_label, input, path) => {
    let result: ReturnType<typeof validateConfig> | undefined;
    expect(() => {
      result = validateConfig(input);
    }).not.toThrow();
    expect(result?.ok).toBe(false);
    problemAt(result?.ok === false ? result.problems : [], path, { message: /must be an object|is required/ });
  });
});

describe('every problem is reported at once', () => {
  it('reports a bad route, duplicate cookie names and a bad env var together', () => {
    const problems = problemsOf({
      framework: 'express',
      routes: { login: 'auth/login' },
      cookies: { names: { access: 'dup', refresh: 'DUP' } },
      scalekit: { envUrlVar: 'scalekit-url' },
    });
    expect(problems.length).toBeGreaterThanOrEqual(3);
    problemAt(problems, 'routes.login', { got: '"auth/login"', allowed: ROUTE_ALLOWED });
    problemAt(problems, 'cookies.names.refresh', { message: 'duplicates cookies.names.access' });
    problemAt(problems, 'scalekit.envUrlVar', { got: '"scalekit-url"' });
  });

  it('reports single-field, cross-field and unknown-key problems from every section', () => {
    const problems = problemsOf({
      framework: 'svelte',
      outDir: '../out',
      extra: true,
      refresh: { leewaySeconds: 9999 },
      routes: { refresh: '/auth/login', sessions: '/elsewhere' },
      cookies: { sameSite: 'none', secure: 'never', domain: 'Example.COM' },
      encryption: { keySource: { type: 'env', name: 'APP_URL' } },
      scalekit: { scopes: ['openid'] },
    });
    for (const path of [
      'framework',
      'outDir',
      'extra',
      'refresh.leewaySeconds',
      'routes.refresh',
      'routes.sessions',
      'cookies.sameSite',
      'cookies.domain',
      'encryption.keySource.name',
      'scalekit.scopes',
    ]) {
      problemAt(problems, path);
    }
    expect(problems).toHaveLength(10);
  });

  it('skips cross-field rules for a field that already failed (no duplicate noise)', () => {
    const problems = problemsOf({ framework: 'express', routes: { login: 'bad path', refresh: 'bad path' } });
    expect(problems.filter((line) => line.includes('duplicates'))).toEqual([]);
    problemAt(problems, 'routes.login');
    problemAt(problems, 'routes.refresh');
  });
});

describe('csrf', () => {
  it('defaults to the guard on with no trusted origins, and accepts false or a list of origins', () => {
    expect(valid().csrf).toEqual({ trustedOrigins: [] });
    expect(valid({ csrf: false }).csrf).toBe(false);
    const origins = ['https://admin.example.com', 'http://localhost:5173', 'http://127.0.0.1:8080'];
    expect(valid({ csrf: { trustedOrigins: origins } }).csrf).toEqual({ trustedOrigins: origins });
  });

  it.each([
    'https://admin.example.com/',
    'https://admin.example.com/path',
    'HTTPS://ADMIN.EXAMPLE.COM',
    'admin.example.com',
    'null',
    '*',
    'https://a.example.com`${x}',
    'https://a.example.com\n',
    'javascript://x',
  ])('refuses %j as a trusted origin', (value) => {
    const problems = problemsOf({ framework: 'express', csrf: { trustedOrigins: [value] } });
    expect(problems).toEqual([expect.stringMatching(/^csrf\.trustedOrigins\[0\]: must be an origin/)]);
  });

  it('refuses true and other shapes', () => {
    for (const csrf of [true, 'off', { trusted: [] }]) {
      expect(problemsOf({ framework: 'express', csrf }), JSON.stringify(csrf)).toEqual([expect.stringMatching(/^csrf: /)]);
    }
  });
});

describe('store (contract §7)', () => {
  it('defaults to the cookie store; redis fills in its own defaults', () => {
    expect(valid().store).toEqual({ type: 'cookie' });
    expect(valid({ store: { type: 'redis' } }).store).toEqual({ type: 'redis', urlVar: 'REDIS_URL', keyPrefix: 'sk:', maxAgeSeconds: 604_800 });
    expect(valid().cookies.names.session).toBe('sk_session');
  });

  it('takes every redis setting', () => {
    const store = { type: 'redis', urlVar: 'SESSION_REDIS', keyPrefix: 'app:{auth}:', maxAgeSeconds: 3600, timeoutMs: 250 } as const;
    expect(valid({ store }).store).toEqual(store);
  });

  it('rejects an unknown store, redis-only settings on the cookie store, and out-of-range numbers', () => {
    problemAt(problemsOf({ framework: 'express', store: { type: 'memcached' } }), 'store.type', {});
    problemAt(problemsOf({ framework: 'express', store: { type: 'cookie', urlVar: 'REDIS_URL' } }), 'store.urlVar', { message: 'is not a setting' });
    problemAt(problemsOf({ framework: 'express', store: { type: 'redis', maxAgeSeconds: 10 } }), 'store.maxAgeSeconds', {});
    problemAt(problemsOf({ framework: 'express', store: { type: 'redis', timeoutMs: 0 } }), 'store.timeoutMs', {});
  });

  it('the Redis URL variable must not be one another setting uses', () => {
    const problems = problemsOf({ framework: 'express', store: { type: 'redis', urlVar: 'APP_URL' } });
    problemAt(problems, 'store.urlVar', { message: 'duplicates scalekit.appUrlVar' });
  });

  it('the session cookie name must differ from the other cookies', () => {
    const problems = problemsOf({ framework: 'express', cookies: { names: { session: 'sk_access' } } });
    problemAt(problems, 'cookies.names.session', { message: 'duplicates cookies.names.access' });
  });
});

