import type { Config, ConfigInput } from '../../src/config/schema.js';

export const FRAMEWORKS = ['express', 'fastify', 'koa'] as const satisfies readonly Config['framework'][];
export type Framework = (typeof FRAMEWORKS)[number];

/**
 * The variant matrix every framework's templates are snapshotted and
 * typechecked over: both refresh modes, ID token and session routes on and
 * off, one config where every cookie and route setting is non-default, and
 * the Redis store in both refresh modes.
 */
export const VARIANTS = {
  default: {},
  transparent: { refresh: { mode: 'transparent', leewaySeconds: 30 } },
  minimal: {
    routes: { sessions: null },
    cookies: { storeIdToken: false, secure: 'never' },
    csrf: false,
  },
  custom: {
    outDir: 'src/lib/auth',
    refresh: { mode: 'transparent' },
    routes: {
      apiPrefix: '/',
      login: '/session/login',
      callback: '/session/callback',
      refresh: '/session/refresh',
      logout: '/session/logout',
      postLogoutRedirect: '/goodbye',
      sessions: '/me/sessions',
    },
    cookies: {
      names: { access: 'app_at', refresh: 'app_rt', idToken: 'app_it', state: 'app_st' },
      sameSite: 'strict',
      secure: 'always',
      domain: 'example.com',
      maxAgeSeconds: 1209600,
    },
    encryption: { keySource: { type: 'file', path: '/run/secrets/session-keys' } },
    csrf: { trustedOrigins: ['https://admin.example.com', 'http://localhost:5173'] },
    scalekit: {
      envUrlVar: 'SK_URL',
      clientIdVar: 'SK_ID',
      clientSecretVar: 'SK_SECRET',
      appUrlVar: 'PUBLIC_ORIGIN',
      scopes: ['openid', 'email', 'offline_access'],
      timeoutMs: 2500,
    },
  },
  redis: { store: { type: 'redis' } },
  'redis-transparent': {
    store: { type: 'redis', urlVar: 'SESSION_REDIS_URL', keyPrefix: 'app:auth:', timeoutMs: 800 },
    refresh: { mode: 'transparent' },
    routes: { sessions: null },
    cookies: { names: { session: 'app_sid' }, storeIdToken: false, maxAgeSeconds: 86400 },
    csrf: false,
  },
} satisfies Record<string, Omit<ConfigInput, 'framework'>>;

export type VariantName = keyof typeof VARIANTS;

/**
 * JavaScript output, snapshotted and checked per framework: ESM in a
 * `"type": "module"` package (`.js`), and CommonJS in the same package, where
 * it must be `.cjs` (so the renamed import specifiers are covered too).
 */
export const JS_VARIANTS = {
  'js-esm': { config: { language: 'js', moduleFormat: 'esm' }, packageType: 'module', ext: '.js' },
  'js-cjs': { config: { language: 'js', moduleFormat: 'cjs' }, packageType: 'module', ext: '.cjs' },
} as const satisfies Record<string, { config: Omit<ConfigInput, 'framework'>; packageType: 'module' | 'commonjs'; ext: string }>;

export type JsVariantName = keyof typeof JS_VARIANTS;

export function variantConfig(framework: Framework, variant: VariantName): ConfigInput {
  return { framework, ...VARIANTS[variant] } as ConfigInput;
}
