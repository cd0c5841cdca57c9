import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { configJsonSchema } from '../../src/config/json-schema.js';
import { repoRoot } from '../helpers/project.js';

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
  description?: string;
  default?: unknown;
}

/** The example of contract §3, comments removed. */
const CONTRACT_EXAMPLE = {
  $schema: './node_modules/scalekit-session-scaffold/config.schema.json',
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
    names: { access: 'sk_access', refresh: 'sk_refresh', idToken: 'sk_id' },
    prefix: 'auto',
    sameSite: 'lax',
    secure: 'production',
    domain: null,
    storeIdToken: true,
  },
  encryption: { keySource: { type: 'env', name: 'SESSION_ENCRYPTION_KEYS' } },
  // Not in the contract's example: the cross-site guard's setting (issue #8).
  csrf: { trustedOrigins: [] },
  scalekit: {
    envUrlVar: 'SCALEKIT_ENVIRONMENT_URL',
    clientIdVar: 'SCALEKIT_CLIENT_ID',
    clientSecretVar: 'SCALEKIT_CLIENT_SECRET',
    appUrlVar: 'APP_URL',
    scopes: ['openid', 'profile', 'email', 'offline_access'],
  },
};

/**
 * The subset of JSON Schema validation config.schema.json uses (type,
 * properties, additionalProperties, required, enum, const, pattern, anyOf,
 * items, bounds); returns the paths where `value` does not conform.
 */
function violations(schema: JsonSchema, value: unknown, at = '$'): string[] {
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) {
    const results = alternatives.map((option) => violations(option, value, at));
    return results.some((list) => list.length === 0) ? [] : [`${at}: matches no alternative (${results.flat().join('; ')})`];
  }
  const out: string[] = [];
  if (schema.type && !hasType(value, schema.type)) return [`${at}: not ${schema.type}`];
  if (schema.const !== undefined && value !== schema.const) out.push(`${at}: not ${JSON.stringify(schema.const)}`);
  if (schema.enum && !schema.enum.includes(value)) out.push(`${at}: not in enum`);
  if (schema.pattern && typeof value === 'string' && !new RegExp(schema.pattern, 'u').test(value)) out.push(`${at}: does not match ${schema.pattern}`);
  if (typeof value === 'number' && schema.minimum !== undefined && value < schema.minimum) out.push(`${at}: below minimum`);
  if (typeof value === 'number' && schema.maximum !== undefined && value > schema.maximum) out.push(`${at}: above maximum`);
  if (schema.items && Array.isArray(value)) value.forEach((item, i) => out.push(...violations(schema.items as JsonSchema, item, `${at}[${i}]`)));
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in record)) out.push(`${at}.${key}: required`);
    for (const [key, child] of Object.entries(record)) {
      const property = schema.properties?.[key];
      if (property) out.push(...violations(property, child, `${at}.${key}`));
      else if (schema.additionalProperties === false) out.push(`${at}.${key}: not allowed`);
    }
  }
  return out;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'null':
      return value === null;
    default:
      return typeof value === type;
  }
}

/** Every object schema in the tree, with where it is. */
function objectSchemas(schema: JsonSchema, at = '$'): [string, JsonSchema][] {
  const own: [string, JsonSchema][] = schema.type === 'object' ? [[at, schema]] : [];
  const children = [
    ...Object.entries(schema.properties ?? {}).flatMap(([key, child]) => objectSchemas(child, `${at}.${key}`)),
    ...(schema.anyOf ?? schema.oneOf ?? []).flatMap((child, i) => objectSchemas(child, `${at}|${i}`)),
    ...(schema.items ? objectSchemas(schema.items, `${at}[]`) : []),
  ];
  return [...own, ...children];
}

