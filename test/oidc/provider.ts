import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

/**
 * A certified OpenID Provider (panva's `oidc-provider`) configured the way a
 * Scalekit environment behaves, so the generated code meets the standards and
 * not only our own emulator: Scalekit's endpoint paths, one confidential client
 * authenticating with `client_secret_post`, PKCE S256 required, rotating
 * refresh tokens, RS256 JWT access tokens whose `aud` is the client id and
 * which carry `sid`, `oid`, `roles` and `permissions`. Sign-in and consent are
 * automated through the provider's own interaction hooks.
 *
 * Scalekit's session-management API (gRPC) is not part of OpenID Connect and
 * stays on the emulator.
 */
export interface CertifiedProvider {
  url: string;
  clientId: string;
  clientSecret: string;
  /** The signed-in user's `sub`. */
  userId: string;
  organizationId: string;
  /** Creates the provider for the app at `appUrl` (callback and post-logout URLs registered for it). */
  register(appUrl: string): void;
  /** Access-token lifetime for tokens issued from now on, in whole seconds. */
  setAccessTokenTtl(seconds: number): void;
  /** false: `offline_access` is not granted, so no refresh token comes back (a dashboard misconfiguration). */
  setGrantOfflineAccess(grant: boolean): void;
  /** Rewrites the ID token of the next token responses (signed with the provider's own key). */
  setIdTokenTamper(tamper: IdTokenTamper | undefined): void;
  /** down: every connection is dropped without an answer, like an unreachable host. */
  setDown(down: boolean): void;
  /** Token-endpoint calls by grant type since the last reset. */
  tokenCalls(grantType: string): number;
  resetCounts(): void;
  /** The refresh token of the most recent token response (the app only holds it sealed). */
  lastRefreshToken(): string | undefined;
  /** The ID token of the most recent token response. */
  lastIdToken(): string | undefined;
  /** Signs claims with the provider's key (or a foreign one), for forged ID tokens. */
  sign(claims: Record<string, unknown>, options?: { foreignKey?: boolean }): Promise<string>;
  close(): Promise<void>;
}

/**
 * Gets the decoded claims of the real ID token and returns the claims to sign
 * instead, a finished token, or null to leave the ID token out of the response.
 */
export type IdTokenTamper = (
  claims: Record<string, unknown>,
  sign: CertifiedProvider['sign'],
) => Promise<string> | string | Record<string, unknown> | null;

const RESOURCE = 'urn:scalekit:environment';

