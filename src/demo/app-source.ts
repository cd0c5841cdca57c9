/**
 * The small Express app the demo (and the end-to-end tests) run on top of the
 * generated session code: one protected route, one optional route, and a page
 * a browser can sign in from.
 */
export function demoAppSource(sessionImport: string): string {
  return `import express from 'express';

import { optionalSession, requireSession, sessionRouter } from ${JSON.stringify(sessionImport)};

const PAGE = \`<!doctype html>
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
</html>\`;

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

const port = Number(process.env.PORT ?? 3000);
const server = app.listen(port, '127.0.0.1', () => {
  console.log(\`listening on http://127.0.0.1:\${port}\`);
});
process.on('SIGTERM', () => server.close());
`;
}
