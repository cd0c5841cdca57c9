/**
 * Benchmark 2: sealing cookie values.
 *
 * The generated `seal`/`open` (AES-256-GCM, node:crypto, synchronous, the
 * cookie name and key id as additional data) against iron-session's
 * `sealData`/`unsealData` (iron: AES-256-CBC + HMAC-SHA256 through WebCrypto,
 * asynchronous, keys derived from the password on every call), on the same
 * plaintexts: real access tokens from the emulator of about 1 KB and 3 KB.
 */
import { randomBytes } from 'node:crypto';

import { sealData, unsealData } from 'iron-session';

import { startEmulator } from '../src/emulator/index.js';
import { deferCleanup } from './lib/cleanup.js';
import { compare, type CompareOptions, type ContenderResult } from './lib/compare.js';
import { applySessionEnv, createGeneratedProject, type GeneratedCrypto, keyEntry } from './lib/project.js';
import type { Section, Table } from './lib/report.js';
import { count, ratio, spread } from './lib/stats.js';

const TARGET_SIZES = [1024, 3072] as const;
/** The gaps here are an order of magnitude, so shorter runs resolve them; the whole benchmark stays near 15 s. */
const OPTIONS: CompareOptions = { rounds: 3, timeMs: 400, warmupMs: 150 };

export async function benchSeal(): Promise<Section> {
  const emulator = await startEmulator();
  const closeEmulator = deferCleanup(() => emulator.close());
  const project = await createGeneratedProject({ framework: 'express' }, 'sss-bench-seal-');
  try {
    applySessionEnv({ SESSION_ENCRYPTION_KEYS: keyEntry() });
    const { seal, open } = await project.load<GeneratedCrypto>('crypto.ts');
    // iron-session wants a password of at least 32 characters; 32 random bytes as base64url is 43.
    const password = randomBytes(32).toString('base64url');

    const tables: Table[] = [];
    const sizeRows: string[][] = [];
    const headlines: string[] = [];
    for (const target of TARGET_SIZES) {
      const token = await tokenOfAbout(target, (claims) => emulator.controls.mintAccessToken(claims, { ttlSeconds: 3600 }));
      const ours = seal('access', token);
      const theirs = await sealData(token, { password });
      // Round trips must hold before anything is timed.
      if (open('access', ours)?.plaintext !== token) throw new Error('generated open(seal(x)) !== x');
      if ((await unsealData<string>(theirs, { password })) !== token) throw new Error('iron unsealData(sealData(x)) !== x');

      const sealResults = await compare(
        { name: 'iron-session sealData', fn: async () => sealData(token, { password }) },
        [{ name: 'generated seal', fn: () => seal('access', token) }],
        OPTIONS,
      );
      const openResults = await compare(
        { name: 'iron-session unsealData', fn: async () => unsealData<string>(theirs, { password }) },
        [{ name: 'generated open', fn: () => open('access', ours) }],
        OPTIONS,
      );
      tables.push({
        headers: [`${token.length}-byte token`, 'ops/s (median)', 'median latency', 'vs iron-session', 'per-round ratios'],
        rows: [...sealResults, ...openResults].map(row),
      });
      sizeRows.push([
        `${token.length} B`,
        `${ours.length} B`,
        `${theirs.length} B`,
        ratio(ours.length / theirs.length),
        fitsOneCookie(ours.length),
        fitsOneCookie(theirs.length),
      ]);
      headlines.push(
        `${token.length} B: seal ${ratio(contender(sealResults).ratio)}, open ${ratio(contender(openResults).ratio)}, size ${ratio(ours.length / theirs.length)}`,
      );
    }
    tables.push({
      headers: ['plaintext', 'generated sealed', 'iron-session sealed', 'size ratio (ours ÷ iron)', 'ours in one 4096-byte cookie line', 'iron in one line'],
      rows: sizeRows,
    });

    return {
      title: 'Sealing cookie values',
      method: [
        'Plaintexts are real RS256 access tokens minted by the emulator, padded with `permissions` claims to about 1 KB and 3 KB. ' +
          'Ours: the generated `seal("access", token)` / `open("access", sealed)` (AES-256-GCM, synchronous node:crypto). ' +
          'Baseline: iron-session\'s `sealData(token, { password })` / `unsealData(sealed, { password })` (iron: PBKDF2-derived keys, AES-256-CBC + HMAC-SHA256, asynchronous WebCrypto).',
        `tinybench, ${OPTIONS.rounds} rounds × (${OPTIONS.warmupMs} ms warm-up + ${OPTIONS.timeMs} ms measured) per task, order rotated each round; seal and open compared separately. ` +
          'Round trips are checked for both before timing. Size is the length of the cookie value each one produces.',
      ],
      tables,
      notes: [
        'iron-session\'s functions are `async` (WebCrypto), so each call also pays for promises and a trip through the microtask queue; in a request handler that is awaited either way. ' +
          'The two are not feature-identical: ours binds the value to its cookie name (a sealed access token does not open as a refresh token), iron adds an expiry (`ttl`, 14 days by default) inside the seal.',
        'Sizes: ours is base64url of IV + ciphertext + tag, with the key id and a version; iron\'s adds a salt per key, an HMAC, a password id and an expiry. Browsers cap a `Set-Cookie` line at 4096 bytes, and the generated code splits longer values into chunks (at most 3).',
      ],
      headline: `generated seal/open vs iron-session — ${headlines.join('; ')}`,
    };
  } finally {
    await project.remove();
    await closeEmulator();
  }
}

/** Mints tokens with more and more permission claims until one is at least `target` characters long. */
async function tokenOfAbout(target: number, mint: (claims: Record<string, unknown>) => Promise<string>): Promise<string> {
  let token = await mint({});
  // Bounded: ~25 characters of JWT per permission, so 3 KB needs ~100; stop at 400 whatever happens.
  for (let permissions = 4; token.length < target && permissions <= 400; permissions += 4) {
    token = await mint({ permissions: Array.from({ length: permissions }, (_, i) => `res:${i}:read`) });
  }
  return token;
}

function contender(results: ContenderResult[]): ContenderResult {
  return results[1] as ContenderResult;
}

function row(r: ContenderResult): string[] {
  return [r.name, count(r.opsPerSecond), `${r.medianLatencyUs.toFixed(1)} µs`, ratio(r.ratio), spread(r.ratios)];
}

function fitsOneCookie(valueLength: number): string {
  // name=value plus ~120 bytes of attributes (Path, HttpOnly, SameSite, Secure, Max-Age).
  return valueLength + 140 <= 4096 ? 'yes' : `no (${Math.ceil((valueLength + 140) / 4096)} chunks)`;
}
