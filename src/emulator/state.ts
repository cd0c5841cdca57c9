import { newId, newSecret } from './ids.js';
import type {
  CounterName,
  EmulatorCounts,
  EmulatorOptions,
  EmulatorUser,
  LogoutCall,
  OutageEndpoint,
  OutageMode,
  SessionStatus,
} from './types.js';

/** A session as stored; `status` is re-derived from the clock on every read. */
export interface SessionRecord {
  id: string;
  user: EmulatorUser;
  organizationId: string;
  clientId: string;
  roles: string[];
  permissions: string[];
  status: SessionStatus;
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

export interface AuthorizationCode {
  sessionId: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  nonce?: string;
  codeChallenge?: string;
  expiresAt: number;
  used: boolean;
}

export interface RefreshTokenRecord {
  sessionId: string;
  scope: string;
  used: boolean;
}

export interface Outage {
  mode: OutageMode;
  status?: number;
}

/** Authorization codes live ten minutes (the upper bound RFC 6749 §4.1.2 recommends). */
const CODE_TTL_MS = 10 * 60 * 1000;

const COUNTER_NAMES: readonly CounterName[] = [
  'discovery',
  'keys',
  'authorize',
  'token.authorization_code',
  'token.refresh_token',
  'token.client_credentials',
  'token.other',
  'logout',
  'sessions.GetSession',
  'sessions.GetUserSessions',
  'sessions.RevokeSession',
  'sessions.RevokeAllUserSessions',
  'sessions.unauthenticated',
];

function zeroCounts(): EmulatorCounts {
  const counts = {} as EmulatorCounts;
  for (const name of COUNTER_NAMES) counts[name] = 0;
  return counts;
}

export function completeUser(user: Partial<EmulatorUser> = {}): EmulatorUser {
  const givenName = user.givenName ?? 'Ada';
  const familyName = user.familyName ?? 'Lovelace';
  return {
    id: user.id ?? newId('usr'),
    email: user.email ?? 'ada@example.com',
    givenName,
    familyName,
    name: user.name ?? `${givenName} ${familyName}`,
  };
}

/** Everything the emulator remembers; plain data, no I/O. */
export class EmulatorState {
  readonly clientId: string;
  readonly clientSecret: string;
  user: EmulatorUser;
  organizationId: string;
  roles: string[];
  permissions: string[];
  accessTokenTtlSeconds: number;
  idTokenTtlSeconds: number;
  readonly sessionIdleTtlSeconds: number;
  readonly sessionAbsoluteTtlSeconds: number;
  readonly redirectUris: readonly string[] | undefined;
  readonly postLogoutRedirectUris: readonly string[] | undefined;
  readonly revokeSessionOnRefreshReuse: boolean;

  private readonly sessionsById = new Map<string, SessionRecord>();
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  private readonly outages = new Map<OutageEndpoint, Outage>();
  private counters = zeroCounts();
  readonly logoutCalls: LogoutCall[] = [];

  constructor(options: EmulatorOptions) {
    this.clientId = options.clientId ?? newId('skc');
    this.clientSecret = options.clientSecret ?? `test_${newSecret(24)}`;
    this.user = completeUser(options.user);
    this.organizationId = options.organizationId ?? newId('org');
    this.roles = options.roles ?? ['member'];
    this.permissions = options.permissions ?? [];
    this.accessTokenTtlSeconds = options.accessTokenTtlSeconds ?? 300;
    this.idTokenTtlSeconds = options.idTokenTtlSeconds ?? 1800;
    this.sessionIdleTtlSeconds = options.sessionIdleTtlSeconds ?? 86_400;
    this.sessionAbsoluteTtlSeconds = options.sessionAbsoluteTtlSeconds ?? 604_800;
    this.redirectUris = options.redirectUris;
    this.postLogoutRedirectUris = options.postLogoutRedirectUris;
    this.revokeSessionOnRefreshReuse = options.revokeSessionOnRefreshReuse ?? false;
  }

