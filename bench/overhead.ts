/**
 * Benchmark 3: what `requireSession` costs per request under load.
 *
 * Four app processes (see overhead-app.ts) serve the same route: with no
 * auth, behind the generated `sessionRouter()` + `requireSession`, behind
 * `requireSession` alone, and behind the SDK's `validateToken`. autocannon, in this process, loads each in turn over
 * loopback; the apps run in their own processes so the load generator and
 * the server do not share an event loop.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import autocannon from 'autocannon';

import { type RunningApp, startApp } from '../src/demo/project.js';
import { startEmulator } from '../src/emulator/index.js';
import { deferCleanup } from './lib/cleanup.js';
import { applySessionEnv, createGeneratedProject, type GeneratedCrypto, type GeneratedPolicy, keyEntry, sessionEnv } from './lib/project.js';
import type { Section } from './lib/report.js';
import { count, mebibytes, median, milliseconds, ratio, spread } from './lib/stats.js';

const CONNECTIONS = 10;
const WARMUP_SECONDS = 1;
const ROUND_SECONDS = 1;
const ROUNDS = 10;

type Variant = 'none' | 'generated' | 'guard-only' | 'sdk';
const VARIANTS: readonly Variant[] = ['none', 'generated', 'guard-only', 'sdk'];
const LABELS: Record<Variant, string> = {
  none: 'no auth (baseline)',
  generated: 'generated: sessionRouter + requireSession',
  'guard-only': 'generated: requireSession only',
  sdk: 'SDK validateToken per request',
};

interface Server {
  variant: Variant;
  app: RunningApp;
  stop: () => Promise<void>;
  headers: Record<string, string>;
  /** One entry per round. */
  requestsPerSecond: number[];
  cpuPerRequestUs: number[];
  p99: number[];
  meanLatency: number[];
  /** Per round, this ÷ the no-auth app in the same round. */
  throughputRatios: number[];
  cpuRatios: number[];
  start: Stats;
  afterLoad: Stats;
  /** After load and a forced GC. */
  retained: Stats;
}

/** What an app reports about itself at `/__bench/stats`. */
interface Stats {
  rss: number;
  heapUsed: number;
  /** User + system CPU time since the process started, µs. */
  cpuUs: number;
}

const NO_STATS: Stats = { rss: 0, heapUsed: 0, cpuUs: 0 };

