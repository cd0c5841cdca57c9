import type { Config } from './schema.js';
import { isUnderPath } from './rules.js';

/** A cookie as the generated `policy` file declares it. */
export interface CookiePolicy {
  /** Name when the cookie is sent without `Secure` (development over http). */
  plainName: string;
  /** Name when `Secure`: with the `__Host-`/`__Secure-` prefix when `prefix` is `auto`. */
  secureName: string;
  path: string;
}

export interface Policy {
  cookies: { access: CookiePolicy; refresh: CookiePolicy; idToken: CookiePolicy; state: CookiePolicy };
  /** Human-readable notes about choices the generator made for the user. */
  warnings: string[];
}

/**
 * Derives what the config implies but does not say: each cookie's Path and
 * its prefixed name. Pure; `generate` prints the warnings.
 */
export function resolvePolicy(config: Config): Policy {
  const { routes, cookies, refresh } = config;
  const warnings: string[] = [];

  let refreshPath = routes.refresh;
  if (refresh.mode === 'transparent' && !isUnderPath(routes.apiPrefix, refreshPath)) {
    // Transparent refresh happens inside API requests, so the refresh cookie
    // must reach the API prefix as well as the refresh route.
    refreshPath = commonPath(routes.apiPrefix, routes.refresh);
    warnings.push(
      `refresh.mode "transparent": the refresh cookie's Path is widened to "${refreshPath}" so it reaches both ${routes.apiPrefix} and ${routes.refresh}.`,
    );
  }
  if (cookies.sameSite === 'strict') {
    warnings.push(
      'cookies.sameSite "strict": the first page after the Scalekit redirect will not carry the session cookies (browsers treat it as cross-site); the login state cookie stays "lax" so sign-in still completes.',
    );
  }

  const cookie = (name: string, path: string): CookiePolicy => ({
    plainName: name,
    secureName: cookies.prefix === 'none' ? name : `${path === '/' && cookies.domain === null ? '__Host-' : '__Secure-'}${name}`,
    path,
  });
  return {
    cookies: {
      access: cookie(cookies.names.access, routes.apiPrefix),
      refresh: cookie(cookies.names.refresh, refreshPath),
      idToken: cookie(cookies.names.idToken, routes.logout),
      state: cookie(cookies.names.state, routes.callback),
    },
    warnings,
  };
}

/** The longest path that path-matches both (RFC 6265 §5.1.4). */
export function commonPath(a: string, b: string): string {
  const left = a.split('/').filter(Boolean);
  const right = b.split('/').filter(Boolean);
  const shared: string[] = [];
  for (let i = 0; i < Math.min(left.length, right.length) && left[i] === right[i]; i++) shared.push(left[i] as string);
  return `/${shared.join('/')}`;
}
