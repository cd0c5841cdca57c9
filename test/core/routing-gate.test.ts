import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import path from 'node:path';

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ConfigInput } from '../../src/config/schema.js';
import { renderToDisk } from '../helpers/render.js';
import { keyEntry } from './load.js';

// The Express auth routes skip routing for a path no auth route can match
// (`mayBeAuthRoute` in routes.ts). That gate must never change an answer: for
// generated requests (auth routes and their case, slash, escape and encoding
// variants, foreign paths, every method Node parses), an app with the
// generated router answers exactly like the same app whose router has the
// gate switched off. Seeded; replay with FC_SEED=<seed>.
const SEED = Number(process.env.FC_SEED ?? Date.now() % 2_147_483_647);
console.log(`fast-check seed ${SEED} (replay with FC_SEED=${SEED})`);
const RUNS = { seed: SEED, numRuns: 150 } as const;

type ExpressIndex = typeof import('../__snapshots__/express/default/index.js');

const CONFIGS = {
  'default routes': {},
  // Mixed case, `.`/`~`/`-` in routes, one route a prefix of another, routes at the root.
  'custom routes': {
    routes: {
      apiPrefix: '/',
      login: '/Session/Log-In',
      callback: '/session/call.back',
      refresh: '/s~r',
      logout: '/Session/Log-In-Out',
      sessions: '/me/sessions',
    },
  },
  'no session routes': { routes: { sessions: null } },
} satisfies Record<string, Omit<ConfigInput, 'framework'>>;

/** Auth route paths per config, as the generator writes them (sessionById with a sample id). */
function authPaths(config: Omit<ConfigInput, 'framework'>): string[] {
  const routes = {
    login: '/auth/login',
    callback: '/auth/callback',
    refresh: '/auth/refresh',
    logout: '/auth/logout',
    sessions: '/api/sessions' as string | null,
    ...config.routes,
  };
  const paths = [routes.login, routes.callback, routes.refresh, routes.logout];
  if (routes.sessions) paths.push(routes.sessions, `${routes.sessions}/ses_123`, `${routes.sessions}/revoke-all`);
  return paths;
}

// Every method Node's HTTP parser accepts except CONNECT (which takes an
// authority, not a path), plus tokens it rejects.
const METHODS = [...http.METHODS.filter((method) => method !== 'CONNECT'), 'FOO', 'get'];

/** A path from `bases`, changed by 0–4 edits that routing may or may not see through. */
function requestTarget(bases: string[]): fc.Arbitrary<string> {
  const segment = fc.stringMatching(/^[A-Za-z0-9._~-]{1,8}$/);
  const base = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...bases) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('/', '/api/me', '/api/items', '*', '/favicon.ico'),
    },
    {
      weight: 1,
      arbitrary: fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join('/')}`),
    },
  );
  // Escapes (valid, invalid, of letters and of `/`), backslashes, fragments, queries, sub-delims, non-ASCII.
  const odd = fc.constantFrom(
    ...'% %2F %2f %00 %ZZ %41 %6c %6C \\ // # #x ? ?a=1 ?%ZZ ;x @ : ! $ \' ( * + , = & . .. ~ é K ſ İ \u00a0 " < | ^ ` { ['.split(' '),
  );
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('case' as const), mask: fc.nat() }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(),
      text: fc.oneof(odd, segment),
    }),
    fc.record({
      kind: fc.constant('escape' as const),
      at: fc.nat(),
      lower: fc.boolean(),
    }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({
      kind: fc.constant('append' as const),
      text: fc.oneof(odd, segment, fc.constant('/')),
    }),
    fc.record({ kind: fc.constant('absolute' as const) }),
  );
  return fc.tuple(base, fc.array(edit, { maxLength: 4 })).map(([start, edits]) => {
    let target = start;
    for (const e of edits) {
      const at = 'at' in e ? e.at % (target.length + 1) : 0;
      if (e.kind === 'case') target = [...target].map((c, i) => ((e.mask >> i % 30) & 1 ? c.toUpperCase() : c.toLowerCase())).join('');
      else if (e.kind === 'insert') target = target.slice(0, at) + e.text + target.slice(at);
      else if (e.kind === 'escape' && at < target.length) {
        const hex = (target.codePointAt(at) ?? 0).toString(16).padStart(2, '0');
        target = `${target.slice(0, at)}%${e.lower ? hex : hex.toUpperCase()}${target.slice(at + 1)}`;
      } else if (e.kind === 'truncate') target = target.slice(0, at);
      else if (e.kind === 'append') target += e.text;
      else if (e.kind === 'absolute') target = `http://127.0.0.1${target.startsWith('/') ? '' : '/'}${target}`;
    }
    return target;
  });
}

interface Answer {
  status: string;
  allow: string | undefined;
  contentType: string | undefined;
  location: string | undefined;
  /** JSON bodies carry the error code. */
  body: string | undefined;
}

