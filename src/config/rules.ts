import { isUnderPath, refreshCookiePath } from './paths.js';

/** A cross-field problem: where it is, what is wrong, what was seen and what is allowed. */
export interface RuleIssue {
  path: (string | number)[];
  message: string;
  got: unknown;
  allowed: string;
}

type Path = (string | number)[];

/**
 * The cross-field rules of contract §3. They run even when single fields are
 * invalid (so every problem is reported at once), on a value that may hold
 * anything; a rule reads a field only through `get`, which answers only for
 * fields that passed their own checks.
 */
export function crossFieldIssues(config: unknown, isValid: (path: Path) => boolean): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const get = <T>(path: Path, type: 'string' | 'object' | 'boolean'): T | undefined => {
    const value = readPath(config, path);
    if (!isValid(path) || value === undefined) return undefined;
    if (type === 'object') return Array.isArray(value) || (value !== null && typeof value === 'object') ? (value as T) : undefined;
    return typeof value === type ? (value as T) : undefined;
  };
  const str = (...path: Path) => get<string>(path, 'string');
  const add = (path: Path, message: string, allowed: string) => issues.push({ path, message, allowed, got: readPath(config, path) });

  // Routes: every endpoint distinct, and none inside the session routes' own paths.
  const apiPrefix = str('routes', 'apiPrefix');
  const sessions = str('routes', 'sessions');
  const routeKeys = ['login', 'callback', 'refresh', 'logout', 'sessions'] as const;
  const seen = new Map<string, string>();
  if (sessions !== undefined) seen.set(`${sessions}/revoke-all`, 'sessions (its revoke-all route)');
  for (const key of routeKeys) {
    const value = str('routes', key);
    if (value === undefined) continue;
    const first = seen.get(value);
    if (first) add(['routes', key], `duplicates routes.${first}`, 'a route no other route uses');
    else seen.set(value, key);
    if (key !== 'sessions' && sessions !== undefined && value !== sessions && isUnderPath(value, sessions)) {
      add(['routes', key], `is inside routes.sessions ("${sessions}"), whose /:id route would claim it`, `a path outside "${sessions}/"`);
    }
  }
  if (sessions !== undefined && apiPrefix !== undefined && (!isUnderPath(sessions, apiPrefix) || sessions === apiPrefix)) {
    add(
      ['routes', 'sessions'],
      `must be under routes.apiPrefix ("${apiPrefix}"), where the access cookie is sent`,
      `a path starting with "${apiPrefix === '/' ? '/' : `${apiPrefix}/`}", or null`,
    );
  }

  // Cookie names: distinct, and prefixes that browsers will accept.
  const prefix = str('cookies', 'prefix');
  const secure = str('cookies', 'secure');
  const domainValid = isValid(['cookies', 'domain']);
  const domain = readPath(config, ['cookies', 'domain']);
  const mode = str('refresh', 'mode');
  const cookiePaths: Record<string, string | undefined> = {
    access: apiPrefix,
    refresh:
      mode === 'endpoint' || mode === 'transparent'
        ? apiPrefix !== undefined && str('routes', 'refresh') !== undefined
          ? refreshCookiePath(mode, apiPrefix, str('routes', 'refresh') as string)
          : undefined
        : undefined,
    idToken: str('routes', 'logout'),
    state: str('routes', 'callback'),
    session: '/',
  };
  const seenNames = new Map<string, string>();
  for (const key of ['access', 'refresh', 'idToken', 'state', 'session'] as const) {
    const path = ['cookies', 'names', key];
    const name = str(...path);
    if (name === undefined) continue;
    const first = seenNames.get(name.toLowerCase());
    if (first) add(path, `duplicates cookies.names.${first}`, 'a name no other cookie uses');
    else seenNames.set(name.toLowerCase(), key);

    const explicit = /^__(host|secure)-/i.exec(name)?.[0];
    if (!explicit) continue;
    if (prefix === 'auto') {
      add(path, `starts with "${explicit}" but cookies.prefix "auto" adds the prefix itself`, 'the name without the prefix, or cookies.prefix "none"');
      continue;
    }
    if (secure !== undefined && secure !== 'always') {
      add(path, `a "${explicit}" cookie is refused by browsers unless it is always Secure`, 'cookies.secure "always", or a name without the prefix');
    }
    // RFC 6265bis §4.1.3.2: __Host- cookies must have Path=/ and no Domain.
    if (explicit.toLowerCase() === '__host-') {
      const cookiePath = cookiePaths[key];
      if (cookiePath !== undefined && cookiePath !== '/') {
        add(path, `a "${explicit}" cookie must have Path=/, but this cookie's Path is "${cookiePath}"`, 'a __Secure- or unprefixed name');
      }
      if (domainValid && typeof domain === 'string') {
        add(path, `a "${explicit}" cookie must not have a Domain, but cookies.domain is "${domain}"`, 'a __Secure- or unprefixed name, or cookies.domain null');
      }
    }
  }
  if (str('cookies', 'sameSite') === 'none' && secure === 'never') {
    add(['cookies', 'sameSite'], 'SameSite=None cookies must be Secure, but cookies.secure is "never"', 'cookies.secure "production" or "always" with sameSite "none"');
  }

  // Environment variables: one variable, one meaning.
  const envPaths: Path[] = [
    ['scalekit', 'envUrlVar'],
    ['scalekit', 'clientIdVar'],
    ['scalekit', 'clientSecretVar'],
    ['scalekit', 'appUrlVar'],
  ];
  if (str('encryption', 'keySource', 'type') === 'env') envPaths.push(['encryption', 'keySource', 'name']);
  if (str('store', 'type') === 'redis') envPaths.push(['store', 'urlVar']);
  const seenVars = new Map<string, string>();
  for (const path of envPaths) {
    const value = str(...path);
    if (value === undefined) continue;
    const first = seenVars.get(value);
    if (first) add(path, `duplicates ${first}`, 'a variable no other setting uses');
    else seenVars.set(value, path.join('.'));
  }

  // Scopes: a refresh token only comes with offline_access, an ID token only with openid.
  const scopes = get<unknown[]>(['scalekit', 'scopes'], 'object');
  if (Array.isArray(scopes)) {
    for (const required of ['openid', 'offline_access']) {
      if (!scopes.includes(required)) {
        const why = required === 'offline_access' ? ' (Scalekit issues no refresh token without it)' : '';
        add(['scalekit', 'scopes'], `must include "${required}"${why}`, 'a list of scopes that contains "openid" and "offline_access"');
      }
    }
    const duplicate = scopes.find((s, i) => scopes.indexOf(s) !== i);
    if (duplicate !== undefined) add(['scalekit', 'scopes'], `lists ${JSON.stringify(duplicate)} twice`, 'distinct scopes');
  }
  return issues;
}

function readPath(value: unknown, path: Path): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}
