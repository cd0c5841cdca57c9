import { createHash, randomBytes } from 'node:crypto';

import { ScalekitClient } from '@scalekit-sdk/node';
import { expect } from 'vitest';

import type { Emulator } from '../../src/emulator/index.js';

export const REDIRECT_URI = 'http://localhost:3000/auth/callback';

export function sdkFor(emulator: Emulator, timeoutMs = 2000): ScalekitClient {
  return new ScalekitClient(emulator.url, emulator.clientId, emulator.clientSecret, { timeoutMs });
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface AuthorizeResult {
  code: string;
  state: string | null;
  location: URL;
}

/** Follows the SDK's authorization URL one hop, the way a browser would, and reads the callback. */
export async function authorize(
  client: ScalekitClient,
  options: { scopes?: string[]; state?: string; codeChallenge?: string; nonce?: string } = {},
): Promise<AuthorizeResult> {
  const url = client.getAuthorizationUrl(REDIRECT_URI, {
    scopes: options.scopes ?? ['openid', 'profile', 'email', 'offline_access'],
    ...(options.state && { state: options.state }),
    ...(options.nonce && { nonce: options.nonce }),
    ...(options.codeChallenge && { codeChallenge: options.codeChallenge, codeChallengeMethod: 'S256' }),
  });
  const response = await fetch(url, { redirect: 'manual' });
  expect(response.status).toBe(302);
  const location = new URL(response.headers.get('location') ?? 'missing:');
  expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
  const code = location.searchParams.get('code');
  expect(code).toBeTruthy();
  return { code: code ?? '', state: location.searchParams.get('state'), location };
}

/** Signs in through the SDK and returns its token response. */
export async function signIn(client: ScalekitClient, scopes?: string[]) {
  const pkce = pkcePair();
  const { code } = await authorize(client, { codeChallenge: pkce.challenge, ...(scopes && { scopes }) });
  return client.authenticateWithCode(code, REDIRECT_URI, { codeVerifier: pkce.verifier });
}

/** Resolves with the rejection of a promise, failing the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-Error: ${String(error)}`);
  }
  throw new Error('expected the promise to reject, but it resolved');
}

/** The `code` of an error or of any error in its `cause` chain (axios and undici nest them). */
export function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth += 1) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    current = current.cause;
  }
  return codes;
}
