import type { Config } from './schema.js';
import { refreshCookiePath } from './paths.js';

/** A cookie as the generated `policy` file declares it. */
export interface CookiePolicy {
  /** Name when the cookie is sent without `Secure` (development over http). */
  plainName: string;
  /** Name when `Secure`: with the `__Host-`/`__Secure-` prefix when `prefix` is `auto`. */
  secureName: string;
  path: string;
}

export interface Policy {
  cookies: { access: CookiePolicy; refresh: CookiePolicy; idToken: CookiePolicy; state: CookiePolicy; session: CookiePolicy };
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

  const refreshPath = refreshCookiePath(refresh.mode, routes.apiPrefix, routes.refresh);
  if (refreshPath !== routes.refresh) {
    // Transparent refresh happens inside API requests, so the refresh cookie
    // must reach the API prefix as well as the refresh route.
    warnings.push(
      `refresh.mode "transparent": the refresh cookie's Path is widened to "${refreshPath}" so it reaches both ${routes.apiPrefix} and ${routes.refresh}.`,
    );
  }
  if (cookies.sameSite === 'strict') {
    warnings.push(
      'cookies.sameSite "strict": the first page after the Scalekit redirect will not carry the session cookies (browsers treat it as cross-site); the login state cookie stays "lax" so sign-in still completes.',
    );
  }
  if (cookies.sameSite === 'none') {
    warnings.push(
      config.csrf === false
        ? 'cookies.sameSite "none" with csrf false: browsers send the session cookies with requests from any site, and requireSession/optionalSession do not check where a request comes from; your routes must refuse cross-site POST, PUT, PATCH and DELETE themselves.'
        : 'cookies.sameSite "none": browsers send the session cookies with requests from any site; the cross-site guard in requireSession/optionalSession and the auth routes is all that stops a foreign page from posting as the user, so keep csrf on and csrf.trustedOrigins short.',
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
      // The Redis store's one cookie: Path / so every route can find the session.
      session: cookie(cookies.names.session, '/'),
    },
    warnings,
  };
}

