import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';

import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError } from '@connectrpc/connect';
import type { HandlerContext, ServiceImpl } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
// The SDK ships the generated descriptors; serving the very same ones keeps the wire format in
// step with the client. It is a CommonJS package without an exports map, so a deep import works.
import {
  SessionService,
  type RevokedSessionDetailsSchema,
  type SessionDetailsSchema,
} from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/sessions/sessions_pb.js';

import type { EmulatorContext } from './context.js';
import { describeUserAgent } from './device.js';
import { OUTAGE_BODY } from './outages.js';
import type { SessionRecord } from './state.js';
import { isClientToken } from './tokens.js';
import type { SessionStatus, SessionsMethod } from './types.js';

const SERVICE_PREFIX = `/${SessionService.typeName}/`;
const STATUSES: readonly SessionStatus[] = ['active', 'expired', 'revoked', 'logout'];
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 100;

type SessionDetailsInit = MessageInitShape<typeof SessionDetailsSchema>;
type RevokedSessionInit = MessageInitShape<typeof RevokedSessionDetailsSchema>;

/**
 * The HTTP/2 side: `scalekit.v1.sessions.SessionService` over gRPC. Outages are played here,
 * before Connect sees the request, because they have to act on the raw stream.
 */
export function createGrpcHandler(ctx: EmulatorContext) {
  const adapter = connectNodeAdapter({
    routes: (router) => router.service(SessionService, sessionServiceImpl(ctx)),
  });
  return (req: Http2ServerRequest, res: Http2ServerResponse): void => {
    const method = methodOf(req.url);
    const outage = method ? ctx.state.outageFor('sessions') : undefined;
    if (!method || !outage) {
      adapter(req, res);
      return;
    }
    ctx.state.count(`sessions.${method}`);
    ctx.log(`gRPC ${method}: outage (${outage.mode})`);
    switch (outage.mode) {
      case 'refuse':
        // Drop the whole HTTP/2 connection, as a crashed or unreachable backend would.
        req.stream.session?.destroy();
        return;
      case 'hang':
        // Unanswered until the client gives up (its deadline) or close() drops the connection.
        return;
      case '5xx': {
        const body = JSON.stringify(OUTAGE_BODY);
        res.writeHead(outage.status ?? 500, { 'content-type': 'application/json' });
        res.end(body);
        return;
      }
    }
  };
}

function methodOf(path: string): SessionsMethod | undefined {
  if (!path.startsWith(SERVICE_PREFIX)) return undefined;
  const name = path.slice(SERVICE_PREFIX.length);
  const known: readonly SessionsMethod[] = ['GetSession', 'GetUserSessions', 'RevokeSession', 'RevokeAllUserSessions'];
  return known.find((method) => method === name);
}

