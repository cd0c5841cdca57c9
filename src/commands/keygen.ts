import { randomBytes } from 'node:crypto';

import type { Context } from '../context.js';
import { UsageError } from '../errors.js';

export interface KeygenOptions {
  kid?: string;
  json?: boolean;
}

/** Prints a new keyring entry, `kid:key`, with 32 bytes from the CSPRNG. */
export function keygen(ctx: Context, options: KeygenOptions): void {
  const kid = options.kid ?? `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}${randomBytes(2).toString('hex')}`;
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(kid)) {
    throw new UsageError(`--kid "${kid}" is not a valid key id.`, 'Use 1-32 of A-Z a-z 0-9 _ -.');
  }
  const key = randomBytes(32).toString('base64url');
  const entry = `${kid}:${key}`;
  if (options.json) {
    ctx.stdout(JSON.stringify({ kid, entry }));
    return;
  }
  ctx.stdout(entry);
  ctx.stderr('Put this entry first in your keyring (newest seals); keep older entries after it until their cookies have expired.');
}
