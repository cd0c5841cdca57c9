import type { EmulatorContext } from './context.js';
import { newId } from './ids.js';
import type { DualProtocolServer } from './server.js';
import { completeUser } from './state.js';
import type { SessionRecord } from './state.js';
import { accessTokenClaims, issueTokens } from './tokens.js';
import type { EmulatorControls, EmulatorUser, IssuedSession, OutageEndpoint, SessionSnapshot } from './types.js';

const OUTAGE_ENDPOINTS: readonly OutageEndpoint[] = ['token', 'keys', 'authorize', 'discovery', 'logout', 'sessions', 'all'];

function assertTtl(name: string, seconds: number): void {
  if (!Number.isInteger(seconds) || seconds <= 0) {
    throw new RangeError(`${name} must be a positive whole number of seconds, got ${seconds}`);
  }
}

/** The programmatic test API; every change applies to requests that arrive after it. */
export function createControls(ctx: EmulatorContext, server: DualProtocolServer): EmulatorControls {
  const { state, keys } = ctx;
  return {
    setAccessTokenTtl(seconds) {
      assertTtl('access token TTL', seconds);
      state.accessTokenTtlSeconds = seconds;
    },
    setIdTokenTtl(seconds) {
      assertTtl('ID token TTL', seconds);
      state.idTokenTtlSeconds = seconds;
    },
    async rotateSigningKey(options = {}) {
      const kid = await keys.rotate(options.keepOld ?? false);
      ctx.log(`keys: rotated to ${kid}${options.keepOld ? ' (old key still published)' : ''}`);
      return { kid };
    },
    currentKeyId: () => keys.kid,

    revokeSession(sessionId) {
      const session = state.session(sessionId);
      if (!session) return false;
      state.endSession(session, 'revoked');
      return true;
    },
    revokeAllSessions(userId) {
      return state
        .allSessions()
        .filter((s) => (userId === undefined || s.user.id === userId) && state.endSession(s, 'revoked')).length;
    },
    expireSession(sessionId) {
      const session = state.session(sessionId);
      if (!session) return false;
      state.endSession(session, 'expired');
      return true;
    },
    sessions: () => state.allSessions().map(snapshotSession),

    async createSession(options = {}): Promise<IssuedSession> {
      const session = state.createSession({
        user: options.user ? completeUser({ ...state.user, ...options.user }) : state.user,
        organizationId: options.organizationId ?? state.organizationId,
        userAgent: 'scalekit-emulator/controls',
        ip: '127.0.0.1',
      });
      const scope = (options.scopes ?? ['openid', 'profile', 'email', 'offline_access']).join(' ');
      const tokens = await issueTokens(keys, ctx.issuer, state, session, scope, undefined);
      const offline = scope.split(' ').includes('offline_access');
      return {
        sessionId: session.id,
        accessToken: tokens.accessToken,
        idToken: tokens.idToken,
        expiresIn: tokens.expiresIn,
        ...(offline && { refreshToken: state.issueRefreshToken(session.id, scope) }),
      };
    },

    setUser(user): EmulatorUser {
      state.user = completeUser(user);
      return { ...state.user };
    },
    setOrganization(organizationId) {
      state.organizationId = organizationId;
    },
    setRoles(roles) {
      state.roles = [...roles];
    },
    setSessionRoles(sessionId, roles) {
      const session = state.session(sessionId);
      if (!session) return false;
      session.roles = [...roles];
      return true;
    },
    setPermissions(permissions) {
      state.permissions = [...permissions];
    },

    setOutage(endpoint, mode, options = {}) {
      if (!OUTAGE_ENDPOINTS.includes(endpoint)) {
        throw new RangeError(`unknown outage endpoint ${String(endpoint)}; use one of ${OUTAGE_ENDPOINTS.join(', ')}`);
      }
      if (mode === null || mode === 'none') {
        state.setOutage(endpoint, undefined);
        return;
      }
      if (options.status !== undefined && (options.status < 500 || options.status > 599)) {
        throw new RangeError(`outage status must be 500-599, got ${options.status}`);
      }
      state.setOutage(endpoint, { mode, ...(options.status !== undefined && { status: options.status }) });
    },
    clearOutages: () => state.clearOutages(),
    stopListening: () => server.stopListening(),
    startListening: () => server.startListening(),

    counts: () => state.counts(),
    resetCounts: () => state.resetCounts(),
    logoutCalls: () => state.logoutCalls.map((call) => ({ ...call, at: new Date(call.at) })),

    async mintAccessToken(claims = {}, options = {}) {
      const ttl = options.ttlSeconds ?? state.accessTokenTtlSeconds;
      let subject: Parameters<typeof accessTokenClaims>[2];
      if (options.sessionId !== undefined) {
        const session = state.session(options.sessionId);
        if (!session) throw new RangeError(`mintAccessToken: no session ${options.sessionId}`);
        subject = session;
      } else {
        // A token for a session the emulator never created: fine for signature and claim checks.
        const { user, organizationId, roles, permissions } = state;
        subject = { id: newId('ses'), user, organizationId, roles, permissions };
      }
      const base = accessTokenClaims(ctx.issuer, state, subject, 'openid profile email', ttl);
      // With a negative TTL the token is already expired; keep iat/nbf before exp.
      if (ttl <= 0 && typeof base.exp === 'number') {
        base.iat = base.exp - 60;
        base.nbf = base.iat;
      }
      return keys.sign({ ...base, ...claims });
    },
  };
}

function snapshotSession(session: SessionRecord): SessionSnapshot {
  const copy = (date: Date | undefined): Date | undefined => (date ? new Date(date) : undefined);
  return {
    sessionId: session.id,
    userId: session.user.id,
    organizationId: session.organizationId,
    clientId: session.clientId,
    status: session.status,
    user: { ...session.user },
    createdAt: new Date(session.createdAt),
    updatedAt: new Date(session.updatedAt),
    lastActiveAt: new Date(session.lastActiveAt),
    idleExpiresAt: new Date(session.idleExpiresAt),
    absoluteExpiresAt: new Date(session.absoluteExpiresAt),
    ...(session.expiredAt && { expiredAt: copy(session.expiredAt) }),
    ...(session.logoutAt && { logoutAt: copy(session.logoutAt) }),
    ...(session.revokedAt && { revokedAt: copy(session.revokedAt) }),
    userAgent: session.userAgent,
    ip: session.ip,
  };
}
