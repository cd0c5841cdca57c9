import { randomBytes } from 'node:crypto';
import path from 'node:path';

import { afterAll, beforeAll, expect, it } from 'vitest';

import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { describeRedis, type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { renderToDisk } from '../helpers/render.js';
import { keyEntry } from './load.js';

type Store = typeof import('../__snapshots__/express/redis/store.js');
type Cookies = typeof import('../__snapshots__/express/redis/cookies.js');

/**
 * The Redis store's coordination rules, on generated cases: several copies of
 * the generated store module (each with its own in-process state, as separate
 * app processes have) share one real redis-server and the emulator's token
 * endpoint. Whatever the number of copies, concurrent callers, and whether a
 * dead process left its refresh lock behind, a refresh costs exactly one
 * token call and every caller gets the same new token; a revoked session gets
 * none. Seeded: REDIS_STORE_SEED replays a run, REDIS_STORE_CASES sets the count.
 */
const SEED = Number(process.env['REDIS_STORE_SEED'] ?? Date.now() % 1_000_000);
const CASES = Number(process.env['REDIS_STORE_CASES'] ?? 12);
/** scalekit.timeoutMs of the rendered config: the lock lapses 1 s after it. */
const TIMEOUT_MS = 300;
const LOCK_MS = TIMEOUT_MS + 1000;

/** mulberry32: small, seedable, good enough to pick cases. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describeRedis('Redis store: one refresh across processes (generated cases)', () => {
  let redis: RedisServer;
  let emulator: Emulator;
  let copies: Store[];
  let cookies: Cookies;

  beforeAll(async () => {
    redis = await startRedisServer();
    emulator = await startEmulator({ accessTokenTtlSeconds: 30 });
    Object.assign(process.env, {
      SCALEKIT_ENVIRONMENT_URL: emulator.url,
      SCALEKIT_CLIENT_ID: emulator.clientId,
      SCALEKIT_CLIENT_SECRET: emulator.clientSecret,
      APP_URL: 'http://127.0.0.1:3000',
      SESSION_ENCRYPTION_KEYS: keyEntry('k1'),
      REDIS_URL: redis.url,
    });
    // leewaySeconds 60 > the 30 s tokens: every token is due for refresh at once, no waiting.
    const { outDir } = await renderToDisk(
      { framework: 'express', store: { type: 'redis' }, refresh: { mode: 'transparent', leewaySeconds: 60 }, scalekit: { timeoutMs: TIMEOUT_MS } },
      'redis-store',
    );
    // A query string makes a separate module instance: one per simulated process.
    copies = await Promise.all([0, 1, 2, 3].map((i) => import(`${path.join(outDir, 'store.ts')}?process=${i}`) as Promise<Store>));
    cookies = (await import(path.join(outDir, 'cookies.ts'))) as Cookies;
  }, 60_000);

  afterAll(async () => {
    await emulator?.close();
    await redis?.stop();
  });

  async function signIn() {
    const issued = await emulator.controls.createSession();
    const lines = await copies[0]!.saveSession({ accessToken: issued.accessToken, refreshToken: issued.refreshToken!, idToken: issued.idToken });
    const jar = cookies.parseCookies(lines.map((line) => line.slice(0, line.indexOf(';'))).join('; '));
    const userId = emulator.controls.sessions().find((s) => s.sessionId === issued.sessionId)?.userId ?? '';
    return { issued, jar, userId };
  }

  const refreshCalls = () => emulator.controls.counts()['token.refresh_token'];

  it(`exactly one token call per refresh, whatever the processes, callers and stale locks (seed ${SEED}, ${CASES} cases)`, async () => {
    console.log(`Redis store cases: REDIS_STORE_SEED=${SEED} REDIS_STORE_CASES=${CASES}`);
    const next = random(SEED);
    for (let n = 0; n < CASES; n++) {
      const processes = 1 + Math.floor(next() * copies.length);
      const callers = 1 + Math.floor(next() * 60);
      const deadHolder = next() < 0.3;
      const label = `case ${n}: ${processes} processes, ${callers} callers${deadHolder ? ', a dead process holds the lock' : ''} (seed ${SEED})`;

      const { issued, jar } = await signIn();
      const found = await copies[0]!.findSession(jar);
      if (!found.found) throw new Error(`${label}: the new session is not found`);
      if (deadHolder) {
        await redis.cli('SET', `sk:lock:${found.session.id}`, 'a-dead-process', 'PX', String(LOCK_MS));
      }
      const before = refreshCalls();
      const startedAt = Date.now();
      const results = await Promise.all(
        Array.from({ length: callers }, async () => {
          const copy = copies[Math.floor(next() * processes)]!;
          // Each caller reads the session itself, as a request on that process would.
          const mine = await copy.findSession(jar);
          if (!mine.found) throw new Error(`${label}: a caller lost the session`);
          return copy.refreshStored(mine.session);
        }),
      );
      expect(refreshCalls() - before, label).toBe(1);
      const tokens = new Set(results.map((result) => result?.accessToken));
      expect(tokens.size, label).toBe(1);
      expect(tokens.has(issued.accessToken), `${label}: the old token came back`).toBe(false);
      if (deadHolder) expect(Date.now() - startedAt, `${label}: waited for the stale lock`).toBeLessThan(2 * LOCK_MS + 2000);
      // The lock is released by its owner.
      expect(await redis.cli('EXISTS', `sk:lock:${found.session.id}`), label).toBe('0');
    }
  }, 120_000);

  it('a request that read the session before another process renewed it gets the new tokens, not a second token call', async () => {
    const { issued, jar } = await signIn();
    const stale = await copies[0]!.findSession(jar);
    const fresh = await copies[1]!.findSession(jar);
    if (!stale.found || !fresh.found) throw new Error('the new session is not found');
    const before = refreshCalls();
    const renewed = await copies[1]!.refreshStored(fresh.session);
    // The lock is free again; the stale reader must read the record under it, not redeem the spent token.
    const late = await copies[0]!.refreshStored(stale.session);
    expect(late?.accessToken).toBe(renewed?.accessToken);
    expect(late?.accessToken).not.toBe(issued.accessToken);
    expect(refreshCalls() - before).toBe(1);
  });

  it('a revoked session gets no refresh on any process, and no token call is made', async () => {
    const { issued, jar, userId } = await signIn();
    const found = await copies[1]!.findSession(jar);
    if (!found.found) throw new Error('the new session is not found');
    await copies[2]!.revokeStored({ userId, sessionId: issued.sessionId });
    const before = refreshCalls();
    for (const copy of copies) {
      expect(await copy.findSession(jar)).toEqual({ found: false, code: 'session_expired' });
      await expect(copy.refreshStored(found.session)).rejects.toThrow(/gone/);
    }
    expect(refreshCalls()).toBe(before);
  });

  it('revoke-all ends every session of the user on every process', async () => {
    const sessions = [await signIn(), await signIn(), await signIn()];
    const other = await signIn();
    await copies[3]!.revokeStored({ userId: sessions[0]!.userId });
    for (const { jar } of sessions) {
      for (const copy of copies) expect(await copy.findSession(jar)).toEqual({ found: false, code: 'session_expired' });
    }
    // The emulator signs every session in as the same user: a second user's would survive.
    expect(other.userId).toBe(sessions[0]!.userId);
  });

  it('a record may hold tokens larger than any cookie (many roles): it opens', async () => {
    emulator.controls.setRoles(Array.from({ length: 1500 }, (_, i) => `role-with-a-long-name-${i}`));
    try {
      const { issued, jar } = await signIn();
      expect(issued.accessToken.length).toBeGreaterThan(16_384);
      const found = await copies[0]!.findSession(jar);
      if (!found.found) throw new Error('the new session is not found');
      expect(copies[0]!.openAccess(found.session)?.plaintext).toBe(issued.accessToken);
    } finally {
      emulator.controls.setRoles(['member']);
    }
  });

  it('a record copied under another session id does not open, and Redis holds no token in clear', async () => {
    const { jar } = await signIn();
    const found = await copies[0]!.findSession(jar);
    if (!found.found) throw new Error('the new session is not found');
    const otherId = randomBytes(32).toString('base64url');
    await redis.cli('SET', `sk:session:${otherId}`, found.session.accessKey);
    expect(copies[0]!.openAccess({ ...found.session, id: otherId })).toBeNull();
    expect(copies[0]!.openAccess(found.session)?.plaintext).toMatch(/^eyJ/);
    const dump = JSON.stringify(await redis.dump());
    expect(dump).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
    expect(dump).not.toMatch(/\brt_[\w-]{8,}/);
  });
});
