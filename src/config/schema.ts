import { z } from 'zod';

/**
 * The one schema for `scalekit-session.config.json` (contract §3). Every string
 * that can reach generated code is held to a whitelist here, so what passes
 * validation is safe to emit as a JS literal; cross-field rules live in
 * `rules.ts`. `config.schema.json` is generated from this file.
 */

/**
 * A whitelisted string. `allowed` completes the `(got …; allowed …)` part of
 * the error line; the pattern also lands in config.schema.json for editors.
 */
function matching(re: RegExp, message: string, allowed: string, extra?: { test: (value: string) => boolean; message: string }) {
  let schema = z.string().refine((value) => re.test(value), { message, params: { allowed } });
  if (extra) schema = schema.refine(extra.test, { message: extra.message, params: { allowed } });
  return schema.meta({ pattern: re.source, description: `${message}: ${allowed}` });
}

const ROUTE_RE = /^\/(?:[A-Za-z0-9._~-]+(?:\/[A-Za-z0-9._~-]+)*)?$/;
const ROUTE_ALLOWED = 'an absolute path of A-Z a-z 0-9 . _ ~ - and single / separators, no trailing /';
// Segments of only dots would be resolved away by clients and proxies.
const DOT_SEGMENT_RE = /(^|\/)\.{1,2}(\/|$)/;

const route = matching(ROUTE_RE, 'must be a safe absolute path', ROUTE_ALLOWED, {
  test: (value) => !DOT_SEGMENT_RE.test(value),
  message: 'must not contain "." or ".." segments',
});

// RFC 6265 tokens allow more, but quotes, backticks and `.` (our chunk suffix)
// only cause trouble in other parsers; this subset is what real apps use.
const cookieName = matching(
  /^[A-Za-z0-9_-]{1,64}$/,
  'must be a cookie name of 1-64 letters, digits, _ or -',
  'A-Z a-z 0-9 _ -',
);

const envVar = matching(
  /^[A-Z_][A-Z0-9_]{0,127}$/,
  'must be an environment variable name',
  '[A-Z_][A-Z0-9_]*',
);

// Redis key names are binary-safe, but a prefix that reads cleanly in
// `redis-cli` and needs no escaping anywhere is what real deployments use.
const keyPrefix = matching(/^[A-Za-z0-9:_.{}-]{0,64}$/, 'must be a Redis key prefix', 'up to 64 of A-Z a-z 0-9 : _ . - { }');

const OUT_DIR_ALLOWED = 'a relative path of A-Z a-z 0-9 . _ - segments separated by /';
const outDir = matching(/^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/, 'must be a relative folder inside the project', OUT_DIR_ALLOWED, {
  test: (value) => !DOT_SEGMENT_RE.test(value),
  message: 'must stay inside the project (no "." or ".." segments)',
});

const domain = matching(
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/,
  'must be a lowercase host name without a leading dot',
  'a host name such as "example.com", or null',
);

const keyFilePath = matching(
  /^[A-Za-z0-9._~/@+-]{1,1024}$/,
  'must be a file path of safe characters',
  'A-Z a-z 0-9 . _ ~ / @ + -, without "." or ".." segments',
  { test: (value) => !DOT_SEGMENT_RE.test(value), message: 'must not contain "." or ".." segments' },
);

const scope = matching(/^[A-Za-z0-9_.:/-]{1,128}$/, 'must be an OAuth scope', 'A-Z a-z 0-9 _ . : / -, without ".."', {
  test: (value) => !value.includes('..'),
  message: 'must not contain ".."',
});

// An origin as browsers send it: scheme, host, optional port; nothing else.
const origin = matching(
  /^https?:\/\/(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]{2,45}\])(?::[0-9]{1,5})?$/,
  'must be an origin',
  'a lowercase origin such as "https://admin.example.com" or "http://localhost:5173" (scheme, host, optional port; no path or trailing /)',
);

export const DEFAULT_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

export const configSchema = z
  .strictObject({
    $schema: z.string().max(2048).optional(),
    framework: z.enum(['express', 'fastify', 'koa']),
    language: z.enum(['ts', 'js']).default('ts'),
    moduleFormat: z.enum(['esm', 'cjs']).default('esm'),
    outDir: outDir.default('src/session'),
    store: z
      .discriminatedUnion('type', [
        z.strictObject({ type: z.literal('cookie') }),
        z.strictObject({
          type: z.literal('redis'),
          urlVar: envVar.default('REDIS_URL'),
          keyPrefix: keyPrefix.default('sk:'),
          maxAgeSeconds: z.number().int().min(60).max(400 * 24 * 3600).default(604_800),
          timeoutMs: z.number().int().min(100).max(60_000).optional(),
        }),
      ])
      .default({ type: 'cookie' }),
    refresh: z
      .strictObject({
        mode: z.enum(['endpoint', 'transparent']).default('endpoint'),
        leewaySeconds: z.number().int().min(0).max(600).default(60),
      })
      .prefault({}),
    routes: z
      .strictObject({
        apiPrefix: route.default('/api'),
        login: route.default('/auth/login'),
        callback: route.default('/auth/callback'),
        refresh: route.default('/auth/refresh'),
        logout: route.default('/auth/logout'),
        postLogoutRedirect: route.default('/'),
        sessions: route.nullable().default('/api/sessions'),
      })
      .prefault({}),
    cookies: z
      .strictObject({
        names: z
          .strictObject({
            access: cookieName.default('sk_access'),
            refresh: cookieName.default('sk_refresh'),
            idToken: cookieName.default('sk_id'),
            state: cookieName.default('sk_state'),
            session: cookieName.default('sk_session'),
          })
          .prefault({}),
        prefix: z.enum(['auto', 'none']).default('auto'),
        sameSite: z.enum(['lax', 'strict', 'none']).default('lax'),
        secure: z.enum(['production', 'always', 'never']).default('production'),
        domain: domain.nullable().default(null),
        storeIdToken: z.boolean().default(true),
        maxAgeSeconds: z.number().int().min(60).max(400 * 24 * 3600).nullable().default(null),
      })
      .prefault({}),
    encryption: z
      .strictObject({
        keySource: z
          .discriminatedUnion('type', [
            z.strictObject({ type: z.literal('env'), name: envVar.default('SESSION_ENCRYPTION_KEYS') }),
            z.strictObject({ type: z.literal('file'), path: keyFilePath }),
          ])
          .default({ type: 'env', name: 'SESSION_ENCRYPTION_KEYS' }),
      })
      .prefault({}),
    csrf: z
      .union([
        z.literal(false),
        z.strictObject({ trustedOrigins: z.array(origin).max(32).default([]) }),
      ])
      .default({ trustedOrigins: [] }),
    scalekit: z
      .strictObject({
        envUrlVar: envVar.default('SCALEKIT_ENVIRONMENT_URL'),
        clientIdVar: envVar.default('SCALEKIT_CLIENT_ID'),
        clientSecretVar: envVar.default('SCALEKIT_CLIENT_SECRET'),
        appUrlVar: envVar.default('APP_URL'),
        scopes: z.array(scope).min(1).max(32).default([...DEFAULT_SCOPES]),
        timeoutMs: z.number().int().min(100).max(60_000).default(5000),
      })
      .prefault({}),
  });

/** What the user writes (everything but `framework` may be omitted). */
export type ConfigInput = z.input<typeof configSchema>;
/** The config with every default filled in. */
export type Config = z.output<typeof configSchema>;
