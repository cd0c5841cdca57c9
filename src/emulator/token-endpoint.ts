import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { EmulatorContext } from './context.js';
import { OAuthError, sendJson, single } from './http-util.js';
import type { SessionRecord } from './state.js';
import { CLIENT_TOKEN_TTL_SECONDS, issueClientToken, issueTokens } from './tokens.js';

/** RFC 7636 §4.1: a verifier is 43-128 unreserved characters. */
const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

type TokenResponse = Record<string, string | number>;

/** `POST /oauth/token`: answers with tokens or throws an {@link OAuthError}. */
export async function handleToken(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  form: URLSearchParams,
): Promise<void> {
  authenticateClient(ctx, req, form);
  const grantType = single(form, 'grant_type');
  let body: TokenResponse;
  switch (grantType) {
    case 'authorization_code':
      body = await exchangeCode(ctx, form);
      break;
    case 'refresh_token':
      body = await refresh(ctx, form);
      break;
    case 'client_credentials':
      body = {
        access_token: await issueClientToken(ctx.keys, ctx.issuer, ctx.state),
        token_type: 'Bearer',
        expires_in: CLIENT_TOKEN_TTL_SECONDS,
      };
      break;
    case undefined:
      throw new OAuthError('invalid_request', 'grant_type is required');
    default:
      throw new OAuthError('unsupported_grant_type', `grant_type ${grantType} is not supported`);
  }
  // RFC 6749 §5.1: token responses must not be cached.
  sendJson(res, 200, body, { 'cache-control': 'no-store', pragma: 'no-cache' });
}

/**
 * Client authentication per RFC 6749 §2.3.1: `client_secret_post` (what the SDK sends) or
 * HTTP Basic, never both.
 */
function authenticateClient(ctx: EmulatorContext, req: IncomingMessage, form: URLSearchParams): void {
  const basic = parseBasic(req.headers.authorization);
  const formId = single(form, 'client_id');
  const formSecret = single(form, 'client_secret');
  if (basic && formSecret !== undefined) {
    throw new OAuthError('invalid_request', 'send client credentials either in the body or in the Authorization header, not both');
  }
  const clientId = basic?.id ?? formId;
  const secret = basic?.secret ?? formSecret;
  if (!clientId || secret === undefined) {
    throw new OAuthError('invalid_client', 'client authentication is required (client_id and client_secret)');
  }
  if (basic && formId !== undefined && formId !== basic.id) {
    throw new OAuthError('invalid_request', 'client_id in the body differs from the Authorization header');
  }
  if (clientId !== ctx.state.clientId || !sameSecret(secret, ctx.state.clientSecret)) {
    throw new OAuthError('invalid_client', 'client authentication failed: unknown client_id or wrong client_secret');
  }
}

function parseBasic(header: string | undefined): { id: string; secret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new OAuthError('invalid_client', 'malformed Basic credentials');
  // RFC 6749 §2.3.1: both parts are form-urlencoded before being joined.
  const decode = (part: string): string => decodeURIComponent(part.replace(/\+/g, ' '));
  return { id: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) };
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

async function exchangeCode(ctx: EmulatorContext, form: URLSearchParams): Promise<TokenResponse> {
  const value = single(form, 'code');
  if (!value) throw new OAuthError('invalid_request', 'code is required');
  const code = ctx.state.code(value);
  if (!code) throw new OAuthError('invalid_grant', 'authorization code is invalid');
  if (code.used) throw new OAuthError('invalid_grant', 'authorization code was already used');
  // Any redemption attempt burns the code, so a failed PKCE check cannot be retried.
  code.used = true;
  if (Date.now() > code.expiresAt) throw new OAuthError('invalid_grant', 'authorization code expired');
  if (code.clientId !== ctx.state.clientId) {
    throw new OAuthError('invalid_grant', 'authorization code was issued to another client');
  }
  if (single(form, 'redirect_uri') !== code.redirectUri) {
    throw new OAuthError('invalid_grant', 'redirect_uri does not match the authorization request');
  }
  checkPkce(code.codeChallenge, single(form, 'code_verifier'));

  const session = activeSession(ctx, code.sessionId);
  const tokens = await issueTokens(ctx.keys, ctx.issuer, ctx.state, session, code.scope, code.nonce);
  return {
    access_token: tokens.accessToken,
    token_type: 'Bearer',
    expires_in: tokens.expiresIn,
    id_token: tokens.idToken,
    scope: code.scope,
    ...(grantsOffline(code.scope) && { refresh_token: ctx.state.issueRefreshToken(session.id, code.scope) }),
  };
}

function checkPkce(challenge: string | undefined, verifier: string | undefined): void {
  if (!challenge) {
    // OAuth 2.1 §4.1.3: a verifier for a request that had no challenge is an error.
    if (verifier !== undefined) {
      throw new OAuthError('invalid_grant', 'code_verifier sent but the authorization request had no code_challenge');
    }
    return;
  }
  if (verifier === undefined) throw new OAuthError('invalid_grant', 'code_verifier is required (PKCE)');
  if (!CODE_VERIFIER.test(verifier)) {
    throw new OAuthError('invalid_grant', 'code_verifier must be 43-128 unreserved characters');
  }
  const computed = createHash('sha256').update(verifier, 'ascii').digest('base64url');
  if (computed !== challenge) throw new OAuthError('invalid_grant', 'code_verifier does not match code_challenge');
}

/**
 * Rotation: every refresh token works once. A replay fails with invalid_grant and, with
 * `revokeSessionOnRefreshReuse`, also revokes the session it belongs to.
 */
async function refresh(ctx: EmulatorContext, form: URLSearchParams): Promise<TokenResponse> {
  const value = single(form, 'refresh_token');
  if (!value) throw new OAuthError('invalid_request', 'refresh_token is required');
  const record = ctx.state.refreshToken(value);
  if (!record) throw new OAuthError('invalid_grant', 'refresh token is invalid');
  if (record.used) {
    const session = ctx.state.session(record.sessionId);
    if (session && ctx.state.revokeSessionOnRefreshReuse && ctx.state.endSession(session, 'revoked')) {
      ctx.log(`token: refresh token replayed, revoked ${session.id}`);
    }
    throw new OAuthError('invalid_grant', 'refresh token was already used (refresh tokens rotate on every use)');
  }
  const session = activeSession(ctx, record.sessionId);
  record.used = true;
  ctx.state.touchSession(session);
  const tokens = await issueTokens(ctx.keys, ctx.issuer, ctx.state, session, record.scope, undefined);
  return {
    access_token: tokens.accessToken,
    token_type: 'Bearer',
    expires_in: tokens.expiresIn,
    id_token: tokens.idToken,
    scope: record.scope,
    refresh_token: ctx.state.issueRefreshToken(session.id, record.scope),
  };
}

function activeSession(ctx: EmulatorContext, sessionId: string): SessionRecord {
  const session = ctx.state.session(sessionId);
  if (!session) throw new OAuthError('invalid_grant', `session ${sessionId} does not exist`);
  if (session.status !== 'active') throw new OAuthError('invalid_grant', `session ${sessionId} is ${session.status}`);
  return session;
}

function grantsOffline(scope: string): boolean {
  return scope.split(' ').includes('offline_access');
}
