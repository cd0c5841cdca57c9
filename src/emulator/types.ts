/** Public types of the local Scalekit emulator. */

/** The user the emulator signs in at `/oauth/authorize`. */
export interface EmulatorUser {
  /** Scalekit user id, `usr_...`. */
  id: string;
  email: string;
  givenName: string;
  familyName: string;
  name: string;
}

/** Receives one human-readable line per handled request. */
export type EmulatorLogger = (line: string) => void;

export interface EmulatorOptions {
  /** Loopback port; 0 (the default) picks a free one. */
  port?: number;
  /** Defaults to a random `skc_...` id. */
  clientId?: string;
  /** Defaults to a random secret. */
  clientSecret?: string;
  /** The signed-in user; missing fields get defaults. */
  user?: Partial<EmulatorUser>;
  /** `org_...`; defaults to a random id. */
  organizationId?: string;
  roles?: string[];
  permissions?: string[];
  /** Access token lifetime, default 300 s. */
  accessTokenTtlSeconds?: number;
  /** ID token lifetime, default 1800 s. */
  idTokenTtlSeconds?: number;
  /** Session idle timeout (refreshes extend it), default 86400 s. */
  sessionIdleTtlSeconds?: number;
  /** Session absolute timeout, default 604800 s (7 days). */
  sessionAbsoluteTtlSeconds?: number;
  /**
   * When set, `/oauth/authorize` and the token exchange accept only these redirect URIs
   * (like the allow-list in the Scalekit dashboard). Default: any URI.
   */
  redirectUris?: string[];
  /** When set, `/oidc/logout` redirects only to these URIs. Default: any URI. */
  postLogoutRedirectUris?: string[];
  /**
   * Replaying a rotated refresh token always fails with `invalid_grant`. With this on, the
   * replay also revokes the whole session (OAuth 2.0 Security BCP §4.14 reuse detection).
   * Default false: only the replayed request fails, so concurrent refreshes lose one request,
   * not the session.
   */
  revokeSessionOnRefreshReuse?: boolean;
  logger?: EmulatorLogger;
}

export type SessionStatus = 'active' | 'expired' | 'revoked' | 'logout';

/** A read-only copy of one session in the emulator's state. */
export interface SessionSnapshot {
  sessionId: string;
  userId: string;
  organizationId: string;
  clientId: string;
  status: SessionStatus;
  user: EmulatorUser;
  createdAt: Date;
  updatedAt: Date;
  lastActiveAt: Date;
  idleExpiresAt: Date;
  absoluteExpiresAt: Date;
  expiredAt?: Date;
  logoutAt?: Date;
  revokedAt?: Date;
  userAgent: string;
  ip: string;
}

export type OutageEndpoint =
  | 'token'
  | 'keys'
  | 'authorize'
  | 'discovery'
  | 'logout'
  | 'sessions'
  | 'all';

/**
 * - `refuse`: reset the TCP connection without a response (the client sees ECONNRESET).
 *   For ECONNREFUSED use `controls.stopListening()`.
 * - `hang`: accept the request and never answer (released by `close()` or the client giving up).
 * - `5xx`: answer with an error status and a JSON body.
 */
export type OutageMode = 'refuse' | 'hang' | '5xx';

export interface OutageOptions {
  /**
   * Status for `5xx`. Default 503 on HTTP endpoints and 500 on `sessions`: the SDK maps a
   * gRPC 503 to `Unavailable` and retries it three times with 1-8 s backoff, which is rarely
   * what a test wants. Pass 503 to exercise that retry.
   */
  status?: number;
}

export type SessionsMethod =
  | 'GetSession'
  | 'GetUserSessions'
  | 'RevokeSession'
  | 'RevokeAllUserSessions';

/**
 * Request counters. Every request that reaches an endpoint counts, including ones that
 * failed or met an outage. The SDK's first gRPC attempt without credentials (which it
 * retries after fetching a token) counts as `sessions.unauthenticated`, not under its method.
 */
