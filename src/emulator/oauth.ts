import type { IncomingMessage, ServerResponse } from 'node:http';

import type { EmulatorContext } from './context.js';
import { redirect, sendJson, sendText, single, withQuery } from './http-util.js';
import { sessionIdFromHint } from './tokens.js';

/** RFC 7636 §4.1-4.2: base64url SHA-256 challenges are 43 characters; allow the full range. */
const CODE_CHALLENGE = /^[A-Za-z0-9\-._~]{43,128}$/;

export function handleDiscovery(ctx: EmulatorContext, res: ServerResponse): void {
  const base = ctx.issuer;
  sendJson(res, 200, {
    issuer: base,
    authorization_endpoint: `${base}/oauth/authorize`,
    token_endpoint: `${base}/oauth/token`,
    jwks_uri: `${base}/keys`,
    end_session_endpoint: `${base}/oidc/logout`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    claims_supported: [
      'sub', 'iss', 'aud', 'exp', 'iat', 'sid', 'oid', 'email', 'email_verified',
      'name', 'given_name', 'family_name', 'amr', 'at_hash', 'nonce',
    ],
  });
}

export function handleKeys(ctx: EmulatorContext, res: ServerResponse): void {
  sendJson(res, 200, ctx.keys.jwks());
}

/**
 * Auto sign-in: validates the request like an authorization server, creates a session for the
 * configured user and redirects straight back with a code. Problems with the client or the
 * redirect URI get a 400 here (RFC 6749 §4.1.2.1 forbids redirecting to an unverified URI);
 * every later problem is reported to the redirect URI.
 */
export function handleAuthorize(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const { state } = ctx;
  const query = url.searchParams;
  const clientId = single(query, 'client_id');
  if (clientId !== state.clientId) {
    sendJson(res, 400, {
      error: 'invalid_client',
      error_description: clientId ? `client_id ${clientId} is not registered` : 'client_id is required',
    });
    return;
  }
  const redirectUri = single(query, 'redirect_uri');
  const redirectProblem = checkRedirectUri(redirectUri, state.redirectUris);
  if (redirectProblem || !redirectUri) {
    sendJson(res, 400, { error: 'invalid_request', error_description: redirectProblem });
    return;
  }

  const clientState = single(query, 'state');
  const fail = (error: string, description: string): void =>
    redirect(res, withQuery(redirectUri, { error, error_description: description, state: clientState }));

  if (single(query, 'response_type') !== 'code') {
    fail('unsupported_response_type', 'only response_type=code is supported');
    return;
  }
  const codeChallenge = single(query, 'code_challenge');
  const challengeMethod = single(query, 'code_challenge_method');
  if (codeChallenge !== undefined || challengeMethod !== undefined) {
    // A challenge without a method means "plain" (RFC 7636 §4.3), which Scalekit does not accept.
    if (challengeMethod !== 'S256') {
      fail('invalid_request', 'code_challenge_method must be S256');
      return;
    }
    if (!codeChallenge || !CODE_CHALLENGE.test(codeChallenge)) {
      fail('invalid_request', 'code_challenge must be 43-128 base64url characters');
      return;
    }
  }

  const session = state.createSession({
    user: state.user,
    organizationId: state.organizationId,
    userAgent: req.headers['user-agent'] ?? '',
    ip: req.socket.remoteAddress ?? '127.0.0.1',
  });
  const nonce = single(query, 'nonce');
  const code = state.issueCode({
    sessionId: session.id,
    clientId,
    redirectUri,
    scope: single(query, 'scope') ?? 'openid',
    ...(nonce && { nonce }),
    ...(codeChallenge && { codeChallenge }),
  });
  ctx.log(`authorize: signed in ${session.user.id} as ${session.id}`);
  redirect(res, withQuery(redirectUri, { code, state: clientState }));
}

/** Returns why a redirect URI is unacceptable, or undefined when it is fine. */
function checkRedirectUri(uri: string | undefined, allowed: readonly string[] | undefined): string | undefined {
  if (!uri) return 'redirect_uri is required';
  if (!URL.canParse(uri)) return `redirect_uri ${uri} is not an absolute URL`;
  if (allowed && !allowed.includes(uri)) return `redirect_uri ${uri} is not registered for this client`;
  return undefined;
}

/**
 * RP-initiated logout: ends the session the ID token hint names, records the call, then
 * redirects to the post-logout URI (with `state`) or shows a short page. A `client_id`
 * (RP-Initiated Logout 1.0 §2) must name the registered client.
 */
export async function handleLogout(ctx: EmulatorContext, res: ServerResponse, url: URL): Promise<void> {
  const query = url.searchParams;
  const clientId = single(query, 'client_id');
  if (clientId !== undefined && clientId !== ctx.state.clientId) {
    sendJson(res, 400, { error: 'invalid_client', error_description: `client_id ${clientId} is not registered` });
    return;
  }
  const idTokenHint = single(query, 'id_token_hint');
  const postLogoutRedirectUri = single(query, 'post_logout_redirect_uri');
  const clientState = single(query, 'state');
  const sessionId = idTokenHint ? await sessionIdFromHint(ctx.keys, ctx.issuer, idTokenHint) : undefined;

  ctx.state.logoutCalls.push({
    ...(clientId && { clientId }),
    ...(idTokenHint && { idTokenHint }),
    ...(postLogoutRedirectUri && { postLogoutRedirectUri }),
    ...(clientState && { state: clientState }),
    ...(sessionId && { sessionId }),
    at: new Date(),
  });

  if (postLogoutRedirectUri) {
    const problem = checkRedirectUri(postLogoutRedirectUri, ctx.state.postLogoutRedirectUris);
    if (problem) {
      sendJson(res, 400, { error: 'invalid_request', error_description: problem.replace('redirect_uri', 'post_logout_redirect_uri') });
      return;
    }
  }

  const session = sessionId ? ctx.state.session(sessionId) : undefined;
  if (session && ctx.state.endSession(session, 'logout')) ctx.log(`logout: ended ${session.id}`);

  if (postLogoutRedirectUri) redirect(res, withQuery(postLogoutRedirectUri, { state: clientState }));
  else sendText(res, 200, 'You have been signed out of the Scalekit emulator.\n');
}