export async function startCertifiedProvider(): Promise<CertifiedProvider> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid: `oidc-${randomBytes(4).toString('hex')}`, alg: 'RS256', use: 'sig' };
  const foreign = (await generateKeyPair('RS256')).privateKey;
  const signingKey = await importJWK(jwk, 'RS256');

  const clientId = `skc_${randomBytes(6).toString('hex')}`;
  const clientSecret = randomBytes(24).toString('base64url');
  const userId = `usr_${randomBytes(6).toString('hex')}`;
  const organizationId = `org_${randomBytes(6).toString('hex')}`;

  let accessTokenTtl = 300;
  let grantOfflineAccess = true;
  let tamper: IdTokenTamper | undefined;
  let down = false;
  let counts = new Map<string, number>();
  let lastRefreshToken: string | undefined;
  let lastIdToken: string | undefined;
  let handler: http.RequestListener | undefined;

  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    if (down) {
      req.socket.destroy();
      return;
    }
    if (!handler) {
      res.writeHead(503).end();
      return;
    }
    handler(req, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    if (down) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const sign: CertifiedProvider['sign'] = (claims, options = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: options.foreignKey ? 'foreign' : (jwk.kid as string) })
      .sign(options.foreignKey ? foreign : signingKey);

  function register(appUrl: string): void {
    const configuration: Configuration = {
      clients: [
        {
          client_id: clientId,
          client_secret: clientSecret,
          redirect_uris: [`${appUrl}/auth/callback`],
          post_logout_redirect_uris: [`${appUrl}/`],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_post',
        },
      ],
      clientAuthMethods: ['client_secret_post'],
      jwks: { keys: [jwk] },
      cookies: { keys: [randomBytes(16).toString('hex')] },
      // Scalekit's endpoint paths (the SDK builds these URLs itself, it reads no discovery).
      routes: {
        authorization: '/oauth/authorize',
        token: '/oauth/token',
        jwks: '/keys',
        end_session: '/oidc/logout',
        revocation: '/oauth/revoke',
      },
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
      pkce: { required: () => true, methods: ['S256'] },
      rotateRefreshToken: true,
      ttl: {
        AccessToken: () => accessTokenTtl,
        AuthorizationCode: 60,
        IdToken: 1800,
        RefreshToken: 24 * 3600,
        Grant: 24 * 3600,
        Session: 24 * 3600,
        Interaction: 600,
      },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      findAccount: (_ctx, id) => ({
        accountId: id,
        claims: () => ({ sub: id, email: 'ada@example.com', email_verified: true, name: 'Ada Lovelace' }),
      }),
      // Scalekit's access-token claims: the session id, the organization, and its roles and permissions.
      extraTokenClaims: (_ctx, token) => {
        const { sessionUid, grantId } = token as { sessionUid?: string; grantId?: string };
        return { sid: `ses_${sessionUid ?? grantId}`, oid: organizationId, roles: ['admin'], permissions: ['read', 'write'] };
      },
      features: {
        devInteractions: { enabled: false },
        userinfo: { enabled: false },
        revocation: { enabled: true },
        rpInitiatedLogout: {
          enabled: true,
          // The confirmation page the End-User would click; the test browser submits the form.
          logoutSource: (ctx, form) => {
            ctx.body = `<!DOCTYPE html><title>Sign out</title>${form}<button form="op.logoutForm" name="logout" value="yes">Sign out</button>`;
          },
          postLogoutSuccessSource: (ctx) => {
            ctx.body = '<!DOCTYPE html><title>Signed out</title><p>Signed out at the provider.</p>';
          },
        },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => RESOURCE,
          useGrantedResource: () => true,
          getResourceServerInfo: () => ({
            scope: 'openid profile email',
            audience: clientId,
            accessTokenFormat: 'jwt',
            accessTokenTTL: accessTokenTtl,
            jwt: { sign: { alg: 'RS256' } },
          }),
        },
      },
      renderError: (ctx, out) => {
        ctx.type = 'json';
        ctx.body = out;
      },
    };
    const provider = new Provider(url, configuration);
    provider.use(async (ctx, next) => {
      if (ctx.path === '/oauth/authorize') {
        const query = new URLSearchParams(ctx.querystring);
        // oidc-provider grants offline_access only with prompt=consent (OIDC Core §11);
        // Scalekit grants it when asked, so the harness asks on the app's behalf.
        if (grantOfflineAccess && query.get('scope')?.split(' ').includes('offline_access') && !query.has('prompt')) {
          query.set('prompt', 'consent');
          ctx.querystring = query.toString();
        }
      }
      if (ctx.path.startsWith('/interaction/')) {
        await interact(provider, ctx as KoaContextWithOIDC, userId);
        return;
      }
      await next();
      if (ctx.path === '/oauth/token' && ctx.method === 'POST') {
        const grantType = (ctx as KoaContextWithOIDC).oidc?.params?.grant_type;
        if (typeof grantType === 'string') counts.set(grantType, (counts.get(grantType) ?? 0) + 1);
        const body = ctx.body as { id_token?: string; refresh_token?: string } | undefined;
        if (ctx.status === 200 && body && typeof body === 'object') {
          lastRefreshToken = body.refresh_token;
          if (body.id_token && tamper) {
            const claims = JSON.parse(Buffer.from(body.id_token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
            const changed = await tamper(claims, sign);
            if (changed === null) delete body.id_token;
            else body.id_token = typeof changed === 'string' ? changed : await sign(changed);
          }
          lastIdToken = body.id_token;
        }
      }
    });
    handler = provider.callback();
  }

  return {
    url,
    clientId,
    clientSecret,
    userId,
    organizationId,
    register,
    setAccessTokenTtl: (seconds) => (accessTokenTtl = seconds),
    setGrantOfflineAccess: (grant) => (grantOfflineAccess = grant),
    setIdTokenTamper: (next) => (tamper = next),
    setDown: (next) => {
      down = next;
      if (down) for (const socket of sockets) socket.destroy();
    },
    tokenCalls: (grantType) => counts.get(grantType) ?? 0,
    resetCounts: () => (counts = new Map()),
    lastRefreshToken: () => lastRefreshToken,
    lastIdToken: () => lastIdToken,
    sign,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * The provider's interaction hook: signs the configured user in and consents
 * to everything asked, as a user clicking through would.
 */
async function interact(provider: Provider, ctx: KoaContextWithOIDC, accountId: string): Promise<void> {
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const { prompt, params, session } = details;
  let result: Parameters<Provider['interactionResult']>[2];
  if (prompt.name === 'login') {
    result = { login: { accountId } };
  } else {
    const grant = details.grantId
      ? ((await provider.Grant.find(details.grantId)) as InstanceType<Provider['Grant']>)
      : new provider.Grant({ accountId: session?.accountId ?? accountId, clientId: params.client_id as string });
    const missing = prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(resource, scopes.join(' '));
    }
    result = { consent: { grantId: await grant.save() } };
  }
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
  ctx.status = 303;
  ctx.redirect(returnTo);
}
