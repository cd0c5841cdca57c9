import { randomBytes } from 'node:crypto';
import path from 'node:path';

import type { ConfigInput } from '../../src/config/schema.js';
import { renderToDisk } from '../helpers/render.js';

/** A keyring entry, as `keygen` prints it. */
export function keyEntry(kid: string): string {
  return `${kid}:${randomBytes(32).toString('base64url')}`;
}

/**
 * Renders a config and imports the generated modules themselves (not a copy):
 * these tests exercise exactly the code users get.
 */
export async function loadGenerated(input: ConfigInput, name: string) {
  const { root, outDir } = await renderToDisk(input, name);
  const load = <T>(file: string) => import(path.join(outDir, file)) as Promise<T>;
  return {
    root,
    keys: await load<typeof import('../__snapshots__/express/default/keys.js')>('keys.ts'),
    crypto: await load<typeof import('../__snapshots__/express/default/crypto.js')>('crypto.ts'),
    cookies: await load<typeof import('../__snapshots__/express/default/cookies.js')>('cookies.ts'),
    refresh: await load<typeof import('../__snapshots__/express/default/refresh.js')>('refresh.ts'),
    session: await load<typeof import('../__snapshots__/express/default/session.js')>('session.ts'),
    policy: await load<typeof import('../__snapshots__/express/default/policy.js')>('policy.ts'),
  };
}
