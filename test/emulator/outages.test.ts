import { Code } from '@connectrpc/connect';
import {
  ScalekitCancelledException,
  ScalekitGatewayTimeoutException,
  ScalekitInternalServerException,
  ScalekitValidateTokenFailureException,
} from '@scalekit-sdk/node';
import type { ScalekitClient } from '@scalekit-sdk/node';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { startEmulator } from '../../src/emulator/index.js';
import type { Emulator } from '../../src/emulator/index.js';
import { errorCodes, rejectionOf, sdkFor, signIn } from './helpers.js';

let emulator: Emulator;
let client: ScalekitClient;
/** A short SDK timeout, so `hang` shows up quickly as a timeout. */
let impatient: ScalekitClient;

beforeAll(async () => {
  emulator = await startEmulator();
  client = sdkFor(emulator);
  impatient = sdkFor(emulator, 300);
});

afterAll(() => emulator.close());

afterEach(() => emulator.controls.clearOutages());

describe('outage modes, seen through the SDK', () => {
  it('refuse resets the connection', async () => {
    const { refreshToken } = await signIn(client);
    emulator.controls.setOutage('token', 'refuse');
    const error = await rejectionOf(client.refreshAccessToken(refreshToken));
    expect(error.message).toBe('Failed to refresh token: read ECONNRESET');

    emulator.controls.setOutage('keys', 'refuse');
    const keysError = await rejectionOf(fetch(`${emulator.url}/keys`));
    expect(errorCodes(keysError)).toContain('ECONNRESET');

    // The refused refresh never reached the grant logic, so the token is still unused.
    emulator.controls.setOutage('token', null);
    await expect(client.refreshAccessToken(refreshToken)).resolves.toHaveProperty('accessToken');
  });

  it('hang never answers, so the SDK times out', async () => {
    const { refreshToken } = await signIn(client);
    emulator.controls.setOutage('token', 'hang');
    const error = await rejectionOf(impatient.refreshAccessToken(refreshToken));
    expect(error.message).toBe('Failed to refresh token: timeout of 300ms exceeded');

    emulator.controls.setOutage('sessions', 'hang');
    const grpc = await rejectionOf(impatient.session.getSession('ses_1'));
    expect(grpc).toBeInstanceOf(ScalekitGatewayTimeoutException);
    expect(grpc.message).toContain('deadline_exceeded');
  });

  it('5xx answers 503 on HTTP endpoints and a non-retried error on gRPC', async () => {
    const { refreshToken, accessToken } = await signIn(client);
    emulator.controls.setOutage('token', '5xx');
    await expect(client.refreshAccessToken(refreshToken)).rejects.toThrow('Failed to refresh token: Request failed with status code 503');

    const response = await fetch(`${emulator.url}/oauth/token`, { method: 'POST' });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: 'temporarily_unavailable' });

    emulator.controls.setOutage('sessions', '5xx');
    await expect(client.session.getSession('ses_1')).rejects.toBeInstanceOf(ScalekitInternalServerException);

    // A fresh SDK client has no cached JWKS, so validateToken meets the /keys outage. The SDK
    // lets the axios error through unwrapped, unlike a bad token.
    emulator.controls.setOutage('keys', '5xx');
    const fresh = sdkFor(emulator);
    const keysError = await rejectionOf(fresh.validateToken(accessToken));
    expect(keysError).not.toBeInstanceOf(ScalekitValidateTokenFailureException);
    expect(keysError.message).toBe('Request failed with status code 503');
    await expect(fresh.validateAccessToken(accessToken)).resolves.toBe(false);
  });

  it('refuse on sessions drops the HTTP/2 connection', async () => {
    emulator.controls.setOutage('sessions', 'refuse');
    const error = await rejectionOf(client.session.getSession('ses_1'));
    expect(error).toBeInstanceOf(ScalekitCancelledException);
    expect((error as ScalekitCancelledException).grpcStatus).toBe(Code.Canceled);
  });

  it("'all' covers every endpoint and a specific setting wins over it", async () => {
    emulator.controls.setOutage('all', '5xx');
    emulator.controls.setOutage('discovery', '5xx', { status: 502 });
    expect((await fetch(`${emulator.url}/keys`)).status).toBe(503);
    expect((await fetch(`${emulator.url}/.well-known/openid-configuration`)).status).toBe(502);
    emulator.controls.setOutage('all', 'none');
    expect((await fetch(`${emulator.url}/keys`)).status).toBe(200);
  });

  it('stopListening gives ECONNREFUSED on the same port until startListening', async () => {
    const { refreshToken } = await signIn(client);
    await emulator.controls.stopListening();
    const error = await rejectionOf(client.refreshAccessToken(refreshToken));
    expect(error.message).toBe(`Failed to refresh token: connect ECONNREFUSED 127.0.0.1:${emulator.port}`);
    await emulator.controls.startListening();
    await expect(client.refreshAccessToken(refreshToken)).resolves.toHaveProperty('refreshToken');
  });
});

