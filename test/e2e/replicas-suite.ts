import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { CookieJar, type HttpResult, send } from '../../src/demo/http-client.js';
import { freePort, startApp } from '../../src/demo/project.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { describeRedis, type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import type { Framework } from '../helpers/variants.js';
import { APP_TIMEOUT_MS, attribute, cookieLines, type Mode, waitForExpiry } from './harness.js';
import { REDIS_STORE, REPLICA_COUNT, REPLICA_HEADER, type Replicas, runUntilExit, startReplicas } from './replicas.js';

const SESSION_COOKIE = 'sk_session';
const STORM = 200;
/**
 * How long requests waiting behind a dead replica's lock may take in all:
 * the lock lives `scalekit.timeoutMs` plus a small margin (taken here as at
 * most another timeoutMs), then one refresh; plus slack for a loaded 2-core
 * machine. A store without a lock expiry never answers and fails on this.
 */
const LOCK_BOUND_MS = 2 * APP_TIMEOUT_MS + 3000;
/** A Redis call times out after store.timeoutMs (= scalekit.timeoutMs here); slack for load. */
const REDIS_DOWN_BOUND_MS = APP_TIMEOUT_MS + 3000;
const SEVEN_DAYS_MS = 7 * 24 * 3600 * 1000;
/** Tokens in clear: a JWT (access or ID token) or a Scalekit refresh token. Sealed `v1.` values are expected. */
const CLEAR_TOKEN_PATTERNS = [/eyJ[\w-]+\.[\w-]+\.[\w-]+/, /\brt_[\w-]{8,}/];

const ids = new Map<CookieJar, string>();

/**
 * Contract §7 against one framework: three replicas of a generated app behind
 * a round-robin proxy, one real `redis-server`, the emulator, in both refresh
 * modes. Each scenario signs in afresh; Redis is flushed in between.
 */
