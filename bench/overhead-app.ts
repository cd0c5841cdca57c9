/**
 * The app benchmark 3 puts under load, one process per variant (started by
 * `startApp` from src/demo/project.ts, which sets PORT and waits for
 * "listening on"). Every variant serves the same route, `GET /api/me` with a
 * tiny JSON body; only what stands in front of it changes (BENCH_VARIANT):
 *
 * - `none`: nothing, the floor for Express on this machine;
 * - `generated`: `sessionRouter()` mounted and `requireSession` on the route,
 *   exactly as the README tells users to wire it (BENCH_SESSION_INDEX is the
 *   generated `index.ts`);
 * - `guard-only`: `requireSession` alone, to separate its cost from the
 *   router's (every request walks the mounted router's routes first);
 * - `sdk`: the SDK's `validateToken` on a plain token cookie on every request,
 *   what the copied guidance does.
 *
 * `GET /__bench/stats` reports `process.memoryUsage()` and `process.cpuUsage()`
 * so the runner can read this process's RSS and CPU time without knowing its
 * pid; with `?gc=1` it first collects garbage (the runner starts the app with
 * `--expose-gc`), so `heapUsed` is what the app actually retains.
 */
import express, { type RequestHandler } from 'express';

import type { GeneratedIndex } from './lib/project.js';

const variant = process.env.BENCH_VARIANT;
const app = express();
const guard: RequestHandler[] = [];

if (variant === 'generated' || variant === 'guard-only') {
  const index = required('BENCH_SESSION_INDEX');
  const session = (await import(index)) as GeneratedIndex;
  if (variant === 'generated') app.use(session.sessionRouter());
  guard.push(session.requireSession);
} else if (variant === 'sdk') {
  const { ScalekitClient } = await import('@scalekit-sdk/node');
  const url = required('SCALEKIT_ENVIRONMENT_URL');
  const clientId = required('SCALEKIT_CLIENT_ID');
  const client = new ScalekitClient(url, clientId, required('SCALEKIT_CLIENT_SECRET'));
  guard.push(async (req, res, next) => {
    const token = /(?:^|;\s*)sk_token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    try {
      if (!token) throw new Error('no token');
      await client.validateToken(token, { issuer: url, audience: [clientId] });
    } catch {
      res.status(401).json({ error: 'authentication_required' });
      return;
    }
    next();
  });
} else if (variant !== 'none') {
  throw new Error(`BENCH_VARIANT must be none, generated, guard-only or sdk (got ${String(variant)})`);
}

app.get('/api/me', ...guard, (_req, res) => {
  res.json({ ok: true });
});
app.get('/__bench/stats', (req, res) => {
  if (req.query.gc === '1') globalThis.gc?.();
  res.json({ memory: process.memoryUsage(), cpu: process.cpuUsage() });
});

const port = Number(required('PORT'));
const server = app.listen(port, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${port} (${variant})`);
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}
