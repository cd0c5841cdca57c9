import type { Config } from '../config/schema.js';

// The page a browser signs in from: the same for every framework.
const PAGE = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>scalekit-session-scaffold demo</title></head>
  <body>
    <h1>Demo app</h1>
    <p id="status">Checking your session...</p>
    <a id="login" href="/auth/login">Sign in</a>
    <form id="logout" method="post" action="/auth/logout"><button type="submit">Log out</button></form>
    <script type="module">
      const response = await fetch('/api/optional', { credentials: 'same-origin' });
      const body = await response.json();
      document.getElementById('status').textContent = body.userId ? 'Signed in as ' + body.userId : 'Signed out';
    </script>
  </body>
</html>`;

const LISTEN = `const port = Number(process.env.PORT ?? 3000);`;

/**
 * The small app the demo (and the end-to-end tests) run on top of the
 * generated session code: one protected route, one optional route, and a
 * page a browser can sign in from, written the way each framework's README
 * example shows.
 */
export function demoAppSource(framework: Config['framework'], sessionImport: string): string {
  const page = `const PAGE = ${JSON.stringify(PAGE)};`;
  const from = JSON.stringify(sessionImport);
  switch (framework) {
    case 'express':
      return `import express from 'express';

import { optionalSession, requireSession, sessionRouter } from ${from};

${page}

const app = express();
app.use(sessionRouter());
app.get('/', (_req, res) => {
  res.type('html').send(PAGE);
});
app.get('/api/me', requireSession, (req, res) => {
  res.json({ auth: req.auth });
});
app.get('/api/optional', optionalSession, (req, res) => {
  res.json({ userId: req.auth?.userId ?? null });
});
app.post('/api/me', requireSession, (req, res) => {
  res.json({ auth: req.auth });
});
app.post('/api/optional', optionalSession, (req, res) => {
  res.json({ userId: req.auth?.userId ?? null });
});

${LISTEN}
const server = app.listen(port, '127.0.0.1', () => {
  console.log(\`listening on http://127.0.0.1:\${port}\`);
});
process.on('SIGTERM', () => server.close());
`;
    case 'fastify':
      return `import Fastify from 'fastify';

import { optionalSession, requireSession, sessionPlugin } from ${from};

${page}

const app = Fastify();
await app.register(sessionPlugin);
app.get('/', async (_request, reply) => reply.type('text/html').send(PAGE));
app.get('/api/me', { preHandler: requireSession }, async (request) => ({ auth: request.auth }));
app.get('/api/optional', { preHandler: optionalSession }, async (request) => ({ userId: request.auth?.userId ?? null }));
app.post('/api/me', { preHandler: requireSession }, async (request) => ({ auth: request.auth }));
app.post('/api/optional', { preHandler: optionalSession }, async (request) => ({ userId: request.auth?.userId ?? null }));

${LISTEN}
await app.listen({ port, host: '127.0.0.1' });
console.log(\`listening on http://127.0.0.1:\${port}\`);
process.on('SIGTERM', () => void app.close());
`;
    case 'koa':
      return `import Router from '@koa/router';
import Koa from 'koa';

import { optionalSession, requireSession, sessionRoutes } from ${from};

${page}

const app = new Koa();
const router = new Router();
router.get('/', (ctx) => {
  ctx.type = 'html';
  ctx.body = PAGE;
});
router.get('/api/me', requireSession, (ctx) => {
  ctx.body = { auth: ctx.state.auth };
});
router.get('/api/optional', optionalSession, (ctx) => {
  ctx.body = { userId: ctx.state.auth?.userId ?? null };
});
router.post('/api/me', requireSession, (ctx) => {
  ctx.body = { auth: ctx.state.auth };
});
router.post('/api/optional', optionalSession, (ctx) => {
  ctx.body = { userId: ctx.state.auth?.userId ?? null };
});
app.use(sessionRoutes()).use(router.routes()).use(router.allowedMethods());

${LISTEN}
const server = app.listen(port, '127.0.0.1', () => {
  console.log(\`listening on http://127.0.0.1:\${port}\`);
});
process.on('SIGTERM', () => server.close());
`;
  }
}
