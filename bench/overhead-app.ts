/**
 * The app the load benchmarks (overhead, memory, profile) put under load, one
 * process per framework × variant (started by `startApp` from
 * src/demo/project.ts, which sets PORT and waits for "listening on"). Every
 * variant serves the same route, `GET /api/me` with a tiny JSON body; only
 * what stands in front of it changes.
 *
 * BENCH_FRAMEWORK: `express`, `fastify` or `koa`.
 * BENCH_VARIANT:
 * - `none`: nothing, the floor for that framework on this machine;
 * - `generated`: the generated code wired exactly as the README shows
 *   (Express `app.use(sessionRouter())`, Fastify `app.register(sessionPlugin)`,
 *   Koa `app.use(sessionRoutes())` before the app's router), plus
 *   `requireSession` on the route; BENCH_SESSION_INDEX is the generated
 *   `index.ts`;
 * - `sdk`: the SDK's `validateToken` on a plain token cookie on every request,
 *   what the Scalekit guidance does.
 * With BENCH_PRELOAD=1, `none` also imports the generated index.ts (see below).
 *
 * `GET /__bench/stats` reports `process.memoryUsage()` and `process.cpuUsage()`
 * so the runner can read this process's RSS and CPU time without knowing its
 * pid; with `?gc=1` it first collects garbage (the runner starts the app with
 * `--expose-gc`), so `heapUsed` is what the app actually retains.
 *
 * On SIGTERM the process exits at once, so a `--cpu-prof` profile is written.
 */
import type { GeneratedIndex, GeneratedIndexFastify, GeneratedIndexKoa } from './lib/project.js';

type Guard = (cookieHeader: string | undefined) => Promise<boolean>;

const framework = process.env.BENCH_FRAMEWORK ?? 'express';
const variant = process.env.BENCH_VARIANT;
const port = Number(required('PORT'));
const BODY = { ok: true };

/**
 * With BENCH_PROFILE=1, `POST /__bench/profile` starts V8's CPU profiler (what
 * `node --cpu-prof` runs, through `node:inspector`) and `GET /__bench/profile`
 * stops it and answers the profile, so it covers the load window only, not
 * start-up and TypeScript compilation.
 */
const profiler = process.env.BENCH_PROFILE === '1' ? await startInspector() : undefined;

async function startInspector() {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  return {
    start: () => session.post('Profiler.start'),
    stop: async () => (await session.post('Profiler.stop')).profile,
  };
}

async function profile(method: string): Promise<unknown> {
  if (!profiler) throw new Error('start the app with BENCH_PROFILE=1');
  if (method === 'POST') {
    await profiler.start();
    return { started: true };
  }
  return profiler.stop();
}

function stats(gc: boolean) {
  if (gc) globalThis.gc?.();
  return { memory: process.memoryUsage(), cpu: process.cpuUsage() };
}

/** The guidance's way: the raw access token in a cookie, validated by the SDK on every request. */
async function sdkGuard(): Promise<Guard> {
  const { ScalekitClient } = await import('@scalekit-sdk/node');
  const url = required('SCALEKIT_ENVIRONMENT_URL');
  const clientId = required('SCALEKIT_CLIENT_ID');
  const client = new ScalekitClient(url, clientId, required('SCALEKIT_CLIENT_SECRET'));
  return async (cookieHeader) => {
    const token = /(?:^|;\s*)sk_token=([^;]+)/.exec(cookieHeader ?? '')?.[1];
    if (!token) return false;
    try {
      await client.validateToken(token, { issuer: url, audience: [clientId] });
      return true;
    } catch {
      return false;
    }
  };
}

if (variant !== 'none' && variant !== 'generated' && variant !== 'sdk') {
  throw new Error(`BENCH_VARIANT must be none, generated or sdk (got ${String(variant)})`);
}

// BENCH_PRELOAD=1 with `none`: no auth, but the generated index.ts (and with
// it the SDK, jose and their dependencies) is imported, so the cost of having
// them loaded can be told apart from the cost of running them per request.
if (variant === 'none' && process.env.BENCH_PRELOAD === '1') await import(required('BENCH_SESSION_INDEX'));

