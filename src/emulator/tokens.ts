import { createHash } from 'node:crypto';

import { SignJWT, compactVerify, createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import type { CryptoKey, JSONWebKeySet, JWK, JWTPayload } from 'jose';

import { newSecret } from './ids.js';
import type { EmulatorState, SessionRecord } from './state.js';

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const publicJwk = await exportJWK(publicKey);
  const kid = `snk_${newSecret(12)}`;
  return { kid, privateKey, publicJwk: { ...publicJwk, kid, alg: 'RS256', use: 'sig' } };
}

/** RS256 keys: one current signing key plus, after a `keepOld` rotation, retired public keys. */
export class KeyRing {
  private constructor(
    private current: SigningKey,
    private retired: JWK[] = [],
  ) {}

  static async create(): Promise<KeyRing> {
    return new KeyRing(await generateSigningKey());
  }

  get kid(): string {
    return this.current.kid;
  }

  async rotate(keepOld: boolean): Promise<string> {
    const next = await generateSigningKey();
    this.retired = keepOld ? [this.current.publicJwk, ...this.retired] : [];
    this.current = next;
    return next.kid;
  }

  jwks(): JSONWebKeySet {
    return { keys: [this.current.publicJwk, ...this.retired] };
  }

  sign(payload: JWTPayload, typ = 'JWT'): Promise<string> {
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', kid: this.current.kid, typ })
      .sign(this.current.privateKey);
  }

  /** Verifies signature, issuer and lifetime against the keys `/keys` currently publishes. */
  async verify(token: string, issuer: string): Promise<JWTPayload> {
    const { payload } = await jwtVerify(token, createLocalJWKSet(this.jwks()), {
      issuer,
      algorithms: ['RS256'],
    });
    return payload;
  }

  /** Verifies signature and issuer only: an expired ID token is still a valid logout hint. */
  async verifyIgnoringExpiry(token: string, issuer: string): Promise<JWTPayload> {
    const { payload } = await compactVerify(token, createLocalJWKSet(this.jwks()), {
      algorithms: ['RS256'],
    });
    const claims: unknown = JSON.parse(Buffer.from(payload).toString('utf8'));
    if (typeof claims !== 'object' || claims === null || (claims as JWTPayload).iss !== issuer) {
      throw new Error(`token issuer is not ${issuer}`);
    }
    return claims as JWTPayload;
  }
}

/** OIDC Core §3.1.3.6: base64url of the left half of SHA-256 over the access token. */
export function atHash(accessToken: string): string {
  const digest = createHash('sha256').update(accessToken, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** The claims Scalekit puts in a user access token, before overrides. */
export function accessTokenClaims(
  issuer: string,
  state: EmulatorState,
  session: Pick<SessionRecord, 'id' | 'user' | 'organizationId' | 'roles' | 'permissions'>,
  scope: string,
  ttlSeconds: number,
): JWTPayload {
  const iat = nowSeconds();
  return {
    iss: issuer,
    aud: [state.clientId],
    sub: session.user.id,
    oid: session.organizationId,
    sid: session.id,
    iat,
    nbf: iat,
    exp: iat + ttlSeconds,
    jti: `tkn_${newSecret(16)}`,
    client_id: state.clientId,
    roles: [...session.roles],
    permissions: [...session.permissions],
    scope,
  };
}

export interface TokenSet {
  accessToken: string;
  idToken: string;
  expiresIn: number;
}

/** Signs the access and ID token pair for a session. */
export async function issueTokens(
  keys: KeyRing,
  issuer: string,
  state: EmulatorState,
  session: SessionRecord,
  scope: string,
  nonce: string | undefined,
): Promise<TokenSet> {
  const expiresIn = state.accessTokenTtlSeconds;
  const accessToken = await keys.sign(accessTokenClaims(issuer, state, session, scope, expiresIn));
  const iat = nowSeconds();
  const idToken = await keys.sign({
    iss: issuer,
    aud: [state.clientId],
    azp: state.clientId,
    sub: session.user.id,
    oid: session.organizationId,
    sid: session.id,
    iat,
    exp: iat + state.idTokenTtlSeconds,
    auth_time: Math.floor(session.createdAt.getTime() / 1000),
    email: session.user.email,
    email_verified: true,
    name: session.user.name,
    given_name: session.user.givenName,
    family_name: session.user.familyName,
    amr: ['pwd'],
    at_hash: atHash(accessToken),
    ...(nonce && { nonce }),
  });
  return { accessToken, idToken, expiresIn };
}

/** Machine-to-machine tokens (client_credentials) live an hour, like Scalekit's. */
export const CLIENT_TOKEN_TTL_SECONDS = 3600;

export function issueClientToken(keys: KeyRing, issuer: string, state: EmulatorState): Promise<string> {
  const iat = nowSeconds();
  return keys.sign({
    iss: issuer,
    aud: [state.clientId],
    sub: state.clientId,
    client_id: state.clientId,
    iat,
    nbf: iat,
    exp: iat + CLIENT_TOKEN_TTL_SECONDS,
    jti: `tkn_${newSecret(16)}`,
  });
}

/**
 * True for a current, correctly signed client_credentials token of this client. User access
 * tokens are refused: the management API wants the environment's own credentials.
 */
export async function isClientToken(
  keys: KeyRing,
  issuer: string,
  state: EmulatorState,
  authorization: string | undefined,
): Promise<boolean> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  const token = match?.[1];
  if (!token) return false;
  try {
    const claims = await keys.verify(token, issuer);
    return claims.sub === state.clientId && claims.client_id === state.clientId;
  } catch {
    return false;
  }
}

/** Reads `sid` from an ID token hint; unverifiable hints name no session. */
export async function sessionIdFromHint(keys: KeyRing, issuer: string, hint: string): Promise<string | undefined> {
  try {
    const claims = await keys.verifyIgnoringExpiry(hint, issuer);
    return typeof claims.sid === 'string' ? claims.sid : undefined;
  } catch {
    return undefined;
  }
}