export async function benchOverhead(): Promise<Section> {
  const emulator = await startEmulator();
  const closeEmulator = deferCleanup(() => emulator.close());
  const project = await createGeneratedProject({ framework: 'express' }, 'sss-bench-overhead-');
  const servers: Server[] = [];
  try {
    const keys = keyEntry();
    const env = sessionEnv(emulator, keys);
    // This process seals the cookie the generated app will open: same keyring.
    applySessionEnv(env);
    const { seal } = await project.load<GeneratedCrypto>('crypto.ts');
    const { COOKIES } = await project.load<GeneratedPolicy>('policy.ts');
    const token = await emulator.controls.mintAccessToken({}, { ttlSeconds: 3600 });
    const sessionCookie = `${COOKIES.access.name}=${seal('access', token)}`;

    // startApp runs the project's app.ts; make it the benchmark app.
    const appModule = fileURLToPath(new URL('./overhead-app.ts', import.meta.url));
    await writeFile(path.join(project.dir, 'app.ts'), `import ${JSON.stringify(pathToFileURL(appModule).href)};\n`);

    for (const variant of VARIANTS) {
      const app = await startApp(project.dir, {
        ...env,
        BENCH_VARIANT: variant,
        BENCH_SESSION_INDEX: project.file('index.ts'),
        // Lets /__bench/memory?gc=1 collect garbage before reading the heap.
        NODE_OPTIONS: [process.env.NODE_OPTIONS, '--expose-gc'].filter(Boolean).join(' '),
      });
      const stop = deferCleanup(() => app.stop());
      // The no-auth app gets the generated cookie too, so the request bytes match.
      const cookie = variant === 'sdk' ? `sk_token=${token}` : sessionCookie;
      servers.push({
        variant,
        app,
        stop,
        headers: { cookie },
        requestsPerSecond: [],
        cpuPerRequestUs: [],
        p99: [],
        meanLatency: [],
        throughputRatios: [],
        cpuRatios: [],
        start: NO_STATS,
        afterLoad: NO_STATS,
        retained: NO_STATS,
      });
    }

    // Each guard must really be guarding, and letting this cookie through, before it is timed.
    for (const server of servers) {
      const ok = await fetch(`${server.app.url}/api/me`, { headers: server.headers, signal: AbortSignal.timeout(10_000) });
      if (ok.status !== 200) throw new Error(`${server.variant}: /api/me answered ${ok.status} with the session cookie`);
      if (server.variant !== 'none') {
        const refused = await fetch(`${server.app.url}/api/me`, { signal: AbortSignal.timeout(10_000) });
        if (refused.status !== 401) throw new Error(`${server.variant}: /api/me answered ${refused.status} without a cookie`);
      }
      server.start = await stats(server.app.url, true);
    }

    for (const server of servers) await load(server, WARMUP_SECONDS);
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order so that no variant always runs first or last.
      const order = servers.map((_, i) => servers[(i + round) % servers.length] as Server);
      for (const server of order) {
        const before = await stats(server.app.url, false);
        const result = await load(server, ROUND_SECONDS);
        const after = await stats(server.app.url, false);
        server.requestsPerSecond.push(result['2xx'] / result.duration);
        // CPU time the app spent per request: far less sensitive than req/s to
        // neighbours taking turns on the same cores.
        server.cpuPerRequestUs.push((after.cpuUs - before.cpuUs) / result['2xx']);
        server.p99.push(result.latency.p99);
        server.meanLatency.push(result.latency.average);
      }
      const base = servers.find((s) => s.variant === 'none') as Server;
      for (const server of servers) {
        server.throughputRatios.push((server.requestsPerSecond.at(-1) as number) / (base.requestsPerSecond.at(-1) as number));
        server.cpuRatios.push((server.cpuPerRequestUs.at(-1) as number) / (base.cpuPerRequestUs.at(-1) as number));
      }
      console.log(
        `  round ${round + 1}: ${order.map((s) => `${s.variant} ${count(s.requestsPerSecond.at(-1) as number)} req/s, ${count(s.cpuPerRequestUs.at(-1) as number)} µs CPU/req`).join('; ')}`,
      );
    }
    for (const server of servers) {
      server.afterLoad = await stats(server.app.url, false);
      server.retained = await stats(server.app.url, true);
    }

    const baseline = servers.find((s) => s.variant === 'none') as Server;
    const generated = servers.find((s) => s.variant === 'generated') as Server;
    const guardOnly = servers.find((s) => s.variant === 'guard-only') as Server;
    const sdk = servers.find((s) => s.variant === 'sdk') as Server;
    const p99Ratio = (s: Server) => median(s.p99) / median(baseline.p99);
    const cpuOverheadUs = (s: Server) => median(s.cpuPerRequestUs) - median(baseline.cpuPerRequestUs);

    return {
      title: 'Request overhead under load',
      method: [
        'Four app processes serve the same Express 5 route (`GET /api/me`, body `{"ok":true}`), each started by the project\'s `startApp` (tsx, `NODE_ENV=development`) on 127.0.0.1: ' +
          '**no auth**; the **generated** code wired as the README shows, `app.use(sessionRouter())` plus `requireSession` on the route (default config); `requireSession` **only**, to separate the guard from the router every request walks through; ' +
          'and the **SDK**\'s `validateToken(token, { issuer, audience })` on a plain token cookie, every request. ' +
          'The generated app gets a valid sealed access cookie, the SDK app the raw token; the no-auth app gets the sealed cookie too, so request sizes match.',
        `autocannon runs in the benchmark process, ${CONNECTIONS} connections, no pipelining: ${WARMUP_SECONDS} s warm-up per app (discarded), then ${ROUNDS} rounds × ${ROUND_SECONDS} s per app, order rotated each round. ` +
          'req/s is 2xx responses ÷ duration (any non-2xx or error fails the run); the ratio is the median of per-round ratios to the no-auth app. ' +
          'CPU per request is the app\'s own `process.cpuUsage()` (user + system) over the round ÷ the requests it served: it does not count time the app spent waiting for a core, so it is the steadier of the two on a shared machine. ' +
          'Memory is each app\'s own `process.memoryUsage()`, read over HTTP: after start-up and the check requests (after a forced GC; the apps run with `--expose-gc`), right after the last round (RSS as the OS sees it), and again after a forced GC (heap the app retains). ' +
          'autocannon records latency in whole milliseconds, so sub-millisecond differences only show in req/s.',
        'The same cookie is sent on every request, so `requireSession` serves from its verified-token cache after the first request: this is the steady state of a signed-in browser. The cache-miss cost is in benchmark 1.',
      ],
      tables: [
        {
          headers: ['app', 'req/s (median)', 'req/s vs no auth', 'per-round ratios', 'mean latency', 'p99 latency', 'p99 vs no auth'],
          rows: servers.map((s) => [
            LABELS[s.variant],
            count(median(s.requestsPerSecond)),
            ratio(median(s.throughputRatios)),
            spread(s.throughputRatios),
            milliseconds(median(s.meanLatency)),
            milliseconds(median(s.p99)),
            ratio(p99Ratio(s)),
          ]),
        },
        {
          headers: ['app', 'app CPU per request (median)', 'vs no auth', 'per-round ratios', 'added per request'],
          rows: servers.map((s) => [
            LABELS[s.variant],
            `${median(s.cpuPerRequestUs).toFixed(0)} µs`,
            ratio(median(s.cpuRatios)),
            spread(s.cpuRatios),
            s === baseline ? '—' : `${cpuOverheadUs(s).toFixed(0)} µs`,
          ]),
        },
        {
          headers: ['app', 'RSS after start', 'RSS after load', 'RSS after load vs no auth', 'heap after start (GC)', 'heap after load (GC)', 'heap growth'],
          rows: servers.map((s) => [
            LABELS[s.variant],
            mebibytes(s.start.rss),
            mebibytes(s.afterLoad.rss),
            ratio(s.afterLoad.rss / baseline.afterLoad.rss),
            mebibytes(s.start.heapUsed),
            mebibytes(s.retained.heapUsed),
            mebibytes(s.retained.heapUsed - s.start.heapUsed),
          ]),
        },
      ],
      notes: [
        `Each app gets one core at most (the machine has ${os.cpus().length}, shared with autocannon and whatever else runs), so req/s here is not a capacity claim. ` +
          'Where the per-round req/s ratios spread widely, trust the CPU-per-request ratio more.',
        `Wired as the README shows, the generated code keeps ${ratio(median(generated.throughputRatios))} of the no-auth throughput and adds about ${cpuOverheadUs(generated).toFixed(0)} µs of CPU per request; ` +
          `\`requireSession\` alone adds about ${cpuOverheadUs(guardOnly).toFixed(0)} µs. ${routerShare(generated, guardOnly)} ` +
          `The SDK's per-request verification keeps ${ratio(median(sdk.throughputRatios))} of the throughput and adds about ${cpuOverheadUs(sdk).toFixed(0)} µs.`,
        'That guard cost is well above what `authenticate` takes in benchmark 1\'s tight loop: under HTTP load, caches are cold between requests and the core is shared. ' +
          'An earlier CPU profile of the guard-only app under this load put most of `requireSession`\'s own time in `open` (AES-GCM decipher setup and strict base64url decoding); since then a cache hit skips `open` as well as the signature check, and this run measures that version.',
        'Memory: the generated and SDK apps load `@scalekit-sdk/node` (and with it axios, gRPC/Connect and protobuf) and jose; the no-auth app loads only Express, which is most of the difference at start-up. ' +
          'RSS after load mostly reflects how far V8 let the heap grow between collections, so it is indicative only; the heap after a forced GC is what stays (for the generated app, its verified-token cache holds one entry here).',
      ],
      headline:
        `requireSession keeps ${ratio(median(generated.throughputRatios))} of no-auth req/s (p99 ${ratio(p99Ratio(generated))}, CPU/request ${ratio(median(generated.cpuRatios))}); ` +
        `SDK validateToken per request keeps ${ratio(median(sdk.throughputRatios))} (CPU/request ${ratio(median(sdk.cpuRatios))})`,
    };
  } finally {
    for (const server of servers) await server.stop();
    await project.remove();
    await closeEmulator();
  }
}

