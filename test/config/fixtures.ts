import { expect } from 'vitest';

import { validateConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';

/**
 * What `{"framework":"express"}` means with every default filled in, spelled
 * out by hand (not read from the schema) so a changed default fails a test.
 */
export const DEFAULT_CONFIG: Config = {
  framework: 'express',
  language: 'ts',
  moduleFormat: 'esm',
  outDir: 'src/session',
  store: { type: 'cookie' },
  refresh: { mode: 'endpoint', leewaySeconds: 60 },
  routes: {
    apiPrefix: '/api',
    login: '/auth/login',
    callback: '/auth/callback',
    refresh: '/auth/refresh',
    logout: '/auth/logout',
    postLogoutRedirect: '/',
    sessions: '/api/sessions',
  },
  cookies: {
    names: { access: 'sk_access', refresh: 'sk_refresh', idToken: 'sk_id', state: 'sk_state', session: 'sk_session' },
    prefix: 'auto',
    sameSite: 'lax',
    secure: 'production',
    domain: null,
    storeIdToken: true,
    maxAgeSeconds: null,
  },
  encryption: { keySource: { type: 'env', name: 'SESSION_ENCRYPTION_KEYS' } },
  csrf: { trustedOrigins: [] },
  scalekit: {
    envUrlVar: 'SCALEKIT_ENVIRONMENT_URL',
    clientIdVar: 'SCALEKIT_CLIENT_ID',
    clientSecretVar: 'SCALEKIT_CLIENT_SECRET',
    appUrlVar: 'APP_URL',
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    timeoutMs: 5000,
  },
};

/** A valid config: `framework` plus the given overrides. */
export function valid(overrides: Record<string, unknown> = {}): Config {
  const result = validateConfig({ framework: 'express', ...overrides });
  if (!result.ok) throw new Error(`expected a valid config, got:\n${result.problems.join('\n')}`);
  return result.config;
}

/** The problem lines for an input that must be invalid. */
export function problemsOf(input: unknown): string[] {
  const result = validateConfig(input);
  expect(result.ok, `expected ${JSON.stringify(input)} to be rejected`).toBe(false);
  return result.ok ? [] : result.problems;
}

const LINE_SHAPE = /^(?<path>[^:\s]+): (?<message>.+) \(got (?<got>.+?)(?:; allowed (?<allowed>.+))?\)$/s;

/**
 * Finds the one problem line for `path` and checks its shape:
 * `path: message (got …; allowed …)`, on a single line.
 */
export function problemAt(problems: string[], path: string, options: { message?: string | RegExp; got?: string; allowed?: string | RegExp } = {}): string {
  const lines = problems.filter((line) => line.startsWith(`${path}: `));
  expect(lines, `no problem line for ${path} in:\n${problems.join('\n')}`).not.toHaveLength(0);
  const line = lines.find((candidate) => matches(candidate, options)) ?? (lines[0] as string);
  expect(line).not.toMatch(/[\r\n]/);
  const match = LINE_SHAPE.exec(line);
  expect(match, `"${line}" is not "path: message (got …; allowed …)"`).not.toBeNull();
  const groups = match?.groups ?? {};
  expect(groups.path).toBe(path);
  expect(groups.allowed, `"${line}" has no "allowed …" part`).toBeTruthy();
  if (options.got !== undefined) expect(groups.got).toBe(options.got);
  if (typeof options.message === 'string') expect(groups.message).toContain(options.message);
  else if (options.message) expect(groups.message).toMatch(options.message);
  if (typeof options.allowed === 'string') expect(groups.allowed).toContain(options.allowed);
  else if (options.allowed) expect(groups.allowed).toMatch(options.allowed);
  return line;
}

function matches(line: string, options: { message?: string | RegExp; got?: string }): boolean {
  const { message, got } = options;
  if (got !== undefined && !line.includes(`(got ${got}`)) return false;
  if (typeof message === 'string') return line.includes(message);
  if (message) return message.test(line);
  return true;
}
