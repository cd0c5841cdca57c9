/**
 * Benchmark 3: what the generated session code costs per request under load,
 * on Express, Fastify and Koa.
 *
 * Per framework, three app processes (see overhead-app.ts) serve the same
 * route: with no auth, with the generated code wired as the README shows
 * (auth routes mounted + `requireSession`), and behind the SDK's
 * `validateToken` per request. autocannon, in this process, loads each in turn
 * over loopback, in rounds with the order rotated; the apps run in their own
 * processes so the load generator and the server do not share an event loop.
 */
import os from 'node:os';

import autocannon from 'autocannon';

import { startEmulator } from '../src/emulator/index.js';
import { appStats, type AppStats, type BenchApp, checkGuarding, createBenchProject, startBenchApp, ungatedIndex } from './lib/apps.js';
import { deferCleanup } from './lib/cleanup.js';
import { FRAMEWORKS, type Framework, keyEntry } from './lib/project.js';
import type { Section } from './lib/report.js';
import { count, mebibytes, median, milliseconds, ratio, spread } from './lib/stats.js';

const CONNECTIONS = 10;
const WARMUP_SECONDS = 1;
const ROUND_SECONDS = 1;
const ROUNDS = Number(process.env.BENCH_OVERHEAD_ROUNDS ?? 8);
/** A per-round ratio range wider than this (max − min) is called out as not narrow. */
const NARROW = 0.15;

/** `ungated`: the generated code with the routing gate of the Express auth router switched off, as before it. */
type Kind = 'none' | 'loaded' | 'generated' | 'ungated' | 'sdk';
const LABELS: Record<Framework, Record<Kind, string>> = {
  express: {
    none: 'Express, no auth',
    loaded: 'Express, no auth, generated code imported',
    generated: 'Express, `sessionRouter()` + `requireSession`',
    ungated: 'Express, same, routing gate off',
    sdk: 'Express, SDK `validateToken`',
  },
  fastify: { none: 'Fastify, no auth', loaded: 'Fastify, no auth, generated code imported', generated: 'Fastify, `sessionPlugin` + `requireSession`', ungated: '—', sdk: 'Fastify, SDK `validateToken`' },
  koa: { none: 'Koa, no auth', loaded: 'Koa, no auth, generated code imported', generated: 'Koa, `sessionRoutes()` + `requireSession`', ungated: 'Koa, same, routing gate off', sdk: 'Koa, SDK `validateToken`' },
};

interface Server {
  kind: Kind;
  app: BenchApp;
  headers: Record<string, string>;
  /** One entry per round. */
  requestsPerSecond: number[];
  cpuPerRequestUs: number[];
  p99: number[];
  /** Per round, this ÷ the no-auth app of the same framework in the same round. */
  throughputRatios: number[];
  cpuRatios: number[];
  p99Ratios: number[];
  start: AppStats;
  retained: AppStats;
}