describe('config.schema.json', () => {
  it('is up to date with the zod schema', async () => {
    const shipped = await readFile(path.join(repoRoot, 'config.schema.json'), 'utf8');
    expect(shipped, 'config.schema.json is stale: run `npm run schema` and commit the result').toBe(configJsonSchema());
  });

  it('is a draft 2020-12 object schema that requires only framework', () => {
    const schema = JSON.parse(configJsonSchema()) as JsonSchema & { $schema: string; title: string };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.title).toBe('scalekit-session-scaffold config');
    expect(schema.type).toBe('object');
    expect(schema.required).toEqual(['framework']);
  });

  it('describes every top-level key of the contract example and nothing else, closed at every level', () => {
    const schema = JSON.parse(configJsonSchema()) as JsonSchema;
    expect(Object.keys(schema.properties ?? {}).sort()).toEqual(Object.keys(CONTRACT_EXAMPLE).sort());
    expect(schema.additionalProperties).toBe(false);
    const objects = objectSchemas(schema);
    expect(objects.map(([at]) => at)).toEqual(
      expect.arrayContaining(['$', '$.refresh', '$.routes', '$.cookies', '$.cookies.names', '$.encryption', '$.scalekit']),
    );
    for (const [at, object] of objects) expect(object.additionalProperties, at).toBe(false);
  });

  it('accepts the contract example, the file key source and the minimal config', () => {
    const schema = JSON.parse(configJsonSchema()) as JsonSchema;
    expect(violations(schema, CONTRACT_EXAMPLE)).toEqual([]);
    expect(violations(schema, { framework: 'koa' })).toEqual([]);
    const file = { ...CONTRACT_EXAMPLE, encryption: { keySource: { type: 'file', path: '/run/secrets/session-keys' } } };
    expect(violations(schema, file)).toEqual([]);
    expect(violations(schema, { ...CONTRACT_EXAMPLE, routes: { ...CONTRACT_EXAMPLE.routes, sessions: null } })).toEqual([]);
    // contract §7's Redis store, every field spelled out, and with its defaults.
    const redis = { type: 'redis', urlVar: 'REDIS_URL', keyPrefix: 'sk:', maxAgeSeconds: 604800, timeoutMs: 5000 };
    expect(violations(schema, { ...CONTRACT_EXAMPLE, store: redis })).toEqual([]);
    expect(violations(schema, { framework: 'koa', store: { type: 'redis' } })).toEqual([]);
  });

  it('describes every property for editors: what it does, and the default where there is one', () => {
    const schema = JSON.parse(configJsonSchema()) as JsonSchema;
    const properties = (node: JsonSchema, at: string): [string, JsonSchema][] => [
      ...(node.anyOf ?? node.oneOf ?? []).flatMap((option) => properties(option, at)),
      ...Object.entries(node.properties ?? {}).flatMap(([key, child]): [string, JsonSchema][] => [[`${at}.${key}`, child], ...properties(child, `${at}.${key}`)]),
    ];
    const all = properties(schema, '$');
    expect(all.length).toBeGreaterThan(40);
    for (const [at, property] of all) {
      expect(property.description, at).toMatch(/^[A-Z"$].{20,}/);
      // A scalar default is named in the words (objects' defaults come from their fields).
      if (property.default !== undefined && typeof property.default !== 'object') {
        expect(property.description, at).toContain(`Default ${JSON.stringify(property.default)}`);
      }
    }
  });

  it('gives editors the same whitelists as the validator', () => {
    const schema = JSON.parse(configJsonSchema()) as JsonSchema;
    expect(violations(schema, {})).toEqual(['$.framework: required']);
    expect(violations(schema, { framework: 'next' })).toEqual(['$.framework: not in enum']);
    expect(violations(schema, { framework: 'express', routes: { login: '/a`${x}`' } })).toEqual([expect.stringMatching(/^\$\.routes\.login: does not match/)]);
    expect(violations(schema, { framework: 'express', cookies: { names: { access: 'a b' } } })).toHaveLength(1);
    expect(violations(schema, { framework: 'express', scalekit: { appUrlVar: 'app_url' } })).toHaveLength(1);
    expect(violations(schema, { framework: 'express', outDir: '/etc' })).toHaveLength(1);
    expect(violations(schema, { framework: 'express', encryption: { keySource: { type: 'vault' } } })).toHaveLength(1);
    expect(violations(schema, { framework: 'express', colour: 'red' })).toEqual(['$.colour: not allowed']);
  });
});