/** The mounted router's share, or a plain statement that this run cannot resolve it. */
function routerShare(full: Server, guardOnly: Server): string {
  const [fullLow, fullHigh] = [Math.min(...full.cpuRatios), Math.max(...full.cpuRatios)];
  const [guardLow, guardHigh] = [Math.min(...guardOnly.cpuRatios), Math.max(...guardOnly.cpuRatios)];
  const overlap = fullLow <= guardHigh && guardLow <= fullHigh;
  const difference = median(full.cpuPerRequestUs) - median(guardOnly.cpuPerRequestUs);
  return overlap
    ? `The two generated rows' per-round CPU ratios overlap, so the mounted router's share is within this run's noise (their medians differ by ${Math.abs(difference).toFixed(0)} µs${difference < 0 ? ', with the router-less app the slower one' : ''}).`
    : `The mounted router, which every request walks through, accounts for about ${difference.toFixed(0)} µs.`;
}

async function load(server: Server, seconds: number): Promise<autocannon.Result> {
  const result = await autocannon({
    url: `${server.app.url}/api/me`,
    connections: CONNECTIONS,
    duration: seconds,
    timeout: 10,
    headers: server.headers,
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${server.variant}: ${result.non2xx} non-2xx responses and ${result.errors} errors under load`);
  }
  return result;
}

async function stats(url: string, collectFirst: boolean): Promise<Stats> {
  const response = await fetch(`${url}/__bench/stats${collectFirst ? '?gc=1' : ''}`, { signal: AbortSignal.timeout(10_000) });
  const { memory, cpu } = (await response.json()) as { memory: NodeJS.MemoryUsage; cpu: NodeJS.CpuUsage };
  return { rss: memory.rss, heapUsed: memory.heapUsed, cpuUs: cpu.user + cpu.system };
}