  // --- sessions -------------------------------------------------------------

  createSession(input: { user: EmulatorUser; organizationId: string; userAgent: string; ip: string }): SessionRecord {
    const now = new Date();
    const session: SessionRecord = {
      id: newId('ses'),
      user: input.user,
      organizationId: input.organizationId,
      clientId: this.clientId,
      roles: [...this.roles],
      permissions: [...this.permissions],
      status: 'active',
      createdAt: now,
      updatedAt: now,
      lastActiveAt: now,
      idleExpiresAt: new Date(now.getTime() + this.sessionIdleTtlSeconds * 1000),
      absoluteExpiresAt: new Date(now.getTime() + this.sessionAbsoluteTtlSeconds * 1000),
      userAgent: input.userAgent,
      ip: input.ip,
    };
    this.sessionsById.set(session.id, session);
    return session;
  }

  /** Looks a session up, first moving it to `expired` if a timeout has passed. */
  session(id: string): SessionRecord | undefined {
    const session = this.sessionsById.get(id);
    if (session) this.applyTimeouts(session);
    return session;
  }

  allSessions(): SessionRecord[] {
    const all = [...this.sessionsById.values()];
    for (const session of all) this.applyTimeouts(session);
    return all;
  }

  /** Ends an active session; sessions already ended keep their first end state. */
  endSession(session: SessionRecord, status: Exclude<SessionStatus, 'active'>): boolean {
    this.applyTimeouts(session);
    if (session.status !== 'active') return false;
    const now = new Date();
    session.status = status;
    session.updatedAt = now;
    if (status === 'revoked') session.revokedAt = now;
    if (status === 'logout') session.logoutAt = now;
    if (status === 'expired') session.expiredAt = now;
    return true;
  }

  /** Records activity (a refresh), which pushes the idle timeout out. */
  touchSession(session: SessionRecord): void {
    const now = new Date();
    session.lastActiveAt = now;
    session.updatedAt = now;
    const idle = now.getTime() + this.sessionIdleTtlSeconds * 1000;
    session.idleExpiresAt = new Date(Math.min(idle, session.absoluteExpiresAt.getTime()));
  }

  private applyTimeouts(session: SessionRecord): void {
    if (session.status !== 'active') return;
    const now = Date.now();
    const limit = Math.min(session.idleExpiresAt.getTime(), session.absoluteExpiresAt.getTime());
    if (now >= limit) {
      session.status = 'expired';
      session.expiredAt = new Date(limit);
      session.updatedAt = session.expiredAt;
    }
  }

  // --- codes and refresh tokens ----------------------------------------------

  issueCode(code: Omit<AuthorizationCode, 'expiresAt' | 'used'>): string {
    const value = newSecret();
    this.codes.set(value, { ...code, expiresAt: Date.now() + CODE_TTL_MS, used: false });
    return value;
  }

  code(value: string): AuthorizationCode | undefined {
    return this.codes.get(value);
  }

  issueRefreshToken(sessionId: string, scope: string): string {
    const value = `rt_${newSecret()}`;
    this.refreshTokens.set(value, { sessionId, scope, used: false });
    return value;
  }

  refreshToken(value: string): RefreshTokenRecord | undefined {
    return this.refreshTokens.get(value);
  }

  // --- outages and counters ---------------------------------------------------

  setOutage(endpoint: OutageEndpoint, outage: Outage | undefined): void {
    if (outage) this.outages.set(endpoint, outage);
    else this.outages.delete(endpoint);
  }

  clearOutages(): void {
    this.outages.clear();
  }

  /** The outage for an endpoint; a specific one wins over `all`. */
  outageFor(endpoint: Exclude<OutageEndpoint, 'all'>): Outage | undefined {
    return this.outages.get(endpoint) ?? this.outages.get('all');
  }

  count(name: CounterName): void {
    this.counters[name] += 1;
  }

  counts(): EmulatorCounts {
    return { ...this.counters };
  }

  resetCounts(): void {
    this.counters = zeroCounts();
  }
}
