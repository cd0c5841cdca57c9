import type { Config } from './schema.js';

/** A cross-field problem: where it is, what is wrong, and what would be allowed. */
export interface RuleIssue {
  path: (string | number)[];
  message: string;
  allowed?: string;
}

type Path = (string | number)[];

/**
 * The cross-field rules of contract §3. They run even when single fields are
 * invalid (so every problem is reported at once); `isValid` tells them which
 * fields passed their own checks, and a rule only reads fields that did.
 */
export function crossFieldIssues(config: Config, isValid: (path: Path) => boolean): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const ok = (...paths: Path[]) => paths.every((path) => isValid(path) && hasValue(config, path));

  // Routes: every endpoint distinct, sessions under the API prefix (it needs the access cookie).
  const routeKeys = ['login', 'callback', 'refresh', 'logout', 'sessions'] as const;
  const seen = new Map<string, string>();
  for (const key of routeKeys) {
    const path = ['routes', key];
    const value = config.routes[key];
    if (value === null || !ok(path)) continue;
    const first = seen.get(value);
    if (first) {
      issues.push({ path, message: `duplicates routes.${first}`, allowed: 'a route no other route uses' });
    } else {
      seen.set(value, key);
    }
  }
  const { apiPrefix, sessions } = config.routes;
  if (sessions !== null && ok(['routes', 'sessions'], ['routes', 'apiPrefix'])) {
    if (!isUnderPath(sessions, apiPrefix) || sessions === apiPrefix) {
      issues.push({
        path: ['routes', 'sessions'],
        message: `must be under routes.apiPrefix ("${apiPrefix}"), where the access cookie is sent`,
        allowed: `a path starting with "${apiPrefix === '/' ? '/' : `${apiPrefix}/`}", or null`,
      });
    }
  }

  // Cookie names: distinct, and prefixes consistent with the policy.
  const names = config.cookies.names;
  const nameKeys = ['access', 'refresh', 'idToken', 'state'] as const;
  const seenNames = new Map<string, string>();
  for (const key of nameKeys) {
    const path = ['cookies', 'names', key];
    if (!ok(path)) continue;
    const name = names[key];
    const first = seenNames.get(name.toLowerCase());
    if (first) {
      issues.push({ path, message: `duplicates cookies.names.${first}`, allowed: 'a name no other cookie uses' });
    } else {
      seenNames.set(name.toLowerCase(), key);
    }
    const explicitPrefix = /^__(host|secure)-/i.exec(name)?.[0];
    if (explicitPrefix && isValid(['cookies', 'prefix']) && config.cookies.prefix === 'auto') {
      issues.push({
        path,
        message: `starts with "${explicitPrefix}" but cookies.prefix "auto" adds the prefix itself`,
        allowed: 'the name without the prefix, or cookies.prefix "none"',
      });
    } else if (explicitPrefix && isValid(['cookies', 'secure']) && config.cookies.secure !== 'always') {
      issues.push({
        path,
        message: `a "${explicitPrefix}" cookie is refused by browsers unless it is always Secure`,
        allowed: 'cookies.secure "always", or a name without the prefix',
      });
    }
  }
  if (ok(['cookies', 'sameSite'], ['cookies', 'secure'])) {
    if (config.cookies.sameSite === 'none' && config.cookies.secure === 'never') {
      issues.push({
        path: ['cookies', 'sameSite'],
        message: 'SameSite=None cookies must be Secure, but cookies.secure is "never"',
        allowed: 'cookies.secure "production" or "always" with sameSite "none"',
      });
    }
  }

  // Environment variables: one variable, one meaning.
  const envPaths: Path[] = [
    ['scalekit', 'envUrlVar'],
    ['scalekit', 'clientIdVar'],
    ['scalekit', 'clientSecretVar'],
    ['scalekit', 'appUrlVar'],
  ];
  if (config.encryption.keySource.type === 'env') envPaths.push(['encryption', 'keySource', 'name']);
  const seenVars = new Map<string, string>();
  for (const path of envPaths) {
    if (!ok(path)) continue;
    const value = String(readPath(config, path));
    const first = seenVars.get(value);
    if (first) {
      issues.push({ path, message: `duplicates ${first}`, allowed: 'a variable no other setting uses' });
    } else {
      seenVars.set(value, path.join('.'));
    }
  }

  // Scopes: a refresh token only comes with offline_access; an ID token only with openid.
  if (ok(['scalekit', 'scopes'])) {
    const scopes = config.scalekit.scopes;
    for (const required of ['openid', 'offline_access']) {
      if (!scopes.includes(required)) {
        issues.push({
          path: ['scalekit', 'scopes'],
          message: `must include "${required}"${required === 'offline_access' ? ' (Scalekit issues no refresh token without it)' : ''}`,
          allowed: 'a list of scopes that contains "openid" and "offline_access"',
        });
      }
    }
    const duplicate = scopes.find((s, i) => scopes.indexOf(s) !== i);
    if (duplicate) {
      issues.push({ path: ['scalekit', 'scopes'], message: `lists "${duplicate}" twice`, allowed: 'distinct scopes' });
    }
  }
  return issues;
}

/** RFC 6265 §5.1.4 path-match: is `path` equal to or below `prefix`? */
export function isUnderPath(path: string, prefix: string): boolean {
  if (prefix === '/') return true;
  return path === prefix || path.startsWith(`${prefix}/`);
}

function readPath(value: unknown, path: Path): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

function hasValue(config: Config, path: Path): boolean {
  const value = readPath(config, path);
  return value !== undefined;
}