export function replicaSuite(framework: Framework): void {
  describeRedis(`Redis store: three ${framework} replicas behind a round-robin proxy`, () => {
    let redis: RedisServer;
    let emulator: Emulator;
    let userId: string;

    beforeAll(async () => {
      redis = await startRedisServer();
      emulator = await startEmulator({ accessTokenTtlSeconds: 300 });
      userId = emulator.controls.setUser({ email: 'ada@example.com', name: 'Ada Lovelace' }).id;
    });
    afterAll(async () => {
      await emulator?.close();
      await redis?.stop();
    });

    describe.each(['endpoint', 'transparent'] as Mode[])('%s mode', (mode) => {
      let r: Replicas;

      beforeAll(async () => {
        r = await startReplicas(framework, mode, emulator, { store: REDIS_STORE }, { REDIS_URL: redis.url });
      });
      afterAll(() => r?.stop());
      beforeEach(async () => {
        emulator.controls.clearOutages();
        emulator.controls.setAccessTokenTtl(300);
        emulator.controls.resetCounts();
        for (const index of [...r.proxy.down]) await r.restart(index);
        await redis.flushAll();
      });

      const replicas = Array.from({ length: REPLICA_COUNT }, (_, index) => index);

      async function signIn(): Promise<CookieJar> {
        const { jar } = await r.signIn();
        return jar;
      }

      /** Signs in with 1 s access tokens and waits until the token has expired. */
      async function expiredSession(): Promise<CookieJar> {
        emulator.controls.setAccessTokenTtl(1);
        const jar = await signIn();
        emulator.controls.setAccessTokenTtl(300);
        await waitForExpiry();
        return jar;
      }

      /** What a client does with an expired session: POST refresh (endpoint) or the API call itself (transparent). */
      function refreshing(jar: CookieJar, index?: number): Promise<HttpResult> {
        const [method, path, options] = mode === 'endpoint' ? ['POST', '/auth/refresh', r.sameOrigin()] : ['GET', '/api/me', {}];
        return index === undefined ? r.request(jar, method, path, options) : r.requestReplica(index, jar, method, path, options);
      }
      const refreshed = mode === 'endpoint' ? 204 : 200;

      /** The Scalekit session id behind a jar (read once, through the API). */
      async function sessionId(jar: CookieJar): Promise<string> {
        const known = ids.get(jar);
        if (known) return known;
        const result = await r.request(jar, 'GET', '/api/me');
        expect(result.status, result.text).toBe(200);
        const id = (result.body as { auth: { sessionId: string } }).auth.sessionId;
        ids.set(jar, id);
        return id;
      }

      /** A copy of the browser's cookies: replaying a cookie after the server dropped its session. */
      function copyOf(jar: CookieJar): CookieJar {
        const copy = new CookieJar();
        for (const cookie of jar.all()) copy.set({ ...cookie });
        return copy;
      }

      async function expectWorksEverywhere(jar: CookieJar): Promise<void> {
        for (const index of replicas) {
          const result = await r.requestReplica(index, copyOf(jar), 'GET', '/api/me');
          expect(result.status, `replica ${index}: ${result.text}`).toBe(200);
        }
      }

      /** The next request with this cookie, on every replica: 401 session_expired, session cookie cleared. */
      async function expectExpiredEverywhere(jar: CookieJar, what: string): Promise<void> {
        for (const index of replicas) {
          const result = await r.requestReplica(index, copyOf(jar), 'GET', '/api/me');
          expect({ replica: index, status: result.status, body: result.body }, what).toEqual({
            replica: index,
            status: 401,
            body: { error: 'session_expired' },
          });
          expect(attribute(cookieLines(result).get(SESSION_COOKIE), 'Max-Age'), `replica ${index}: ${what}`).toBe('0');
        }
      }

      /** Redis down: every replica answers 503 auth_unavailable with Retry-After, within the timeout, the cookie untouched. */
      async function expectUnavailableEverywhere(jar: CookieJar): Promise<void> {
        const results = await Promise.all(
          replicas.map(async (index) => {
            const started = Date.now();
            const result = await r.requestReplica(index, copyOf(jar), 'GET', '/api/me');
            return { index, result, ms: Date.now() - started };
          }),
        );
        for (const { index, result, ms } of results) {
          expect({ replica: index, status: result.status, body: result.body }).toEqual({
            replica: index,
            status: 503,
            body: { error: 'auth_unavailable' },
          });
          expect(result.headers.get('retry-after'), `replica ${index}`).toMatch(/^\d+$/);
          expect(result.setCookies, `replica ${index}`).toEqual([]);
          expect(ms, `replica ${index} answered after ${ms} ms`).toBeLessThan(REDIS_DOWN_BOUND_MS);
        }
      }

      it('sign-in through the proxy: the browser holds one sealed session cookie and no token', async () => {
        const { jar, callback } = await r.signIn();
        expect(jar.all().map((cookie) => cookie.name)).toEqual([SESSION_COOKIE]);
        const line = cookieLines(callback).get(SESSION_COOKIE);
        expect(attribute(line, 'Path')).toBe('/');
        expect(attribute(line, 'HttpOnly')).toBe('');
        expect(attribute(line, 'SameSite')).toBe('Lax');
        for (const name of ['sk_access', 'sk_refresh', 'sk_id']) {
          expect(attribute(cookieLines(callback).get(name), 'Max-Age') ?? '0', name).toBe('0');
        }
        for (const pattern of CLEAR_TOKEN_PATTERNS) expect(callback.setCookies.join('\n')).not.toMatch(pattern);
        // The id inside is sealed like every cookie (security.md): v1.<kid>.<iv>.<ciphertext>.<tag>.
        expect(jar.get(SESSION_COOKIE)?.value).toMatch(/^v1\.[\w-]+\.[\w-]{16}\.[\w-]+\.[\w-]{22}$/);
        for (const index of replicas) {
          const result = await r.requestReplica(index, jar, 'GET', '/api/me');
          expect(result.status, `replica ${index}`).toBe(200);
          expect((result.body as { auth: { userId: string } }).auth.userId).toBe(userId);
        }
      });

      it(`refresh storm: ${STORM} concurrent requests over the replicas make exactly one token call, none fails`, async () => {
        const jar = await expiredSession();
        emulator.controls.resetCounts();
        if (mode === 'endpoint') {
          for (const index of replicas) {
            const result = await r.requestReplica(index, jar, 'GET', '/api/me');
            expect({ replica: index, status: result.status, body: result.body }).toEqual({
              replica: index,
              status: 401,
              body: { error: 'access_token_expired' },
            });
          }
        }
        const results = await Promise.all(Array.from({ length: STORM }, () => refreshing(jar)));
        const statuses = new Map<number, number>();
        for (const result of results) statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
        expect(Object.fromEntries(statuses)).toEqual({ [refreshed]: STORM });
        expect(new Set(results.map((result) => result.headers.get(REPLICA_HEADER)))).toEqual(new Set(['0', '1', '2']));
        expect(emulator.controls.counts()['token.refresh_token']).toBe(1);
        await expectWorksEverywhere(jar);
        expect(emulator.controls.counts()['token.refresh_token']).toBe(1);
      });

      it('DELETE sessions/:id on one replica: the next request for it on every replica is 401 session_expired', async () => {
        const a = await signIn();
        const b = await signIn();
        const idA = await sessionId(a);
        const idB = await sessionId(b);
        await expectWorksEverywhere(a);
        await expectWorksEverywhere(b);

        // Another of the user's sessions revokes this one.
        const revoked = await r.requestReplica(0, b, 'DELETE', `/api/sessions/${idA}`, r.sameOrigin());
        expect(revoked.status, revoked.text).toBe(200);
        expect(revoked.body).toEqual({ revoked: idA, current: false });
        await expectExpiredEverywhere(a, 'revoked by another session');
        await expectWorksEverywhere(b);

        // The current session revokes itself: its cookie is cleared, and a copy of it is dead everywhere.
        const copy = copyOf(b);
        const own = await r.requestReplica(1, b, 'DELETE', `/api/sessions/${idB}`, r.sameOrigin());
        expect(own.status, own.text).toBe(200);
        expect(own.body).toEqual({ revoked: idB, current: true });
        expect(attribute(cookieLines(own).get(SESSION_COOKIE), 'Max-Age')).toBe('0');
        await expectExpiredEverywhere(copy, 'revoked itself');
      });

      it('revoke-all on one replica: both of the user’s sessions are 401 session_expired on every replica', async () => {
        const a = await signIn();
        const b = await signIn();
        await expectWorksEverywhere(a);
        await expectWorksEverywhere(b);
        const copyA = copyOf(a);
        const result = await r.requestReplica(1, a, 'POST', '/api/sessions/revoke-all', r.sameOrigin());
        expect(result.status, result.text).toBe(200);
        expect(attribute(cookieLines(result).get(SESSION_COOKIE), 'Max-Age')).toBe('0');
        await expectExpiredEverywhere(copyA, 'revoke-all (the caller)');
        await expectExpiredEverywhere(b, 'revoke-all (the other session)');
      });

      it('logout on one replica: the session is 401 session_expired on every replica', async () => {
        const jar = await signIn();
        await expectWorksEverywhere(jar);
        const copy = copyOf(jar);
        const result = await r.requestReplica(2, jar, 'POST', '/auth/logout', r.sameOrigin());
        expect(result.status, result.text).toBe(303);
        expect(attribute(cookieLines(result).get(SESSION_COOKIE), 'Max-Age')).toBe('0');
        expect(new URL(result.location ?? '').searchParams.get('id_token_hint')).toMatch(/^eyJ/);
        await expectExpiredEverywhere(copy, 'logged out');
      });

      it('Redis paused (SIGSTOP): 503 auth_unavailable with Retry-After, cookie untouched; resumed: the same cookie works', async () => {
        const jar = await signIn();
        await expectWorksEverywhere(jar);
        redis.pause();
        try {
          await expectUnavailableEverywhere(jar);
        } finally {
          redis.resume();
        }
        for (const index of replicas) {
          await expect
            .poll(async () => (await r.requestReplica(index, copyOf(jar), 'GET', '/api/me')).status, { timeout: 15_000, interval: 200 })
            .toBe(200);
        }
      });

      it('Redis killed: 503 with the cookie untouched; restarted empty on the same port: 401 session_expired, then a new sign-in works', async () => {
        const jar = await signIn();
        await expectWorksEverywhere(jar);
        await redis.kill();
        try {
          await expectUnavailableEverywhere(jar);
        } finally {
          await redis.restart();
        }
        // No persistence: the record died with the server, so once a replica reconnects the session is gone.
        for (const index of replicas) {
          await expect
            .poll(async () => (await r.requestReplica(index, copyOf(jar), 'GET', '/api/me')).status, { timeout: 15_000, interval: 200 })
            .not.toBe(503);
        }
        await expectExpiredEverywhere(jar, 'record lost with the Redis restart');
        await expectWorksEverywhere(await signIn());
      });

      it('Redis answering READONLY when a refresh needs a write: 503 before any token call, cookie untouched; writable again: it refreshes', async () => {
        const jar = await expiredSession();
        emulator.controls.resetCounts();
        // A replica of a master that is not there: reads are served, every write answers READONLY.
        await redis.cli('REPLICAOF', '127.0.0.1', String(await freePort()));
        try {
          const result = await refreshing(jar);
          expect({ status: result.status, body: result.body }).toEqual({ status: 503, body: { error: 'auth_unavailable' } });
          expect(result.headers.get('retry-after')).toMatch(/^\d+$/);
          expect(result.setCookies).toEqual([]);
          // Rotating the refresh token with nowhere to save the result would log the user out.
          expect(emulator.controls.counts()['token.refresh_token']).toBe(0);
        } finally {
          await redis.cli('REPLICAOF', 'NO', 'ONE');
        }
        expect((await refreshing(jar)).status).toBe(refreshed);
        expect(emulator.controls.counts()['token.refresh_token']).toBe(1);
        await expectWorksEverywhere(jar);
      });

      it('Redis answering NOAUTH (a password set, connections dropped): 503 everywhere; password removed: the same cookie works', async () => {
        const jar = await signIn();
        await expectWorksEverywhere(jar);
        const password = 'sss-test-password';
        await redis.cli('CONFIG', 'SET', 'requirepass', password);
        try {
          await redis.cli('-a', password, '--no-auth-warning', 'CLIENT', 'KILL', 'TYPE', 'normal');
          await redis.cli('-a', password, '--no-auth-warning', 'CLIENT', 'KILL', 'TYPE', 'pubsub');
          await expectUnavailableEverywhere(jar);
        } finally {
          await redis.cli('-a', password, '--no-auth-warning', 'CONFIG', 'SET', 'requirepass', '');
        }
        for (const index of replicas) {
          await expect
            .poll(async () => (await r.requestReplica(index, copyOf(jar), 'GET', '/api/me')).status, { timeout: 15_000, interval: 200 })
            .toBe(200);
        }
      });

      it('FLUSHALL: 401 session_expired with the cookie cleared, on every replica', async () => {
        const jar = await signIn();
        await expectWorksEverywhere(jar);
        await redis.flushAll();
        await expectExpiredEverywhere(jar, 'flushed');
      });

      it('Redis holds no token in clear, every key under the prefix, none outliving the session', async () => {
        const refreshedJar = await expiredSession();
        expect((await refreshing(refreshedJar)).status).toBe(refreshed);
        await signIn();
        const entries = await redis.dump();
        expect(entries.length).toBeGreaterThan(0);
        const text = JSON.stringify(entries);
        for (const pattern of CLEAR_TOKEN_PATTERNS) expect(text).not.toMatch(pattern);
        for (const entry of entries) {
          expect(entry.key.startsWith(REDIS_STORE.keyPrefix), entry.key).toBe(true);
          expect(entry.pttlMs, `${entry.key} expires`).toBeGreaterThan(0);
          expect(entry.pttlMs, `${entry.key} outlives the session`).toBeLessThanOrEqual(SEVEN_DAYS_MS);
        }
        // The records are sealed like cookies.
        expect(text).toMatch(/v1\.[\w-]+\.[\w-]{16}\./);
      });

      it('a tampered or foreign session cookie: 401 invalid_session, cookie cleared, never a 500 (seeded cases)', async () => {
        const jar = await signIn();
        const value = jar.get(SESSION_COOKIE)?.value ?? '';
        // A value sealed by this app under another cookie name (a login state cookie) must not open as a session.
        const login = await r.request(new CookieJar(), 'GET', '/auth/login');
        const state = login.setCookies.find((line) => line.startsWith('sk_state.'));
        const foreign = state?.slice(state.indexOf('=') + 1, state.indexOf(';')) ?? '';
        expect(foreign).toMatch(/^v1\./);

        const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
        console.log(`tampered session cookies: seed ${seed} (FC_SEED=${seed} replays)`);
        const random = mulberry32(seed);
        const cases = [foreign, '', 'garbage', `${value}x`, value.slice(0, -1), value.split('.').reverse().join('.')];
        for (let i = 0; i < 18; i++) cases.push(mutate(value, random));
        for (const [i, bad] of cases.entries()) {
          if (bad === value) continue;
          const attacker = new CookieJar();
          attacker.set({ name: SESSION_COOKIE, value: bad, path: '/' });
          const result = await r.request(attacker, 'GET', '/api/me');
          const label = `case ${i} (seed ${seed}): ${JSON.stringify(bad.slice(0, 60))}`;
          if (bad === '') {
            // An empty cookie is no session at all.
            expect([401], label).toContain(result.status);
            continue;
          }
          expect({ status: result.status, body: result.body }, label).toEqual({ status: 401, body: { error: 'invalid_session' } });
          expect(attribute(cookieLines(result).get(SESSION_COOKIE), 'Max-Age'), label).toBe('0');
        }
        await expectWorksEverywhere(jar);
      });

      if (mode === 'endpoint') {
        it('REDIS_URL missing or malformed: the app stops at start-up naming it, never printing its password', async () => {
          const secret = 'hunter2-redis-secret';
          const values = [undefined, 'http://x', 'not a url', `http://user:${secret}@x`, `redis://user:${secret}@127.0.0.1:99999`];
          // Two at a time: each is a Node + tsx start-up, and the machine also runs the three replicas.
          const outcomes: ({ value: string | undefined } & Awaited<ReturnType<typeof runUntilExit>>)[] = [];
          for (let i = 0; i < values.length; i += 2) {
            const batch = values.slice(i, i + 2).map(async (value) => {
              const env: Record<string, string> = { ...r.env };
              delete env.REDIS_URL;
              if (value !== undefined) env.REDIS_URL = value;
              return { value, ...(await runUntilExit(r.dir, env, 60_000)) };
            });
            outcomes.push(...(await Promise.all(batch)));
          }
          for (const { value, code, output } of outcomes) {
            const label = `REDIS_URL=${JSON.stringify(value)}:\n${output}`;
            expect(code, label).not.toBe(0);
            expect(code, label).not.toBeNull();
            expect(output, label).toContain('REDIS_URL');
            expect(output, label).not.toContain(secret);
          }

          // A well-formed URL with a password, to a port where nothing listens: the app starts, answers 503,
          // and nothing it prints (connection errors, retries) contains the password.
          const { jar } = await r.signIn();
          const app = await startApp(r.dir, { ...r.env, REDIS_URL: `redis://user:${secret}@127.0.0.1:${await freePort()}` });
          try {
            const result = await send(jar, 'GET', `${app.url}/api/me`);
            expect({ status: result.status, body: result.body }).toEqual({ status: 503, body: { error: 'auth_unavailable' } });
            await new Promise((resolve) => setTimeout(resolve, 1000));
            expect(app.output()).not.toContain(secret);
          } finally {
            await app.stop();
          }
        }, 180_000);
      }

      // Last: it kills a replica (beforeEach starts it again for any later test).
      it('a replica SIGKILLed while holding the refresh lock: the others refresh once the lock expires, no logout', async () => {
        const jar = await expiredSession();
        const before = new Set(await redis.keys());
        emulator.controls.setOutage('token', 'hang');
        // Replica 0 takes the lock and hangs in the token call; it dies before its Scalekit timeout.
        const doomed = refreshing(jar, 0).catch(() => undefined);
        const lockKey = await waitFor(async () => (await redis.keys()).find((key) => !before.has(key) && /lock/i.test(key)), 10_000);
        expect(lockKey, `a lock key appeared; keys now: ${(await redis.keys()).join(', ')}`).toBeDefined();
        await r.kill(0);
        await doomed;
        emulator.controls.resetCounts();
        emulator.controls.clearOutages();
        expect(await redis.keys(), 'the dead replica’s lock is still held').toContain(lockKey);

        const started = Date.now();
        const results = await Promise.all([1, 2, 1, 2, 1, 2].map((index) => refreshing(jar, index)));
        const elapsed = Date.now() - started;
        expect(results.map((result) => result.status)).toEqual(Array(6).fill(refreshed));
        expect(elapsed, `waited ${elapsed} ms for the dead replica's lock`).toBeLessThan(LOCK_BOUND_MS);
        expect(emulator.controls.counts()['token.refresh_token']).toBe(1);
        for (const index of [1, 2]) {
          const result = await r.requestReplica(index, jar, 'GET', '/api/me');
          expect(result.status, `replica ${index}: ${result.text}`).toBe(200);
        }
        expect(emulator.controls.counts()['token.refresh_token']).toBe(1);
      });
    });
  });
}

/** Polls `probe` until it returns a value or `timeoutMs` passes. */
async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';

/** One random edit of a sealed value: a changed, dropped or inserted character, or a truncation. */
function mutate(value: string, random: () => number): string {
  const at = Math.floor(random() * value.length);
  const char = ALPHABET[Math.floor(random() * ALPHABET.length)] ?? 'A';
  switch (Math.floor(random() * 4)) {
    case 0:
      return value.slice(0, at) + (value[at] === char ? (char === 'A' ? 'B' : 'A') : char) + value.slice(at + 1);
    case 1:
      return value.slice(0, at) + value.slice(at + 1);
    case 2:
      return value.slice(0, at) + char + value.slice(at);
    default:
      return value.slice(0, at);
  }
}