describe('signing keys', () => {
  it('rotation: new tokens verify against a fresh JWKS, old ones stop verifying', async () => {
    const before = await signIn(client);
    // The SDK fetches the JWKS once per client and never again; this one caches the old key.
    const cachingSdk = sdkFor(emulator);
    await cachingSdk.validateToken(before.accessToken);

    const oldKid = emulator.controls.currentKeyId();
    const { kid } = await emulator.controls.rotateSigningKey();
    expect(kid).not.toBe(oldKid);
    const after = await signIn(client);
    expect(decodeProtectedHeader(after.accessToken).kid).toBe(kid);

    const jwks = createRemoteJWKSet(new URL('/keys', emulator.url));
    const { payload } = await jwtVerify(after.accessToken, jwks, { issuer: emulator.url, audience: emulator.clientId });
    expect(payload.sub).toBe(after.user.id);
    const stale = await rejectionOf(jwtVerify(before.accessToken, jwks));
    expect((stale as Error & { code?: string }).code).toBe('ERR_JWKS_NO_MATCHING_KEY');

    await expect(cachingSdk.validateToken(after.accessToken)).rejects.toBeInstanceOf(ScalekitValidateTokenFailureException);
  });

  it('keepOld keeps the previous key published', async () => {
    const before = await signIn(client);
    await emulator.controls.rotateSigningKey({ keepOld: true });
    const keys = (await (await fetch(`${emulator.url}/keys`)).json()) as { keys: { kid: string }[] };
    expect(keys.keys.map((k) => k.kid)).toEqual([emulator.controls.currentKeyId(), decodeProtectedHeader(before.accessToken).kid]);
    const jwks = createRemoteJWKSet(new URL('/keys', emulator.url));
    await expect(jwtVerify(before.accessToken, jwks)).resolves.toHaveProperty('payload');
  });

  it('mintAccessToken signs expired or foreign-audience tokens for negative tests', async () => {
    const jwks = createRemoteJWKSet(new URL('/keys', emulator.url));
    const expired = await emulator.controls.mintAccessToken({}, { ttlSeconds: -10 });
    expect((await rejectionOf(jwtVerify(expired, jwks)) as Error & { code?: string }).code).toBe('ERR_JWT_EXPIRED');

    const foreign = await emulator.controls.mintAccessToken({ aud: ['skc_other'] });
    await expect(client.validateToken(foreign, { audience: [emulator.clientId] })).rejects.toThrow('unexpected "aud" claim value');
    await expect(client.validateToken(foreign)).resolves.toMatchObject({ aud: ['skc_other'], iss: emulator.url });
  });
});

describe('counters', () => {
  it('count each endpoint and grant type, and reset', async () => {
    emulator.controls.resetCounts();
    await signIn(client);
    await signIn(client);
    const counts = emulator.controls.counts();
    expect(counts.authorize).toBe(2);
    expect(counts['token.authorization_code']).toBe(2);
    expect(counts['token.refresh_token']).toBe(0);
    emulator.controls.setOutage('token', '5xx');
    await rejectionOf(client.refreshAccessToken('rt_whatever'));
    expect(emulator.controls.counts()['token.refresh_token']).toBe(1);
    emulator.controls.resetCounts();
    expect(Object.values(emulator.controls.counts()).every((n) => n === 0)).toBe(true);
  });
});

describe('close()', () => {
  it('releases hung requests and leaves no server handles behind', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP')).length;
    const local = await startEmulator();
    const sdk = sdkFor(local, 5000);
    const { refreshToken } = await signIn(sdk);
    await sdk.session.getUserSessions('usr_x');
    local.controls.setOutage('all', 'hang');
    const hungHttp = rejectionOf(sdk.refreshAccessToken(refreshToken));
    const hungGrpc = rejectionOf(sdk.session.getSession('ses_1'));
    await new Promise((resolve) => setTimeout(resolve, 50));

    const started = Date.now();
    await local.close();
    const errors = await Promise.all([hungHttp, hungGrpc]);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(errors[0].message).toMatch(/socket hang up|ECONNRESET/);
    expect(errors[1]).toBeInstanceOf(Error);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const after = process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP')).length;
    expect(after).toBeLessThanOrEqual(before);
    await expect(fetch(`${local.url}/keys`)).rejects.toThrow('fetch failed');
  });
});
