import { randomBytes } from 'node:crypto';

/** Scalekit-style id: a prefix and a long random decimal-looking body. */
export function newId(prefix: 'usr' | 'org' | 'ses' | 'skc'): string {
  const digits = BigInt(`0x${randomBytes(8).toString('hex')}`).toString();
  return `${prefix}_${digits}`;
}

/** Unguessable opaque value (codes, refresh tokens, secrets, jti). */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
