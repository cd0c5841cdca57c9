/**
 * Benchmark 5: memory at scale. 10,000 distinct signed-in sessions, 100,000
 * then 200,000 requests spread over them; RSS and heap after a forced GC at
 * each point, the verification cache's hit rate at that working set, and what
 * its bound (`MAX_VERIFIED` in the generated session.ts) does to CPU per
 * request.
 */
import { cp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import autocannon from 'autocannon';

import { startEmulator } from '../src/emulator/index.js';
import { appStats, type AppStats, type BenchApp, createBenchProject, startBenchApp } from './lib/apps.js';
import { deferCleanup } from './lib/cleanup.js';
import { keyEntry } from './lib/project.js';
import type { Section } from './lib/report.js';
import { count, mebibytes, median, ratio, spread } from './lib/stats.js';

const SESSIONS = 10_000;
const PHASE_REQUESTS = Number(process.env.BENCH_MEMORY_REQUESTS ?? 100_000);
const ROUND_REQUESTS = 3_000;
const ROUNDS = 3;
const SEED = 0x5eed13;
/** Bounds compared; the generated default is read from session.ts. */
const OTHER_BOUNDS = [1_000, 4_000, 10_000];

interface BoundApp {
  bound: number;
  app: BenchApp;
  cpuPerRequestUs: number[];
  cpuRatios: number[];
}

export async function benchMemory(): Promise<Section> {
  const emulator = await startEmulator();
  const closeEmulator = deferCleanup(() => emulator.close());
  const project = await createBenchProject('express', emulator, keyEntry(), 'sss-bench-memory-');
  const apps: BenchApp[] = [];
  try {
    const loadStart = os.loadavg()[0] ?? 0;
    const t0 = performance.now();
    const cookies: string[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const token = await emulator.controls.mintAccessToken({ sub: `usr_bench_${i}` }, { ttlSeconds: 3600 });
      cookies.push(project.sessionCookie(token));
    }
    console.log(`  minted and sealed ${count(SESSIONS)} sessions in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const sequence = uniformSequence(SESSIONS, 2 * PHASE_REQUESTS, SEED);

    // The generated default, and copies of the generated code with other bounds.
    const source = await readFile(project.file('session.ts'), 'utf8');
    const found = /const MAX_VERIFIED = ([\d_]+);/.exec(source);
    if (!found?.[1]) throw new Error('session.ts has no `const MAX_VERIFIED = <n>;` to vary');
    const defaultBound = Number(found[1].replaceAll('_', ''));
    const bounds = [defaultBound, ...OTHER_BOUNDS.filter((b) => b !== defaultBound)];
    const boundApps: BoundApp[] = [];
    for (const bound of bounds) {
      let index = project.file('index.ts');
      if (bound !== defaultBound) {
        const dir = path.join(project.dir, `src/session-${bound}`);
        await cp(path.dirname(index), dir, { recursive: true });
        await writeFile(path.join(dir, 'session.ts'), source.replace(found[0], `const MAX_VERIFIED = ${bound};`));
        index = path.join(dir, 'index.ts');
      }
      const app = await startBenchApp(project, 'generated', {}, index);
      apps.push(app);
      boundApps.push({ bound, app, cpuPerRequestUs: [], cpuRatios: [] });
    }
    const main = boundApps[0] as BoundApp;

    // 1. The default bound: memory after 0, 100,000 and 200,000 requests over the 10,000 sessions.
    const points: { requests: number; stats: AppStats; cpuUs: number }[] = [];
    points.push({ requests: 0, stats: await appStats(main.app.url, true), cpuUs: NaN });
    for (let phase = 0; phase < 2; phase++) {
      const before = await appStats(main.app.url, false);
      const t = performance.now();
      const served = await drive(main.app, cookies, sequence, phase * PHASE_REQUESTS, PHASE_REQUESTS);
      const after = await appStats(main.app.url, true);
      points.push({ requests: (phase + 1) * PHASE_REQUESTS, stats: after, cpuUs: (after.cpuUs - before.cpuUs) / served });
      console.log(`  ${count((phase + 1) * PHASE_REQUESTS)} requests (${((performance.now() - t) / 1000).toFixed(1)} s): heap ${mebibytes(after.heapUsed)}, RSS ${mebibytes(after.rss)}`);
    }

    // 2. Bounds side by side: fill the others' caches (one request per session, up to the bound), then interleaved rounds.
    for (const other of boundApps.slice(1)) {
      const fill = Math.min(other.bound, SESSIONS);
      await drive(other.app, cookies, Array.from({ length: fill }, (_, i) => SESSIONS - fill + i), 0, fill);
    }
    const roundSequence = uniformSequence(SESSIONS, ROUNDS * ROUND_REQUESTS, SEED + 1);
    for (let round = 0; round < ROUNDS; round++) {
      const order = boundApps.map((_, i) => boundApps[(i + round) % boundApps.length] as BoundApp);
      for (const b of order) {
        const before = await appStats(b.app.url, false);
        const served = await drive(b.app, cookies, roundSequence, round * ROUND_REQUESTS, ROUND_REQUESTS);
        const after = await appStats(b.app.url, false);
        b.cpuPerRequestUs.push((after.cpuUs - before.cpuUs) / served);
      }
      for (const b of boundApps) b.cpuRatios.push((b.cpuPerRequestUs.at(-1) as number) / (main.cpuPerRequestUs.at(-1) as number));
      console.log(`  bounds round ${round + 1}: ${boundApps.map((b) => `${count(b.bound)}: ${count(b.cpuPerRequestUs.at(-1) as number)} µs`).join('; ')}`);
    }
    const retained = await Promise.all(boundApps.map((b) => appStats(b.app.url, true)));
    const loadEnd = os.loadavg()[0] ?? 0;

    const hitRate = (bound: number, seq: number[], warm: number[] = []) => simulateHitRate(bound, warm, seq);
    const steadyHits = (bound: number) => hitRate(bound, roundSequence, sequence);
    const [start, after100k, after200k] = points as [(typeof points)[0], (typeof points)[0], (typeof points)[0]];
    const growth = after200k.stats.heapUsed - after100k.stats.heapUsed;
    return {
      title: 'Memory at scale (10,000 sessions)',
      method: [
        `${count(SESSIONS)} distinct signed-in sessions: access tokens minted by the emulator (\`controls.mintAccessToken\`, a distinct \`sub\` and \`sid\` each, 1 h lifetime) and sealed with the generated \`crypto.ts\`, as the callback would set them. ` +
          `The generated Express app (default config, \`sessionRouter()\` + \`requireSession\`, \`bench/overhead-app.ts\`) then serves ${count(PHASE_REQUESTS)} and another ${count(PHASE_REQUESTS)} \`GET /api/me\` requests, each carrying one of those cookies picked uniformly at random (seeded generator, seed 0x${SEED.toString(16)}), ` +
          `autocannon with 10 connections × 10 pipelined requests. RSS and V8 heap are the app's own \`process.memoryUsage()\` after a forced GC (\`--expose-gc\`) at start, after ${count(PHASE_REQUESTS)} and after ${count(2 * PHASE_REQUESTS)} requests.`,
        `The verified-token cache (\`MAX_VERIFIED\` in \`session.ts\`, oldest evicted first) decides how many of those requests skip AES-GCM and the RS256 check. Its hit rate is computed by replaying the same request sequence through the same eviction rule (the requests reach the app in that order, up to the 100 in flight). ` +
          `To see what the bound costs, copies of the generated code with \`MAX_VERIFIED\` = ${bounds.filter((b) => b !== defaultBound).map((b) => count(b)).join(' and ')} run next to the default (${count(defaultBound)}); each first gets one request per session up to its bound (filling its cache), then ${ROUNDS} interleaved rounds of ${count(ROUND_REQUESTS)} random requests, measuring the app's CPU per request (\`process.cpuUsage()\`).`,
        `1-minute load average ${loadStart.toFixed(1)} at the start of this benchmark and ${loadEnd.toFixed(1)} at the end, on ${os.cpus().length} CPUs.`,
      ],
      tables: [
        {
          headers: ['point', 'RSS (after GC)', 'heap used (after GC)', 'CPU per request in the phase'],
          rows: [
            ['start', mebibytes(start.stats.rss), mebibytes(start.stats.heapUsed), '—'],
            [`after ${count(PHASE_REQUESTS)} requests`, mebibytes(after100k.stats.rss), mebibytes(after100k.stats.heapUsed), `${after100k.cpuUs.toFixed(0)} µs`],
            [`after ${count(2 * PHASE_REQUESTS)} requests`, mebibytes(after200k.stats.rss), mebibytes(after200k.stats.heapUsed), `${after200k.cpuUs.toFixed(0)} µs`],
          ],
        },
        {
          headers: ['MAX_VERIFIED', 'cache hit rate (10,000 sessions)', 'CPU per request (median)', 'vs default', 'per-round ratios', 'heap after rounds (GC)'],
          rows: boundApps.map((b, i) => [
            `${count(b.bound)}${b.bound === defaultBound ? ' (default)' : ''}`,
            `${(steadyHits(b.bound) * 100).toFixed(1)}%`,
            `${median(b.cpuPerRequestUs).toFixed(0)} µs`,
            ratio(median(b.cpuRatios)),
            spread(b.cpuRatios),
            mebibytes(retained[i]?.heapUsed ?? NaN),
          ]),
        },
      ],
      notes: [
        `From ${count(PHASE_REQUESTS)} to ${count(2 * PHASE_REQUESTS)} requests the heap after GC changed by ${mebibytes(growth)} (${growth >= 0 ? '+' : ''}${((growth / after100k.stats.heapUsed) * 100).toFixed(1)}%): ` +
          'the only per-session state is the bounded verified-token cache (and the bounded single-flight map in transparent mode), so once it is full the heap stops growing.',
        `Hit rate at this working set: ${(hitRate(defaultBound, sequence.slice(0, PHASE_REQUESTS)) * 100).toFixed(1)}% over the first ${count(PHASE_REQUESTS)} requests (cold start included) and ${(steadyHits(defaultBound) * 100).toFixed(1)}% in steady state with the default bound of ${count(defaultBound)}.`,
        ...boundApps
          .filter((b) => b.bound !== defaultBound)
          .map((b) => {
            const i = boundApps.indexOf(b);
            const heapDelta = (retained[i]?.heapUsed ?? NaN) - (retained[0]?.heapUsed ?? NaN);
            const entries = Math.min(b.bound, SESSIONS) - Math.min(defaultBound, SESSIONS);
            return (
              `A bound of ${count(b.bound)} instead of ${count(defaultBound)}: hit rate ${(steadyHits(b.bound) * 100).toFixed(1)}% instead of ${(steadyHits(defaultBound) * 100).toFixed(1)}%, CPU per request ${ratio(median(b.cpuRatios))} (per round ${spread(b.cpuRatios)}), ` +
              `heap after GC ${heapDelta >= 0 ? '+' : ''}${mebibytes(heapDelta)}${entries !== 0 ? ` (about ${count(heapDelta / entries)} bytes per cached session)` : ''}.`
            );
          }),
      ],
      headline:
        `${count(SESSIONS)} sessions: heap after GC ${mebibytes(start.stats.heapUsed)} at start, ${mebibytes(after100k.stats.heapUsed)} after ${count(PHASE_REQUESTS)} requests, ${mebibytes(after200k.stats.heapUsed)} after ${count(2 * PHASE_REQUESTS)}; ` +
        `cache hit rate ${(steadyHits(defaultBound) * 100).toFixed(0)}% at MAX_VERIFIED ${count(defaultBound)}`,
    };
  } finally {
    for (const app of apps) await app.stop();
    await project.remove();
    await closeEmulator();
  }
}

/** Sends `amount` requests, the i-th with `cookies[sequence[from + i]]`, and fails on any non-2xx. */
async function drive(app: BenchApp, cookies: readonly string[], sequence: readonly number[], from: number, amount: number): Promise<number> {
  let next = from;
  const result = await autocannon({
    url: `${app.url}/api/me`,
    connections: 10,
    pipelining: 10,
    amount,
    timeout: 30,
    requests: [
      {
        setupRequest: (request) => {
          const cookie = cookies[sequence[next++ % sequence.length] as number] as string;
          return { ...request, headers: { ...request.headers, cookie } };
        },
      },
    ],
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`memory: ${result.non2xx} non-2xx responses and ${result.errors} errors`);
  return result['2xx'];
}

/** A seeded uniform sequence of session indexes (mulberry32), so every run and every bound sees the same requests. */
function uniformSequence(size: number, length: number, seed: number): number[] {
  let state = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out.push(Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * size));
  }
  return out;
}

/** The verified-token cache's rule (a Map, oldest inserted evicted first) replayed over `warm` then `measured`; the hit rate over `measured`. */
function simulateHitRate(bound: number, warm: readonly number[], measured: readonly number[]): number {
  const cache = new Map<number, true>();
  const touch = (key: number): boolean => {
    if (cache.has(key)) return true;
    if (cache.size >= bound) cache.delete(cache.keys().next().value as number);
    cache.set(key, true);
    return false;
  };
  for (const key of warm) touch(key);
  let hits = 0;
  for (const key of measured) if (touch(key)) hits++;
  return hits / measured.length;
}
