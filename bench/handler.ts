/**
 * Benchmark: the app's own CPU per request without the network, on Express,
 * Fastify and Koa. The same apps as the overhead benchmark (no auth; the
 * generated code wired as the README shows; on Express the same with
 * the routing gate off), built in this process and driven by
 * light-my-request (what Fastify's `inject` uses): a fake request and
 * response, no socket. What is left is the framework, the middleware and the
 * handler, so the differences between the apps stand out from the socket
 * writes that dominate under real load, and from the neighbours on a shared
 * machine, better than over loopback.
 *
 * It runs in a child process: light-my-request, handed an Express app,
 * re-parents Express's shared request and response prototypes onto its fake
 * ones, which would break every real Express server in the same process (the
 * refresh storm's in-process baseline).
 */
import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startEmulator } from '../src/emulator/index.js';
import { createBenchProject, ungatedIndex } from './lib/apps.js';
import { cleanupAll, deferCleanup } from './lib/cleanup.js';
import { FRAMEWORKS, type Framework, type GeneratedIndex, type GeneratedIndexFastify, type GeneratedIndexKoa, keyEntry } from './lib/project.js';
import type { Section } from './lib/report.js';
import { median } from './lib/stats.js';

const BATCH = Number(process.env.BENCH_HANDLER_BATCH ?? 2_000);
const ROUNDS = Number(process.env.BENCH_HANDLER_ROUNDS ?? 9);
/** Requests in flight at once, so the event loop sees concurrent work as under load. */
const IN_FLIGHT = 10;
const BODY = { ok: true };
/** `BENCH_HANDLER_FRAMEWORKS=koa,express` runs only those. */
const ONLY = process.env.BENCH_HANDLER_FRAMEWORKS?.split(',');

type Kind = 'none' | 'generated' | 'ungated';
type Dispatch = (request: { headers: Record<string, string> }) => Promise<number>;

interface Entry {
  framework: Framework;
  kind: Kind;
  dispatch: Dispatch;
  /** µs of this process's CPU per request, one per round. */
  cpuUs: number[];
}

/** Runs this benchmark in a child process (see above) and returns its section. */
export async function benchHandler(): Promise<Section> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = deferCleanup(() => void child.kill());
  let out = '';
  let result = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    // Progress lines go through; the last line is the section as JSON.
    out += chunk;
    const lines = out.split('\n');
    out = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('{')) result = line;
      else console.log(line);
    }
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  await stop();
  if (code !== 0 || !result) throw new Error(`the handler benchmark's process exited with ${code}`);
  return JSON.parse(result) as Section;
}

