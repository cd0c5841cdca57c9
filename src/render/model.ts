import type { Policy } from '../config/policy.js';
import type { Config } from '../config/schema.js';
import { toolName, toolVersion } from '../version.js';

const SAME_SITE = { lax: 'Lax', strict: 'Strict', none: 'None' } as const;

/**
 * Everything a template may read. Values meant to become code are emitted with
 * `{{lit}}`; booleans select which blocks exist, so options that are off leave
 * no trace in the output.
 */
export function renderModel(config: Config, policy: Policy) {
  const { cookies, routes, refresh, scalekit, encryption } = config;
  const keySource = encryption.keySource;
  return {
    header: {
      tool: toolName,
      version: toolVersion,
      configFile: 'scalekit-session.config.json',
    },
    framework: config.framework,
    transparent: refresh.mode === 'transparent',
    endpoint: refresh.mode === 'endpoint',
    leewaySeconds: refresh.leewaySeconds,
    storeIdToken: cookies.storeIdToken,
    redisStore: config.store.type === 'redis',
    store:
      config.store.type === 'redis'
        ? { urlVar: config.store.urlVar, keyPrefix: config.store.keyPrefix, timeoutMs: config.store.timeoutMs ?? scalekit.timeoutMs }
        : null,
    sessionLifetimeSeconds: cookies.maxAgeSeconds ?? (config.store.type === 'redis' ? config.store.maxAgeSeconds : null),
    sessions: routes.sessions !== null,
    /** Logout (through the ID token's sid) or the session routes drop a revoked session's caches. */
    forgetsSessions: cookies.storeIdToken || routes.sessions !== null || config.store.type === 'redis',
    /** Logout can name the session it ends: from its Redis record, or from the stored ID token. */
    endsStoredSession: cookies.storeIdToken || config.store.type === 'redis',
    routes: {
      apiPrefix: routes.apiPrefix,
      login: routes.login,
      callback: routes.callback,
      refresh: routes.refresh,
      logout: routes.logout,
      postLogoutRedirect: routes.postLogoutRedirect,
      sessions: routes.sessions,
      sessionById: routes.sessions === null ? null : `${routes.sessions}/:id`,
      revokeAll: routes.sessions === null ? null : `${routes.sessions}/revoke-all`,
    },
    cookies: policy.cookies,
    sameSite: SAME_SITE[cookies.sameSite],
    secureAlways: cookies.secure === 'always',
    secureNever: cookies.secure === 'never',
    secureProduction: cookies.secure === 'production',
    domain: cookies.domain,
    hasDomain: cookies.domain !== null,
    maxAgeSeconds: cookies.maxAgeSeconds,
    hasMaxAge: cookies.maxAgeSeconds !== null,
    keyFromEnv: keySource.type === 'env',
    keyEnvVar: keySource.type === 'env' ? keySource.name : null,
    keyFile: keySource.type === 'file' ? keySource.path : null,
    env: {
      envUrl: scalekit.envUrlVar,
      clientId: scalekit.clientIdVar,
      clientSecret: scalekit.clientSecretVar,
      appUrl: scalekit.appUrlVar,
    },
    csrfMiddleware: config.csrf !== false,
    trustedOrigins: config.csrf === false ? [] : config.csrf.trustedOrigins,
    scopes: scalekit.scopes,
    timeoutMs: scalekit.timeoutMs,
  };
}

export type RenderModel = ReturnType<typeof renderModel>;