function sessionServiceImpl(ctx: EmulatorContext): ServiceImpl<typeof SessionService> {
  const { state } = ctx;

  /** Like the real service: no valid management token, no answer; the SDK then fetches one. */
  async function authorize(method: SessionsMethod, handler: HandlerContext): Promise<void> {
    if (!(await isClientToken(ctx.keys, ctx.issuer, state, handler.requestHeader.get('authorization') ?? undefined))) {
      state.count('sessions.unauthenticated');
      ctx.log(`gRPC ${method}: unauthenticated`);
      throw new ConnectError('a valid client_credentials access token is required', Code.Unauthenticated);
    }
    state.count(`sessions.${method}`);
    ctx.log(`gRPC ${method}`);
  }

  function findSession(sessionId: string): SessionRecord {
    if (!sessionId) throw new ConnectError('session_id is required', Code.InvalidArgument);
    const session = state.session(sessionId);
    if (!session) throw new ConnectError(`session ${sessionId} not found`, Code.NotFound);
    return session;
  }

  return {
    async getSession(req, handler) {
      await authorize('GetSession', handler);
      return sessionDetails(findSession(req.sessionId));
    },

    async getUserSessions(req, handler) {
      await authorize('GetUserSessions', handler);
      if (!req.userId) throw new ConnectError('user_id is required', Code.InvalidArgument);
      const statuses = req.filter?.status ?? [];
      const unknown = statuses.find((status) => !STATUSES.includes(status as SessionStatus));
      if (unknown !== undefined) {
        throw new ConnectError(`status ${unknown} is not one of ${STATUSES.join(', ')}`, Code.InvalidArgument);
      }
      const start = req.filter?.startTime ? timestampDate(req.filter.startTime) : undefined;
      const end = req.filter?.endTime ? timestampDate(req.filter.endTime) : undefined;
      const matching = state
        .allSessions()
        .filter((s) => s.user.id === req.userId)
        .filter((s) => statuses.length === 0 || statuses.includes(s.status))
        .filter((s) => (!start || s.createdAt >= start) && (!end || s.createdAt < end))
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || a.id.localeCompare(b.id));

      const offset = decodePageToken(req.pageToken);
      const size = Math.min(req.pageSize || DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
      const page = matching.slice(offset, offset + size);
      const next = offset + size < matching.length ? encodePageToken(offset + size) : '';
      const prev = offset > 0 ? encodePageToken(Math.max(0, offset - size)) : '';
      return {
        sessions: page.map(sessionDetails),
        nextPageToken: next,
        prevPageToken: prev,
        totalSize: matching.length,
      };
    },

    async revokeSession(req, handler) {
      await authorize('RevokeSession', handler);
      const session = findSession(req.sessionId);
      state.endSession(session, 'revoked');
      return { revokedSession: revokedDetails(session) };
    },

    async revokeAllUserSessions(req, handler) {
      await authorize('RevokeAllUserSessions', handler);
      if (!req.userId) throw new ConnectError('user_id is required', Code.InvalidArgument);
      const revoked = state
        .allSessions()
        .filter((s) => s.user.id === req.userId && state.endSession(s, 'revoked'));
      return { revokedSessions: revoked.map(revokedDetails), totalRevoked: revoked.length };
    },
  };
}

// Page tokens are opaque to clients; an offset is enough for an in-memory list.
function encodePageToken(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}

function decodePageToken(token: string): number {
  if (!token) return 0;
  const match = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match?.[1]) throw new ConnectError('page_token is invalid', Code.InvalidArgument);
  return Number(match[1]);
}

const timestamp = (date: Date | undefined) => (date ? timestampFromDate(date) : undefined);

/** When the session stopped being usable, for any reason other than logout. */
function endedAt(session: SessionRecord): Date | undefined {
  return session.expiredAt ?? session.revokedAt;
}

function sessionDetails(session: SessionRecord): SessionDetailsInit {
  const device = describeUserAgent(session.userAgent);
  return {
    sessionId: session.id,
    userId: session.user.id,
    organizationId: session.organizationId,
    authenticatedOrganizations: [session.organizationId],
    status: session.status,
    createdAt: timestampFromDate(session.createdAt),
    updatedAt: timestampFromDate(session.updatedAt),
    lastActiveAt: timestampFromDate(session.lastActiveAt),
    idleExpiresAt: timestampFromDate(session.idleExpiresAt),
    absoluteExpiresAt: timestampFromDate(session.absoluteExpiresAt),
    expiredAt: timestamp(endedAt(session)),
    logoutAt: timestamp(session.logoutAt),
    device: {
      userAgent: session.userAgent,
      ip: session.ip,
      ...device,
      location: { region: 'Local', regionSubdivision: '', city: 'Loopback', latitude: '', longitude: '' },
    },
    authenticatedClients: [{ clientId: session.clientId, organizationId: session.organizationId }],
  };
}

function revokedDetails(session: SessionRecord): RevokedSessionInit {
  return {
    sessionId: session.id,
    userId: session.user.id,
    status: session.status,
    createdAt: timestampFromDate(session.createdAt),
    updatedAt: timestampFromDate(session.updatedAt),
    lastActiveAt: timestampFromDate(session.lastActiveAt),
    idleExpiresAt: timestampFromDate(session.idleExpiresAt),
    absoluteExpiresAt: timestampFromDate(session.absoluteExpiresAt),
    expiredAt: timestamp(endedAt(session)),
    logoutAt: timestamp(session.logoutAt),
  };
}