let close: () => void;
if (framework === 'express') close = await express();
else if (framework === 'fastify') close = await fastify();
else if (framework === 'koa') close = await koa();
else throw new Error(`BENCH_FRAMEWORK must be express, fastify or koa (got ${framework})`);
console.log(`listening on http://127.0.0.1:${port} (${framework} ${variant})`);

process.on('SIGTERM', () => {
  close();
  process.exit(0);
});

async function express(): Promise<() => void> {
  const { default: createApp } = await import('express');
  type Handler = import('express').RequestHandler;
  const app = createApp();
  const guard: Handler[] = [];
  if (variant === 'generated') {
    const session = (await import(required('BENCH_SESSION_INDEX'))) as GeneratedIndex;
    app.use(session.sessionRouter());
    guard.push(session.requireSession);
  } else if (variant === 'sdk') {
    const check = await sdkGuard();
    guard.push(async (req, res, next) => {
      if (await check(req.headers.cookie)) next();
      else res.status(401).json({ error: 'authentication_required' });
    });
  }
  app.get('/api/me', ...guard, (_req, res) => {
    res.json(BODY);
  });
  app.get('/__bench/stats', (req, res) => {
    res.json(stats(req.query.gc === '1'));
  });
  app.all('/__bench/profile', async (req, res) => {
    res.json(await profile(req.method));
  });
  const server = app.listen(port, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return () => server.closeAllConnections();
}

async function fastify(): Promise<() => void> {
  const { default: Fastify } = await import('fastify');
  type Hook = import('fastify').preHandlerAsyncHookHandler;
  const app = Fastify();
  let preHandler: Hook | undefined;
  if (variant === 'generated') {
    const session = (await import(required('BENCH_SESSION_INDEX'))) as GeneratedIndexFastify;
    await app.register(session.sessionPlugin);
    preHandler = session.requireSession as Hook;
  } else if (variant === 'sdk') {
    const check = await sdkGuard();
    preHandler = async (request, reply) => {
      if (!(await check(request.headers.cookie))) return reply.code(401).send({ error: 'authentication_required' });
    };
  }
  if (preHandler) app.get('/api/me', { preHandler }, async () => BODY);
  else app.get('/api/me', async () => BODY);
  app.get<{ Querystring: { gc?: string } }>('/__bench/stats', async (request) => stats(request.query.gc === '1'));
  app.route({ method: ['GET', 'POST'], url: '/__bench/profile', handler: async (request) => profile(request.method) });
  await app.listen({ port, host: '127.0.0.1' });
  return () => app.server.closeAllConnections();
}

async function koa(): Promise<() => void> {
  const { default: Koa } = await import('koa');
  const { default: Router } = await import('@koa/router');
  type Middleware = import('koa').Middleware;
  const app = new Koa();
  const router = new Router();
  const guard: Middleware[] = [];
  if (variant === 'generated') {
    const session = (await import(required('BENCH_SESSION_INDEX'))) as GeneratedIndexKoa;
    app.use(session.sessionRoutes());
    guard.push(session.requireSession as Middleware);
  } else if (variant === 'sdk') {
    const check = await sdkGuard();
    guard.push(async (ctx, next) => {
      if (!(await check(ctx.get('cookie') || undefined))) {
        ctx.status = 401;
        ctx.body = { error: 'authentication_required' };
        return;
      }
      await next();
    });
  }
  router.get('/api/me', ...guard, (ctx) => {
    ctx.body = BODY;
  });
  router.get('/__bench/stats', (ctx) => {
    ctx.body = stats(ctx.query.gc === '1');
  });
  router.all('/__bench/profile', async (ctx) => {
    ctx.body = await profile(ctx.method);
  });
  // As the README wires it.
  app.use(router.routes()).use(router.allowedMethods());
  const server = app.listen(port, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return () => server.closeAllConnections();
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}