export type CounterName =
  | 'discovery'
  | 'keys'
  | 'authorize'
  | 'token.authorization_code'
  | 'token.refresh_token'
  | 'token.client_credentials'
  | 'token.other'
  | 'logout'
  | `sessions.${SessionsMethod}`
  | 'sessions.unauthenticated';

export type EmulatorCounts = Record<CounterName, number>;

/** The query parameters of one `/oidc/logout` call. */
export interface LogoutCall {
  clientId?: string;
  idTokenHint?: string;
  postLogoutRedirectUri?: string;
  state?: string;
  /** The session the hint named, when it could be read. */
  sessionId?: string;
  at: Date;
}

/** Tokens for a session made by `controls.createSession()`. */
export interface IssuedSession {
  sessionId: string;
  accessToken: string;
  idToken: string;
  /** Present when `offline_access` is among the scopes (it is by default here). */
  refreshToken?: string;
  expiresIn: number;
}

export interface CreateSessionOptions {
  user?: Partial<EmulatorUser>;
  organizationId?: string;
  /** Default `openid profile email offline_access`. */
  scopes?: string[];
}

export interface MintOptions {
  /** Lifetime from now; zero or negative gives an already expired token. */
  ttlSeconds?: number;
  /** Take `sub`, `oid`, `sid`, roles and permissions from this session instead of the current user. */
  sessionId?: string;
}

/** Test controls; every change applies to requests that arrive after it. */
export interface EmulatorControls {
  setAccessTokenTtl(seconds: number): void;
  setIdTokenTtl(seconds: number): void;
  /** Makes a new signing key current. The old key stays in `/keys` only with `keepOld`. */
  rotateSigningKey(options?: { keepOld?: boolean }): Promise<{ kid: string }>;
  /** The `kid` of the key that signs new tokens. */
  currentKeyId(): string;
  /** Marks a session revoked. Returns false when it does not exist. */
  revokeSession(sessionId: string): boolean;
  /** Revokes every active session, or those of one user. Returns how many it revoked. */
  revokeAllSessions(userId?: string): number;
  /** Marks a session expired, as if its idle timeout had passed. */
  expireSession(sessionId: string): boolean;
  sessions(): SessionSnapshot[];
  /** Signs in a user without the browser round trip. */
  createSession(options?: CreateSessionOptions): Promise<IssuedSession>;
  /** The user the next sign-in gets; missing fields get defaults. */
  setUser(user: Partial<EmulatorUser>): EmulatorUser;
  setOrganization(organizationId: string): void;
  setRoles(roles: string[]): void;
  /**
   * Changes the roles of an existing session: the next token it is issued
   * (at refresh) carries them. Large lists make tokens that need several
   * cookie chunks. Returns false for an unknown session.
   */
  setSessionRoles(sessionId: string, roles: string[]): boolean;
  setPermissions(permissions: string[]): void;
  /** `null` or `'none'` clears the outage of that endpoint. */
  setOutage(endpoint: OutageEndpoint, mode: OutageMode | 'none' | null, options?: OutageOptions): void;
  clearOutages(): void;
  /** Closes the listener and every connection: new requests fail with ECONNREFUSED. */
  stopListening(): Promise<void>;
  /** Listens again on the same port. */
  startListening(): Promise<void>;
  counts(): EmulatorCounts;
  resetCounts(): void;
  logoutCalls(): LogoutCall[];
  /**
   * Signs an access token with the current key. Defaults match what the token endpoint
   * issues for the current user; `claims` override them (e.g. `{ aud: ['other'] }`).
   */
  mintAccessToken(claims?: Record<string, unknown>, options?: MintOptions): Promise<string>;
}

export interface Emulator {
  /** `http://127.0.0.1:PORT`: the `SCALEKIT_ENVIRONMENT_URL` and the token issuer. */
  url: string;
  port: number;
  clientId: string;
  clientSecret: string;
  controls: EmulatorControls;
  /** Stops listening, drops every connection (hung ones too) and resolves when done. */
  close(): Promise<void>;
}
