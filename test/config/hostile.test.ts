import { describe, expect, it } from 'vitest';

import { validateConfig } from '../../src/config/load.js';

/**
 * security.md "Generator-side": config strings reach generated code only as
 * literals, and the schema rejects what would not round-trip. Every string
 * field is tried with each hostile value, raw and embedded in an otherwise
 * well-formed value (so a rejection is not merely "missing leading /").
 */
const HOSTILE = ['a"b', "a'b", 'a`b', '${x}', '*/', 'a\nb', 'a;b', '../x', '</script>'];

interface Field {
  path: string;
  /** Builds a config with `value` in this field. */
  config: (value: string) => Record<string, unknown>;
  /** Embeds the hostile part in a value that is otherwise valid for the field. */
  embed: (hostile: string) => string;
}

const route = (key: string): Field => ({
  path: `routes.${key}`,
  config: (value) => ({ routes: { [key]: value } }),
  embed: (hostile) => `/${hostile}`,
});
const cookieName = (key: string): Field => ({
  path: `cookies.names.${key}`,
  config: (value) => ({ cookies: { names: { [key]: value } } }),
  embed: (hostile) => `sk_${hostile}`,
});
const envVar = (key: string): Field => ({
  path: `scalekit.${key}`,
  config: (value) => ({ scalekit: { [key]: value } }),
  embed: (hostile) => `SK_${hostile.toUpperCase()}`,
});

const FIELDS: Field[] = [
  { path: 'outDir', config: (value) => ({ outDir: value }), embed: (hostile) => `src/${hostile}` },
  ...['apiPrefix', 'login', 'callback', 'refresh', 'logout', 'postLogoutRedirect', 'sessions'].map(route),
  ...['access', 'refresh', 'idToken', 'state', 'session'].map(cookieName),
  {
    path: 'store.urlVar',
    config: (value) => ({ store: { type: 'redis', urlVar: value } }),
    embed: (hostile) => `REDIS_${hostile.toUpperCase()}`,
  },
  {
    path: 'store.keyPrefix',
    config: (value) => ({ store: { type: 'redis', keyPrefix: value } }),
    embed: (hostile) => `app:${hostile}`,
  },
  { path: 'cookies.domain', config: (value) => ({ cookies: { domain: value } }), embed: (hostile) => `${hostile}.example.com` },
  {
    path: 'encryption.keySource.name',
    config: (value) => ({ encryption: { keySource: { type: 'env', name: value } } }),
    embed: (hostile) => `KEYS_${hostile.toUpperCase()}`,
  },
  {
    path: 'encryption.keySource.path',
    config: (value) => ({ encryption: { keySource: { type: 'file', path: value } } }),
    embed: (hostile) => `/run/secrets/${hostile}`,
  },
  ...['envUrlVar', 'clientIdVar', 'clientSecretVar', 'appUrlVar'].map(envVar),
  {
    path: 'scalekit.scopes[1]',
    config: (value) => ({ scalekit: { scopes: ['openid', value, 'offline_access'] } }),
    embed: (hostile) => `org:${hostile}`,
  },
];

const cases = FIELDS.flatMap((field) => HOSTILE.map((hostile) => [field.path, JSON.stringify(hostile), field, hostile] as const));

describe('hostile strings are rejected in every string field', () => {
  it('covers every field', () => {
    expect(FIELDS).toHaveLength(23);
  });

  it.each(cases)('%s = %s', (path, _shown, field, hostile) => {
    for (const value of [hostile, field.embed(hostile)]) {
      const result = validateConfig({ framework: 'express', ...field.config(value) });
      expect(result.ok, `${path} = ${JSON.stringify(value)} was accepted`).toBe(false);
      const problems = result.ok ? [] : result.problems;
      const line = problems.find((candidate) => candidate.startsWith(`${path}: `));
      expect(line, `no problem line for ${path} in:\n${problems.join('\n')}`).toBeDefined();
      for (const problem of problems) {
        expect(problem, 'a problem line must be a single line').not.toMatch(/[\r\n\u2028\u2029]/);
      }
      // The value seen is echoed JSON-escaped, never raw.
      expect(line).toContain(`(got ${JSON.stringify(value)}`);
      expect(line).toMatch(/; allowed .+\)$/);
    }
  });
});