/** One request as raw bytes (so any target reaches the parser unchanged); the answer's status line and the headers routing decides. */
function ask(url: string, method: string, target: string): Promise<Answer> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error(`${method} ${target}: no answer in 10 s`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', ...body] = Buffer.concat(chunks).toString('latin1').split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const header = (name: string) =>
        lines
          .find((line) => line.toLowerCase().startsWith(`${name}:`))
          ?.slice(name.length + 1)
          .trim();
      resolve({
        status: statusLine,
        allow: header('allow')?.split(/,\s*/).sort().join(', '),
        contentType: header('content-type'),
        // The login redirect carries a fresh state: compare where it goes, not the state.
        location: header('location')?.split('?')[0],
        body: header('content-type')?.includes('json') ? body.join('\r\n\r\n') : undefined,
      });
    });
    // Not end(): a client that half-closes first gets no answer from a Node server
    // that has not answered yet. With `Connection: close` the server closes after its answer.
    socket.write(Buffer.from(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`, 'utf8'));
  });
}

/** A copy of the generated folder whose gate always says "maybe": every request goes through the router, as before the gate. */
async function ungatedCopy(outDir: string, routesFile: string): Promise<string> {
  const copy = `${outDir}-ungated`;
  await cp(outDir, copy, { recursive: true });
  const file = path.join(copy, routesFile);
  const source = await readFile(file, 'utf8');
  const gate = 'function mayBeAuthRoute(path: string): boolean {';
  if (!source.includes(gate)) throw new Error(`${routesFile} has no \`${gate}\``);
  await writeFile(file, source.replace(gate, `${gate}\n  if (path !== undefined) return true;`));
  return copy;
}

interface Server {
  url: string;
  close: () => Promise<void>;
}

function listen(handler: http.RequestListener): Promise<Server> {
  const server = http.createServer(handler);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

async function expressApps(index: ExpressIndex): Promise<Record<string, Server>> {
  const { default: express } = await import('express');
  const withRoutes = express();
  withRoutes.use(index.sessionRouter());
  withRoutes.get('/api/me', (_req, res) => void res.json({ ok: true }));
  withRoutes.post('/api/items', (_req, res) => void res.json({ ok: true }));
  // Mounted below a path: the router sees the rest of the path.
  const mounted = express();
  mounted.use('/mount', index.sessionRouter());
  // The returned router is still a Router: a route added to it must be reached.
  const extended = express();
  const router = index.sessionRouter();
  router.get('/api/me', (_req, res) => void res.json({ extra: true }));
  extended.use(router);
  return {
    'app routes after': await listen(withRoutes),
    'mounted at /mount': await listen(mounted),
    'route added to the router': await listen(extended),
  };
}

beforeAll(() => {
  // Nothing here signs in: no request carries a session cookie, so no token is verified.
  Object.assign(process.env, {
    SESSION_ENCRYPTION_KEYS: keyEntry('gate'),
    SCALEKIT_ENVIRONMENT_URL: 'http://127.0.0.1:9',
    SCALEKIT_CLIENT_ID: 'skc_gate',
    SCALEKIT_CLIENT_SECRET: 'secret',
    APP_URL: 'http://127.0.0.1:3000',
  });
});

describe('Express routing gate', () => {
  for (const [name, config] of Object.entries(CONFIGS)) {
    const cleanup: (() => Promise<void>)[] = [];
    afterAll(async () => {
      for (const step of cleanup.reverse()) await step();
    });

    it(`answers every generated request as the ungated router does (${name})`, { timeout: 120_000 }, async () => {
      const { root, outDir } = await renderToDisk({ framework: 'express', ...config }, 'routing-gate-express');
      cleanup.push(() => rm(root, { recursive: true, force: true }));
      const ungated = await ungatedCopy(outDir, 'routes.ts');
      const start = async (dir: string) => expressApps((await import(path.join(dir, 'index.ts'))) as ExpressIndex);
      const gatedApps = await start(outDir);
      const plainApps = await start(ungated);
      for (const server of [...Object.values(gatedApps), ...Object.values(plainApps)]) cleanup.push(server.close);

      const added = await ask((gatedApps['route added to the router'] as Server).url, 'GET', '/api/me');
      expect(added).toMatchObject({ status: 'HTTP/1.1 200 OK', body: expect.stringContaining('"extra":true') as unknown });
      const bases = authPaths(config).flatMap((p) => [p, `/mount${p}`]);
      let judged = 0;
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...METHODS), requestTarget(bases), async (method, target) => {
          for (const [setup, gated] of Object.entries(gatedApps)) {
            const plain = plainApps[setup] as Server;
            const [a, b] = await Promise.all([ask(gated.url, method, target), ask(plain.url, method, target)]);
            expect({ setup, method, target, ...a }).toEqual({
              setup,
              method,
              target,
              ...b,
            });
          }
          if (/^\/[A-Za-z0-9._~!$&'()*+,;=:@/-]*(?:\?.*)?$/.test(target)) judged++;
        }),
        RUNS,
      );
      // Both kinds of target were tried: plain paths, which the gate judges by
      // prefix, and paths it leaves to the router (escapes, backslashes, non-ASCII).
      expect(judged).toBeGreaterThan(RUNS.numRuns / 5);
      expect(judged).toBeLessThan(RUNS.numRuns - RUNS.numRuns / 5);
    });
  }
});
