import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { ScalekitNotFoundException } from '@scalekit-sdk/node';
import { SessionService } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/sessions/sessions_pb.js';
import type { ScalekitClient } from '@scalekit-sdk/node';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startEmulator } from '../../src/emulator/index.js';
import type { Emulator } from '../../src/emulator/index.js';
import { rejectionOf, sdkFor, signIn } from './helpers.js';

let emulator: Emulator;
let client: ScalekitClient;

beforeAll(async () => {
  emulator = await startEmulator({ user: { id: 'usr_1' }, organizationId: 'org_1' });
  client = sdkFor(emulator);
});

afterAll(() => emulator.close());

async function sessionIdOf(tokens: { accessToken: string }): Promise<string> {
  return String(decodeJwt(tokens.accessToken).sid);
}

describe('SessionService over gRPC (h2c on the same port)', () => {
  it('makes the SDK authenticate with client_credentials first, then answers GetSession', async () => {
    const sid = await sessionIdOf(await signIn(client));
    emulator.controls.resetCounts();

    const session = await client.session.getSession(sid);
    expect(session).toMatchObject({ sessionId: sid, userId: 'usr_1', organizationId: 'org_1', status: 'active', authenticatedOrganizations: ['org_1'] });
    expect(session.device).toMatchObject({ ip: '127.0.0.1', deviceType: 'desktop' });
    expect(session.device?.userAgent).not.toBe('');
    expect(session.createdAt?.seconds).toBeGreaterThan(0n);
    expect(session.absoluteExpiresAt?.seconds).toBe((session.createdAt?.seconds ?? 0n) + 604_800n);
    // First call: no token, Unauthenticated, token fetch, retry. Second call reuses the token.
    await client.session.getSession(sid);
    expect(emulator.controls.counts()).toMatchObject({
      'sessions.unauthenticated': 1,
      'token.client_credentials': 1,
      'sessions.GetSession': 2,
    });
  });

  it('reports NotFound for an unknown session', async () => {
    const error = await rejectionOf(client.session.getSession('ses_404'));
    expect(error).toBeInstanceOf(ScalekitNotFoundException);
    expect(error.message).toContain('session ses_404 not found');
    await expect(client.session.revokeSession('ses_404')).rejects.toBeInstanceOf(ScalekitNotFoundException);
  });

  it('lists, filters, revokes one and revokes all', async () => {
    // A user of its own, so sessions from other tests do not show up in the list.
    emulator.controls.setUser({ id: 'usr_9' });
    emulator.controls.resetCounts();
    try {
      const ids = [];
      for (let i = 0; i < 3; i += 1) ids.push(await sessionIdOf(await signIn(client)));

      const all = await client.session.getUserSessions('usr_9');
      expect(all.totalSize).toBe(3);
      expect(all.sessions.map((s) => s.sessionId).sort()).toEqual([...ids].sort());

      const revoked = await client.session.revokeSession(ids[0] ?? '');
      expect(revoked.revokedSession).toMatchObject({ sessionId: ids[0], userId: 'usr_9', status: 'revoked' });
      expect(revoked.revokedSession?.expiredAt).toBeDefined();

      const active = await client.session.getUserSessions('usr_9', { filter: { status: ['active'] } });
      expect(active.sessions.map((s) => s.sessionId).sort()).toEqual([ids[1], ids[2]].sort());
      const paged = await client.session.getUserSessions('usr_9', { pageSize: 2 });
      expect(paged.sessions).toHaveLength(2);
      const rest = await client.session.getUserSessions('usr_9', { pageSize: 2, pageToken: paged.nextPageToken });
      expect(rest.sessions).toHaveLength(1);
      expect(rest.nextPageToken).toBe('');

      const revokedAll = await client.session.revokeAllUserSessions('usr_9');
      expect(revokedAll.totalRevoked).toBe(2);
      expect(revokedAll.revokedSessions.every((s) => s.status === 'revoked')).toBe(true);
      const after = await client.session.getSession(ids[2] ?? '');
      expect(after.status).toBe('revoked');
      expect(emulator.controls.counts()).toMatchObject({
        'sessions.GetUserSessions': 4,
        'sessions.RevokeSession': 1,
        'sessions.RevokeAllUserSessions': 1,
        'sessions.GetSession': 1,
      });
    } finally {
      emulator.controls.setUser({ id: 'usr_1' });
    }
  });

  it('shows logout and expired states in lowercase', async () => {
    const tokens = await signIn(client);
    const sid = await sessionIdOf(tokens);
    await fetch(client.getLogoutUrl({ idTokenHint: tokens.idToken }));
    expect((await client.session.getSession(sid)).status).toBe('logout');

    const second = await sessionIdOf(await signIn(client));
    expect(emulator.controls.expireSession(second)).toBe(true);
    const expired = await client.session.getSession(second);
    expect(expired.status).toBe('expired');
    const listed = await client.session.getUserSessions('usr_1', { filter: { status: ['expired', 'logout'] } });
    expect(listed.sessions.map((s) => s.sessionId).sort()).toEqual([sid, second].sort());
  });

  it('refuses user access tokens as management credentials', async () => {
    const tokens = await signIn(client);
    const grpc = createClient(
      SessionService,
      createGrpcTransport({
        baseUrl: emulator.url,
        interceptors: [(next) => (req) => {
          req.header.set('authorization', `Bearer ${tokens.accessToken}`);
          return next(req);
        }],
      }),
    );
    const error = await rejectionOf(grpc.getSession({ sessionId: String(decodeJwt(tokens.accessToken).sid) }));
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.Unauthenticated);
  });
});