async function measure(): Promise<Section> {
  const { default: inject } = await import('light-my-request');
  const injector = (handler: Handler): Dispatch => async ({ headers }) => (await inject(handler, { method: 'GET', url: '/api/me', headers })).statusCode;
  const emulator = await startEmulator();
  const closeEmulator = deferCleanup(() => emulator.close());
  const keys = keyEntry();
  const token = await emulator.controls.mintAccessToken({}, { ttlSeconds: 3600 });
  const entries: Entry[] = [];
  const load = { start: os.loadavg()[0] ?? 0, end: 0 };
  try {
    for (const framework of FRAMEWORKS.filter((f) => !ONLY || ONLY.includes(f))) {
      const project = await createBenchProject(framework, emulator, keys, `sss-bench-handler-${framework}-`);
      const headers = { cookie: project.sessionCookie(token) };
      const ungated = await ungatedIndex(project);
      const indexes: [Kind, string | undefined][] = [['none', undefined], ['generated', project.file('index.ts')]];
      if (ungated) indexes.push(['ungated', ungated]);
      const mine: Entry[] = [];
      for (const [kind, index] of indexes) {
        const dispatch = await build(framework, index, injector);
        // Each app must really be guarding, and letting this cookie through, before it is timed.
        if ((await dispatch({ headers })) !== 200) throw new Error(`${framework} ${kind}: /api/me did not answer 200 with the cookie`);
        if (kind !== 'none' && (await dispatch({ headers: {} })) !== 401) throw new Error(`${framework} ${kind}: /api/me did not answer 401 without a cookie`);
        mine.push({ framework, kind, dispatch, cpuUs: [] });
      }
      for (const entry of mine) await drive(entry, headers, BATCH);
      for (let round = 0; round < ROUNDS; round++) {
        // Rotate the order so that no app always runs first or last.
        for (let i = 0; i < mine.length; i++) {
          const entry = mine[(i + round) % mine.length] as Entry;
          entry.cpuUs.push(await drive(entry, headers, BATCH));
        }
      }
      console.log(`  ${framework}: ${mine.map((e) => `${e.kind} ${median(e.cpuUs).toFixed(1)} µs`).join('; ')}`);
      entries.push(...mine);
    }
    load.end = os.loadavg()[0] ?? 0;
  } finally {
    await closeEmulator();
  }

  const find = (framework: Framework, kind: Kind) => entries.find((e) => e.framework === framework && e.kind === kind);
  /** Per round, this app's CPU per request minus `other`'s, both measured in that round. */
  const diff = (entry: Entry, other: Entry) => entry.cpuUs.map((us, i) => us - (other.cpuUs[i] as number));
  const range = (values: number[]) => `${Math.min(...values).toFixed(1)} to ${Math.max(...values).toFixed(1)} µs`;
  const added = (entry: Entry) => diff(entry, find(entry.framework, 'none') as Entry);
  const rows = entries.map((e) => [
    `${e.framework}, ${e.kind === 'none' ? 'no auth' : e.kind === 'generated' ? 'generated (README wiring)' : 'generated, routing gate off'}`,
    `${median(e.cpuUs).toFixed(1)} µs`,
    e.kind === 'none' ? '—' : `+${median(added(e)).toFixed(1)} µs`,
    e.kind === 'none' ? '—' : range(added(e)),
  ]);
  const frameworks = FRAMEWORKS.filter((f) => find(f, 'none'));
  const gate = frameworks.flatMap((framework) => {
    const on = find(framework, 'generated');
    const off = find(framework, 'ungated');
    if (!on || !off) return [];
    const saved = diff(off, on);
    return [`${framework}: ${median(saved).toFixed(1)} µs per request (per round ${range(saved)})`];
  });
  const verdict = frameworks.map((framework) => {
    const perRound = added(find(framework, 'generated') as Entry);
    const us = median(perRound);
    const within = perRound.filter((v) => v <= 30).length;
    return `${framework} +${us.toFixed(1)} µs (${us <= 30 ? 'within' : 'over'} the +30 µs target at the median; ${within} of ${perRound.length} rounds within)`;
  });
  return {
    title: 'App CPU per request without the network (Express, Fastify, Koa)',
    method: [
      'The apps of the overhead benchmark, built in the benchmark process from the same generated code (default config): **no auth**, the **generated** code wired as the README shows plus `requireSession` on `GET /api/me`, and on Express the same with the **routing gate off** (`mayBeAuthRoute` always "maybe"). ' +
        'light-my-request (the library behind Fastify\'s `inject`; Fastify apps use `app.inject`) hands each app a fake request with the sealed session cookie and collects the response: no socket, no parser, no other process. ' +
        'Every app must answer 200 with the cookie (and the guarded ones 401 without) before timing.',
      `Per framework: one warm-up batch per app, then ${ROUNDS} rounds; in each round every app serves ${BATCH.toLocaleString('en-US')} requests (${IN_FLIGHT} in flight), order rotated each round. ` +
        'CPU per request is `process.cpuUsage()` (user + system) over the batch ÷ its requests; "added" is, per round, the generated app\'s figure minus the no-auth app\'s in the same round (median, and the range over rounds). ' +
        'The fake request and response cost the same in every app, so they cancel in the differences; the absolute figures include them.',
      `1-minute load average ${load.start.toFixed(1)} at the start and ${load.end.toFixed(1)} at the end, on ${os.cpus().length} CPUs.`,
    ],
    tables: [{ headers: ['app', 'CPU per request (median)', 'added vs no auth (median)', 'added, per round'], rows }],
    notes: [`Added CPU per request, generated code vs no auth: ${verdict.join('; ')}.`, `What the routing gate saves (gate off minus gate on): ${gate.join('; ')}.`,
      'The same gate for Koa (skip `@koa/router`\'s route match for a path no auth route can match, still running `allowedMethods`) was tried with this benchmark on 2026-11-30: ' +
        'it saved a median 4.6 and 4.7 µs per request in two runs, with per-round differences on both sides of zero, so it was left out (Koa\'s router answers a foreign path without a `setImmediate` hop; Express\'s does not).'],
    headline: `generated code adds ${verdict.join(', ')}; routing gate saves ${gate.join(', ')}`,
  };
}

/** Serves `amount` requests, `IN_FLIGHT` at a time; this process's CPU µs per request. */
async function drive(entry: Entry, headers: Record<string, string>, amount: number): Promise<number> {
  let next = 0;
  const before = process.cpuUsage();
  const worker = async () => {
    while (next++ < amount) {
      const status = await entry.dispatch({ headers });
      if (status !== 200) throw new Error(`${entry.framework} ${entry.kind}: answered ${status} under load`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / amount;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** One app as overhead-app.ts builds it, `index` being the generated index.ts (none: no auth). */
async function build(framework: Framework, index: string | undefined, injector: (handler: Handler) => Dispatch): Promise<Dispatch> {
  if (framework === 'express') {
    const { default: createApp } = await import('express');
    const app = createApp();
    if (index) {
      const session = (await import(index)) as GeneratedIndex;
      app.use(session.sessionRouter());
      app.get('/api/me', session.requireSession, (_req, res) => void res.json(BODY));
    } else {
      app.get('/api/me', (_req, res) => void res.json(BODY));
    }
    return injector(app as Handler);
  }
  if (framework === 'fastify') {
    const { default: Fastify } = await import('fastify');
    const app = Fastify();
    if (index) {
      const session = (await import(index)) as GeneratedIndexFastify;
      await app.register(session.sessionPlugin);
      app.get('/api/me', { preHandler: session.requireSession as import('fastify').preHandlerAsyncHookHandler }, async () => BODY);
    } else {
      app.get('/api/me', async () => BODY);
    }
    await app.ready();
    return async ({ headers }) => (await app.inject({ method: 'GET', url: '/api/me', headers })).statusCode;
  }
  const { default: Koa } = await import('koa');
  const { default: Router } = await import('@koa/router');
  const app = new Koa();
  const router = new Router();
  if (index) {
    const session = (await import(index)) as GeneratedIndexKoa;
    app.use(session.sessionRoutes());
    router.get('/api/me', session.requireSession as import('koa').Middleware, (ctx) => void (ctx.body = BODY));
  } else {
    router.get('/api/me', (ctx) => void (ctx.body = BODY));
  }
  app.use(router.routes()).use(router.allowedMethods());
  return injector(app.callback() as Handler);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1]) && process.argv[2] === '--child') {
  let code = 0;
  try {
    console.log(JSON.stringify(await measure()));
  } catch (error) {
    console.error(error);
    code = 1;
  } finally {
    await cleanupAll();
  }
  process.exit(code);
}
