/**
 * Benchmark: the Redis session store (contract §7).
 *
 * 1. Request overhead: the same Express route with no auth, behind the
 *    generated cookie store, and behind the generated Redis store, each in
 *    its own process, loaded in interleaved rounds; plus the Redis commands
 *    the Redis app sends per authenticated request (INFO commandstats).
 * 2. A refresh storm across three replicas: one session whose access token
 *    has expired, 200 concurrent requests spread round-robin over three
 *    processes of the Redis-store app: token-endpoint calls, failures, p50/p99.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import autocannon from 'autocannon';

import { CookieJar, signIn } from '../src/demo/http-client.js';
import { type RunningApp, startApp } from '../src/demo/project.js';
import { startEmulator } from '../src/emulator/index.js';
import { REDIS_SERVER, redisAvailable, type RedisServer, startRedisServer } from '../test/helpers/redis-process.js';
import { deferCleanup } from './lib/cleanup.js';
import { createGeneratedProject, keyEntry, sessionEnv } from './lib/project.js';
import type { Section } from './lib/report.js';
import { count, median, milliseconds, ratio, sleep, spread } from './lib/stats.js';

const CONNECTIONS = 10;
const ROUND_SECONDS = 1;
const ROUNDS = 8;
const STORM = 200;
const REPLICAS = 3;

type Variant = 'none' | 'cookie' | 'redis';
const LABELS: Record<Variant, string> = {
  none: 'no auth (baseline)',
  cookie: 'generated, cookie store',
  redis: 'generated, Redis store',
};

interface Server {
  variant: Variant;
  app: RunningApp;
  cookie: string;
  requestsPerSecond: number[];
  cpuPerRequestUs: number[];
  p99: number[];
  throughputRatios: number[];
}

export async function benchRedisStore(): Promise<Section> {
  if (!redisAvailable()) {
    return {
      title: 'The Redis store',
      method: [`Needs redis-server (apt-get install redis-server, or REDIS_SERVER_PATH); none at ${REDIS_SERVER}, so nothing was measured.`],
      tables: [],
      notes: [],
      headline: 'Redis store: skipped (no redis-server)',
    };
  }
  const redis = await startRedisServer();
  const stopRedis = deferCleanup(() => redis.stop());
  const emulator = await startEmulator();
  const closeEmulator = deferCleanup(() => emulator.close());
  const keys = keyEntry();
  const env = { ...sessionEnv(emulator, keys), REDIS_URL: redis.url };
  const cookieProject = await createGeneratedProject({ framework: 'express' }, 'sss-bench-cookie-');
  const redisProject = await createGeneratedProject({ framework: 'express', store: { type: 'redis' } }, 'sss-bench-redis-');
  const stormProject = await createGeneratedProject(
    { framework: 'express', store: { type: 'redis' }, refresh: { mode: 'transparent', leewaySeconds: 0 } },
    'sss-bench-redis-storm-',
  );
  const appModule = pathToFileURL(fileURLToPath(new URL('./overhead-app.ts', import.meta.url))).href;
  const stops: (() => Promise<void>)[] = [];
  try {
    // --- 1. Overhead ---------------------------------------------------------
    const servers: Server[] = [];
    for (const [variant, project] of [['none', cookieProject], ['cookie', cookieProject], ['redis', redisProject]] as const) {
      await writeFile(path.join(project.dir, 'app.ts'), `import ${JSON.stringify(appModule)};\n`);
      const app = await startApp(project.dir, {
        ...env,
        BENCH_VARIANT: variant === 'none' ? 'none' : 'generated',
        BENCH_SESSION_INDEX: project.file('index.ts'),
      });
      stops.push(deferCleanup(() => app.stop()));
      servers.push({ variant, app, cookie: '', requestsPerSecond: [], cpuPerRequestUs: [], p99: [], throughputRatios: [] });
    }
    // A real sign-in through each generated app gives its own session cookie(s).
    for (const server of servers) {
      if (server.variant === 'none') continue;
      const jar = new CookieJar();
      const hops = await signIn(jar, server.app.url);
      if (hops[2]?.status !== 302) throw new Error(`${server.variant}: sign-in callback answered ${hops[2]?.status}`);
      server.cookie = jar.header('/api/me');
    }
    const none = servers[0] as Server;
    none.cookie = (servers[2] as Server).cookie;
    for (const server of servers) {
      const answer = await fetch(`${server.app.url}/api/me`, { headers: { cookie: server.cookie } });
      if (answer.status !== 200) throw new Error(`${server.variant}: /api/me answered ${answer.status} with its session cookie`);
    }

    for (const server of servers) await load(server, 1);
    const commandsBefore = await redisCommandCount(redis);
    let redisRequests = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const order = servers.map((_, i) => servers[(i + round) % servers.length] as Server);
      for (const server of order) {
        const before = await cpu(server.app.url);
        const result = await load(server, ROUND_SECONDS);
        const after = await cpu(server.app.url);
        if (server.variant === 'redis') redisRequests += result['2xx'];
        server.requestsPerSecond.push(result['2xx'] / result.duration);
        server.cpuPerRequestUs.push((after - before) / result['2xx']);
        server.p99.push(result.latency.p99);
      }
      for (const server of servers) {
        server.throughputRatios.push((server.requestsPerSecond.at(-1) as number) / (none.requestsPerSecond.at(-1) as number));
      }
    }
    // The CPU probes and INFO itself are not requests of the app: count only the app's commands.
    const commands = (await redisCommandCount(redis)) - commandsBefore;
    const perRequest = commands / redisRequests;
    const cpuAdded = (s: Server) => median(s.cpuPerRequestUs) - median(none.cpuPerRequestUs);
    const redisServer = servers[2] as Server;
    const cookieServer = servers[1] as Server;
    for (const stop of stops.splice(0)) await stop();

    // --- 2. Refresh storm across three replicas ------------------------------
    const { controls } = emulator;
    const replicas: RunningApp[] = [];
    for (let i = 0; i < REPLICAS; i++) {
      const app = await startApp(stormProject.dir, env);
      stops.push(deferCleanup(() => app.stop()));
      replicas.push(app);
    }
    controls.setAccessTokenTtl(1);
    const jar = new CookieJar();
    const hops = await signIn(jar, (replicas[0] as RunningApp).url);
    if (hops[2]?.status !== 302) throw new Error(`storm sign-in callback answered ${hops[2]?.status}`);
    controls.setAccessTokenTtl(300);
    // The session cookie never changes with this store: every request carries the same one.
    const cookie = jar.header('/api/me');
    await sleep(2500);
    controls.resetCounts();
    const startedAt = performance.now();
    const results = await Promise.all(
      Array.from({ length: STORM }, async (_, i) => {
        const t0 = performance.now();
        const answer = await fetch(`${(replicas[i % REPLICAS] as RunningApp).url}/api/me`, { headers: { cookie } }).catch(() => undefined);
        return { status: answer?.status ?? 0, ms: performance.now() - t0 };
      }),
    );
    const stormMs = performance.now() - startedAt;
    const tokenCalls = controls.counts()['token.refresh_token'];
    const failures = results.filter((r) => r.status !== 200).length;
    const latencies = results.map((r) => r.ms).sort((a, b) => a - b);
    const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] as number;

    return {
      title: 'The Redis store: overhead, commands per request, refresh storm across replicas',
      method: [
        'Three Express 5 processes serve `GET /api/me` (the app of the overhead benchmark): **no auth**; the generated **cookie store** and the generated **Redis store**, each wired as the README shows (`sessionRouter()` plus `requireSession`, default config). ' +
          `Each generated app is signed in once through the emulator and loaded with its own session cookie; the no-auth app gets the Redis app's cookie. Redis is Debian's redis-server on loopback, persistence off. autocannon in this process, ${CONNECTIONS} connections, 1 s warm-up, then ${ROUNDS} rounds × ${ROUND_SECONDS} s per app, order rotated each round; ratios are medians of per-round ratios to the no-auth app; CPU per request is the app's own process.cpuUsage() over the round ÷ requests.`,
        "Redis commands per authenticated request: `INFO commandstats` (total calls) before and after the timed rounds, minus the two INFO calls, ÷ the requests the Redis app served.",
        `Refresh storm: the transparent-mode Redis app runs as ${REPLICAS} processes sharing one Redis. One session signs in with 1-second access tokens, then waits 2.5 s; ${STORM} concurrent \`GET /api/me\` carrying that session cookie go round-robin to the ${REPLICAS} processes. Counted: token-endpoint calls (the emulator's), non-200 answers, and each request's latency.`,
      ],
      tables: [
        {
          headers: ['app', 'req/s (median)', 'vs no auth', 'per-round ratios', 'p99 latency', 'app CPU per request', 'added CPU per request'],
          rows: servers.map((s) => [
            LABELS[s.variant],
            count(median(s.requestsPerSecond)),
            ratio(median(s.throughputRatios)),
            spread(s.throughputRatios),
            milliseconds(median(s.p99)),
            `${median(s.cpuPerRequestUs).toFixed(0)} µs`,
            s.variant === 'none' ? '—' : `${cpuAdded(s).toFixed(0)} µs`,
          ]),
        },
        {
          headers: ['measure', 'value'],
          rows: [
            ['Redis commands per authenticated request (steady state)', perRequest.toFixed(2)],
            [`refresh storm: ${STORM} requests over ${REPLICAS} replicas, token-endpoint calls`, String(tokenCalls)],
            ['refresh storm: failures (non-200)', String(failures)],
            ['refresh storm: p50 / p99 / all done', `${milliseconds(p(0.5))} / ${milliseconds(p(0.99))} / ${milliseconds(stormMs)}`],
          ],
        },
      ],
      notes: [
        `The Redis store reads the session record on every request (one GET) and keeps nothing about a session between requests, so a revocation is seen by the next request on every process; the verified-token cache (keyed by the record's digest) still skips the signature check. The cost over the cookie store is that round trip: ${(cpuAdded(redisServer) - cpuAdded(cookieServer)).toFixed(0)} µs of app CPU per request here, and the loopback latency.`,
      ],
      headline: `Redis store: ${ratio(median(redisServer.throughputRatios))} of no-auth req/s (cookie store ${ratio(median(cookieServer.throughputRatios))}), ${perRequest.toFixed(2)} Redis commands per request; storm over ${REPLICAS} replicas: ${tokenCalls} token call, ${failures} failures`,
    };
  } finally {
    for (const stop of stops) await stop();
    await closeEmulator();
    await stopRedis();
    for (const project of [cookieProject, redisProject, stormProject]) await project.remove();
  }
}

async function load(server: Server, seconds: number): Promise<autocannon.Result> {
  const result = await autocannon({
    url: `${server.app.url}/api/me`,
    connections: CONNECTIONS,
    duration: seconds,
    timeout: 10,
    headers: { cookie: server.cookie },
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${server.variant}: ${result.non2xx} non-2xx responses and ${result.errors} errors under load`);
  }
  return result;
}

/** The app's own CPU time so far, µs (the overhead app reports it). */
async function cpu(url: string): Promise<number> {
  const answer = (await (await fetch(`${url}/__bench/stats`)).json()) as { cpu: { user: number; system: number } };
  return answer.cpu.user + answer.cpu.system;
}

/** Every command Redis has run since it started, less the INFO calls that read it. */
async function redisCommandCount(redis: RedisServer): Promise<number> {
  const info = await redis.cli('INFO', 'commandstats');
  let total = 0;
  for (const match of info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)) if (match[1] !== 'info') total += Number(match[2]);
  return total;
}