export async function benchOverhead(): Promise<Section> {
  const emulator = await startEmulator();
  const closeEmulator = deferCleanup(() => emulator.close());
  const keys = keyEntry();
  const token = await emulator.controls.mintAccessToken({}, { ttlSeconds: 3600 });
  const all: Server[] = [];
  const load = { start: os.loadavg()[0] ?? 0, end: 0 };
  try {
    for (const framework of FRAMEWORKS) {
      const project = await createBenchProject(framework, emulator, keys, `sss-bench-overhead-${framework}-`);
      const sessionCookie = project.sessionCookie(token);
      const servers: Server[] = [];
      try {
        const ungated = await ungatedIndex(project);
        const kinds: Kind[] = ungated ? ['none', 'loaded', 'generated', 'ungated', 'sdk'] : ['none', 'loaded', 'generated', 'sdk'];
        const apps = await Promise.all(
          kinds.map((kind) =>
            kind === 'ungated'
              ? startBenchApp(project, 'generated', {}, ungated)
              : kind === 'loaded'
                ? startBenchApp(project, 'none', { BENCH_PRELOAD: '1' })
                : startBenchApp(project, kind),
          ),
        );
        for (const [i, app] of apps.entries()) {
          // The no-auth app gets the sealed cookie too, so the request bytes match.
          const headers = { cookie: app.variant === 'sdk' ? `sk_token=${token}` : sessionCookie };
          // Each guard must really be guarding, and letting this cookie through, before it is timed.
          await checkGuarding(app, headers);
          servers.push({
            kind: kinds[i] as Kind,
            app,
            headers,
            requestsPerSecond: [],
            cpuPerRequestUs: [],
            p99: [],
            throughputRatios: [],
            cpuRatios: [],
            p99Ratios: [],
            start: await appStats(app.url, true),
            retained: await appStats(app.url, true),
          });
        }
        for (const server of servers) await hit(server, WARMUP_SECONDS);
        for (let round = 0; round < ROUNDS; round++) {
          // Rotate the order so that no variant always runs first or last.
          const order = servers.map((_, i) => servers[(i + round) % servers.length] as Server);
          for (const server of order) {
            const before = await appStats(server.app.url, false);
            const result = await hit(server, ROUND_SECONDS);
            const after = await appStats(server.app.url, false);
            server.requestsPerSecond.push(result['2xx'] / result.duration);
            // CPU time the app spent per request: far less sensitive than req/s to
            // neighbours taking turns on the same cores.
            server.cpuPerRequestUs.push((after.cpuUs - before.cpuUs) / result['2xx']);
            server.p99.push(result.latency.p99);
          }
          const base = servers[0] as Server;
          for (const server of servers) {
            server.throughputRatios.push((server.requestsPerSecond.at(-1) as number) / (base.requestsPerSecond.at(-1) as number));
            server.cpuRatios.push((server.cpuPerRequestUs.at(-1) as number) / (base.cpuPerRequestUs.at(-1) as number));
            server.p99Ratios.push((server.p99.at(-1) as number) / (base.p99.at(-1) as number));
          }
          console.log(
            `  ${framework} round ${round + 1}: ${servers.map((s) => `${s.kind} ${count(s.requestsPerSecond.at(-1) as number)} req/s ${count(s.cpuPerRequestUs.at(-1) as number)} µs`).join('; ')}`,
          );
        }
        for (const server of servers) server.retained = await appStats(server.app.url, true);
        all.push(...servers);
      } finally {
        for (const app of servers.map((s) => s.app)) await app.stop();
        await project.remove();
      }
    }
    load.end = os.loadavg()[0] ?? 0;

    const find = (s: Server, kind: Kind) => all.find((b) => b.app.framework === s.app.framework && b.kind === kind);
    const baseOf = (s: Server) => find(s, 'none') as Server;
    const sdkOf = (s: Server) => find(s, 'sdk') as Server;
    // Per round, this app's CPU per request minus the no-auth app's in the same round.
    const addedPerRound = (s: Server) => s.cpuPerRequestUs.map((us, i) => us - (baseOf(s).cpuPerRequestUs[i] as number));
    const addedCpu = (s: Server) => median(addedPerRound(s));
    const usRange = (values: number[]) => `${Math.min(...values).toFixed(0)} to ${Math.max(...values).toFixed(0)} µs`;
    const generated = all.filter((s) => s.kind === 'generated');
    const wide = all.filter((s) => s.kind !== 'none' && Math.max(...s.throughputRatios) - Math.min(...s.throughputRatios) > NARROW);
    const wideCpu = all.filter((s) => s.kind !== 'none' && Math.max(...s.cpuRatios) - Math.min(...s.cpuRatios) > NARROW);
    const label = (s: Server) => LABELS[s.app.framework][s.kind];
    // The gate's effect: per round, the gated app's CPU per request minus the ungated one's, both measured in that round.
    const gateEffect = (s: Server) => {
      const off = find(s, 'ungated');
      if (!off) return undefined;
      const savedUs = s.cpuPerRequestUs.map((us, i) => (off.cpuPerRequestUs[i] as number) - us);
      const throughput = s.requestsPerSecond.map((rps, i) => rps / (off.requestsPerSecond[i] as number));
      return `${s.app.framework}: the gate saves ${median(savedUs).toFixed(1)} µs CPU per request (per round ${Math.min(...savedUs).toFixed(1)} to ${Math.max(...savedUs).toFixed(1)} µs), req/s ${ratio(median(throughput))} of the ungated app (${spread(throughput)})`;
    };
    /** A target judged on the median, and on whether every round agrees: a per-round range across the threshold leaves it unresolved. */
    const judge = (values: number[], meets: (value: number) => boolean) => {
      const all = values.every(meets);
      const none = !values.some(meets);
      const atMedian = meets(median(values)) ? 'met' : 'missed';
      return all || none ? `${atMedian} in every round` : `${atMedian} at the median, not resolved (rounds on both sides)`;
    };
    const verdict = (s: Server) => {
      const vsSdk = s.requestsPerSecond.map((rps, i) => rps / (sdkOf(s).requestsPerSecond[i] as number));
      return (
        `${s.app.framework}: ${ratio(median(s.throughputRatios))} of no-auth req/s (≥ 0.90×: ${judge(s.throughputRatios, (v) => v >= 0.9)}), ` +
        `+${addedCpu(s).toFixed(0)} µs CPU/request (≤ +30 µs: ${judge(addedPerRound(s), (v) => v <= 30)}), ` +
        `${ratio(median(vsSdk))} the SDK's req/s (≥ 2×: ${judge(vsSdk, (v) => v >= 2)})`
      );
    };

    return {
      title: 'Request overhead under load (Express, Fastify, Koa)',
      method: [
        'For each framework, four app processes (five on Express) (`bench/overhead-app.ts`) serve the same route (`GET /api/me`, body `{"ok":true}`), each started by the project\'s `startApp` (tsx, `NODE_ENV=development`) on 127.0.0.1: ' +
          '**no auth**; no auth but with the generated `index.ts` **imported** (and with it the SDK, jose and their dependencies), never called; the **generated** code (default config) wired exactly as the README shows, i.e. Express `app.use(sessionRouter())`, Fastify `await app.register(sessionPlugin)`, Koa `app.use(sessionRoutes())` in front of the app\'s own `@koa/router` with `allowedMethods()`, plus `requireSession` on the route; ' +
          'on Express, the same generated code with the routing gate off (`mayBeAuthRoute` in routes.ts always "maybe", so every request walks the auth router as before the gate); ' +
          'and the Scalekit guidance\'s way, the **SDK**\'s `validateToken(token, { issuer, audience })` on a plain token cookie, every request. ' +
          'The generated app gets a valid sealed access cookie, the SDK app the raw token; the no-auth app gets the sealed cookie too, so request sizes match.',
        `autocannon runs in the benchmark process, ${CONNECTIONS} connections, no pipelining: ${WARMUP_SECONDS} s warm-up per app (discarded), then ${ROUNDS} rounds × ${ROUND_SECONDS} s per app, order rotated each round; frameworks one after another. ` +
          'req/s is 2xx responses ÷ duration (any non-2xx or error fails the run); each ratio is the median of per-round ratios to the same framework\'s no-auth app in the same round, next to the range of those ratios. ' +
          'CPU per request is the app\'s own `process.cpuUsage()` (user + system) over the round ÷ the requests it served: it does not count time the app spent waiting for a core, so it is the steadier figure on a shared machine. ' +
          'Memory is each app\'s `process.memoryUsage()` after a forced GC (`--expose-gc`), after start-up and after the last round. autocannon records latency in whole milliseconds.',
        'The same cookie is sent on every request, so `requireSession` serves from its verified-token cache after the first request: the steady state of a signed-in browser. The cache-miss cost is in benchmark 1; many distinct sessions are in the memory benchmark.',
        `1-minute load average ${load.start.toFixed(1)} when this benchmark started and ${load.end.toFixed(1)} when it ended, on ${os.cpus().length} CPUs.`,
      ],
      tables: [
        {
          headers: ['app', 'req/s (median)', 'req/s vs no auth', 'per-round ratios', 'p99 latency', 'p99 vs no auth'],
          rows: all.map((s) => [
            label(s),
            count(median(s.requestsPerSecond)),
            ratio(median(s.throughputRatios)),
            spread(s.throughputRatios),
            milliseconds(median(s.p99)),
            ratio(median(s.p99Ratios)),
          ]),
        },
        {
          headers: ['app', 'app CPU per request (median)', 'vs no auth', 'per-round ratios', 'added per request (median of per-round differences, range)', 'heap after load (GC)'],
          rows: all.map((s) => [
            label(s),
            `${median(s.cpuPerRequestUs).toFixed(1)} µs`,
            ratio(median(s.cpuRatios)),
            spread(s.cpuRatios),
            s.kind === 'none' ? '—' : `${addedCpu(s).toFixed(1)} µs (${usRange(addedPerRound(s))})`,
            mebibytes(s.retained.heapUsed),
          ]),
        },
      ],
      notes: [
        `Targets (generated code, router mounted): ≥ 0.90× no-auth req/s, ≤ +30 µs CPU per request, ≥ 2× the SDK's req/s. ${generated.map(verdict).join('; ')}.`,
        wide.length + wideCpu.length === 0
          ? `Every per-round ratio range is within ${NARROW.toFixed(2)}.`
          : `Not narrow (per-round range wider than ${NARROW.toFixed(2)}): ${[...new Set([...wide, ...wideCpu])].map((s) => `${label(s)} (req/s ${spread(s.throughputRatios)}, CPU ${spread(s.cpuRatios)})`).join('; ')}. ` +
            'Each app gets a core at most, shared with autocannon and everything else on the machine, so req/s swings with the neighbours; the CPU-per-request figure is the one to trust there.',
        `Routing gate (the Express auth router is skipped for a path no auth route can match; "gate off" is the same generated code with the gate always saying "maybe", run side by side): ${generated
          .map(gateEffect)
          .filter(Boolean)
          .join('; ')}.`,
        `Imported but never called, the generated code and what it loads cost ${generated
          .map((s) => {
            const loaded = find(s, 'loaded') as Server;
            const runPerRound = s.cpuPerRequestUs.map((us, i) => us - (loaded.cpuPerRequestUs[i] as number));
            return `${s.app.framework} ${addedCpu(loaded).toFixed(0)} µs per request (${usRange(addedPerRound(loaded))}), and running it per request ${median(runPerRound).toFixed(0)} µs more (${usRange(runPerRound)})`;
          })
          .join('; ')}.`,
        'Memory: the generated and SDK apps load `@scalekit-sdk/node` (and with it axios, gRPC/Connect and protobuf) and jose; the no-auth app loads only its framework, which is most of the difference in heap.',
      ],
      headline: generated.map(verdict).join('; '),
    };
  } finally {
    await closeEmulator();
  }
}

async function hit(server: Server, seconds: number): Promise<autocannon.Result> {
  const result = await autocannon({
    url: `${server.app.url}/api/me`,
    connections: CONNECTIONS,
    duration: seconds,
    timeout: 10,
    headers: server.headers,
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${server.app.framework} ${server.app.variant}: ${result.non2xx} non-2xx responses and ${result.errors} errors under load`);
  }
  return result;
}
