import type { IncomingMessage, ServerResponse } from 'node:http';

import type { EmulatorContext } from './context.js';
import { BodyTooLargeError, OAuthError, readBody, sendJson, sendOAuthError } from './http-util.js';
import { handleAuthorize, handleDiscovery, handleKeys, handleLogout } from './oauth.js';
import { applyHttpOutage } from './outages.js';
import { handleToken } from './token-endpoint.js';
import type { CounterName, OutageEndpoint } from './types.js';

type HttpEndpoint = Exclude<OutageEndpoint, 'all' | 'sessions'>;

interface Route {
  method: 'GET' | 'POST';
  endpoint: HttpEndpoint;
}

const ROUTES: Readonly<Record<string, Route>> = {
  '/.well-known/openid-configuration': { method: 'GET', endpoint: 'discovery' },
  '/keys': { method: 'GET', endpoint: 'keys' },
  '/oauth/authorize': { method: 'GET', endpoint: 'authorize' },
  '/oauth/token': { method: 'POST', endpoint: 'token' },
  '/oidc/logout': { method: 'GET', endpoint: 'logout' },
};

const GRANT_COUNTERS: Readonly<Record<string, CounterName>> = {
  authorization_code: 'token.authorization_code',
  refresh_token: 'token.refresh_token',
  client_credentials: 'token.client_credentials',
};

/** The HTTP/1.1 side of the emulator: OIDC discovery, JWKS, authorize, token and logout. */
export function createHttpHandler(ctx: EmulatorContext) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    // Path only: query strings carry codes and ID token hints.
    const path = (req.url ?? '/').split('?')[0];
    res.once('finish', () => ctx.log(`${req.method ?? '?'} ${path} -> ${res.statusCode}`));
    dispatch(ctx, req, res).catch((error: unknown) => {
      if (error instanceof OAuthError) {
        // RFC 6749 §5.2: a 401 from the token endpoint carries a WWW-Authenticate challenge.
        const challenge: Record<string, string> =
          error.status === 401 ? { 'www-authenticate': 'Basic realm="scalekit-emulator"' } : {};
        sendOAuthError(res, error, challenge);
      } else if (error instanceof BodyTooLargeError) {
        sendJson(res, 413, { error: 'invalid_request', error_description: error.message });
      } else {
        ctx.log(`internal error on ${path}: ${error instanceof Error ? error.stack : String(error)}`);
        if (!res.headersSent) sendJson(res, 500, { error: 'server_error', error_description: 'emulator bug; see its log' });
        else res.destroy();
      }
    });
  };
}

async function dispatch(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', ctx.issuer);
  const route = ROUTES[url.pathname];
  if (!route) {
    sendJson(res, 404, { error: 'not_found', error_description: `no emulated endpoint at ${url.pathname}` });
    return;
  }
  if (req.method !== route.method) {
    sendJson(res, 405, { error: 'invalid_request', error_description: `${url.pathname} accepts ${route.method} only` }, { allow: route.method });
    return;
  }

  // The body is read before any outage so token calls are counted by grant type.
  const form = route.method === 'POST' ? new URLSearchParams(await readBody(req)) : undefined;
  ctx.state.count(counterFor(route.endpoint, form));
  const outage = ctx.state.outageFor(route.endpoint);
  if (outage) {
    applyHttpOutage(outage, req, res);
    return;
  }

  switch (route.endpoint) {
    case 'discovery':
      return handleDiscovery(ctx, res);
    case 'keys':
      return handleKeys(ctx, res);
    case 'authorize':
      return handleAuthorize(ctx, req, res, url);
    case 'logout':
      return handleLogout(ctx, res, url);
    case 'token':
      requireFormBody(req);
      return handleToken(ctx, req, res, form ?? new URLSearchParams());
  }
}

function requireFormBody(req: IncomingMessage): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new OAuthError('invalid_request', 'the token endpoint takes application/x-www-form-urlencoded bodies');
  }
}

function counterFor(endpoint: HttpEndpoint, form: URLSearchParams | undefined): CounterName {
  if (endpoint !== 'token') return endpoint;
  return GRANT_COUNTERS[form?.get('grant_type') ?? ''] ?? 'token.other';
}
