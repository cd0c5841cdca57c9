import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';

import type { ConfigInput } from '../../src/config/schema.js';
import { CookieJar, type HttpResult, type RequestOptions, send, signIn } from '../../src/demo/http-client.js';
import { createThrowawayProject, freePort, type RunningApp, startApp } from '../../src/demo/project.js';
import type { Emulator } from '../../src/emulator/index.js';
import { runBin } from '../helpers/project.js';
import type { Framework } from '../helpers/variants.js';
import { APP_TIMEOUT_MS, type Mode } from './harness.js';

/** The store under test (contract §7): `REDIS_URL`, keys under `sk:`. */
export const REDIS_STORE = { type: 'redis', urlVar: 'REDIS_URL', keyPrefix: 'sk:' } as const;

/** The header the proxy adds to every response: the index of the replica that answered. */
export const REPLICA_HEADER = 'x-test-replica';

/**
 * A round-robin HTTP/1.1 proxy on 127.0.0.1, like a load balancer without
 * sticky sessions: forwards method, path, headers and body unchanged, streams
 * the answer back unchanged, and adds only {@link REPLICA_HEADER}. Replicas
 * marked down are skipped (a load balancer's health check).
 */
export interface RoundRobinProxy {
  url: string;
  /** Replica URLs; replace an entry to point the proxy at a restarted replica. */
  targets: string[];
  down: Set<number>;
  /** How many requests each replica was sent. */
  served: number[];
  close(): Promise<void>;
}

export async function startProxy(targets: string[]): Promise<RoundRobinProxy> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const down = new Set<number>();
  const served = targets.map(() => 0);
  let next = 0;
  const pick = (): number | undefined => {
    for (let tries = 0; tries < targets.length; tries++) {
      const index = next++ % targets.length;
      if (!down.has(index)) return index;
    }
    return undefined;
  };
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const index = pick();
    if (index === undefined) {
      res.writeHead(502, { 'content-type': 'text/plain' }).end('no replica up');
      return;
    }
    served[index] = (served[index] ?? 0) + 1;
    const target = new URL(targets[index] ?? '');
    // rawHeaders keeps every header as sent (duplicates, case), Host included.
    const headers: [string, string][] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i] ?? '', req.rawHeaders[i + 1] ?? '']);
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: headers.flat(), agent },
      (answer) => {
        const out: string[] = [];
        for (let i = 0; i < answer.rawHeaders.length; i += 2) out.push(answer.rawHeaders[i] ?? '', answer.rawHeaders[i + 1] ?? '');
        out.push(REPLICA_HEADER, String(index));
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, out);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (res.headersSent) res.destroy();
      else res.writeHead(502, { 'content-type': 'text/plain', [REPLICA_HEADER]: String(index) }).end(`proxy: ${error.message}`);
    });
    req.pipe(upstream);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    targets,
    down,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The environment every replica gets: the emulator, the shared keyring, Redis. */
export function replicaEnv(emulator: Emulator, keys: string, extra: Record<string, string>): Record<string, string> {
  return {
    SCALEKIT_ENVIRONMENT_URL: emulator.url,
    SCALEKIT_CLIENT_ID: emulator.clientId,
    SCALEKIT_CLIENT_SECRET: emulator.clientSecret,
    SESSION_ENCRYPTION_KEYS: keys,
    ...extra,
  };
}

/**
 * One generated project (the real CLI) running as three app processes behind
 * a round-robin proxy. Every replica has the same environment and
 * `APP_URL` = the proxy's origin (the callback URL and the cross-site guard
 * use it), so a request can go through the proxy or straight to one replica.
 */
export interface Replicas {
  framework: Framework;
  mode: Mode;
  dir: string;
  proxy: RoundRobinProxy;
  apps: RunningApp[];
  env: Record<string, string>;
  /** `Origin` of the app (the proxy), for POSTs past the cross-site guard. */
  sameOrigin(): { headers: Record<string, string> };
  /** Through the proxy (a path) or to any absolute URL. */
  request(jar: CookieJar, method: string, path: string, options?: RequestOptions): Promise<HttpResult>;
  /** Straight to replica `index`, bypassing the proxy. */
  requestReplica(index: number, jar: CookieJar, method: string, path: string, options?: RequestOptions): Promise<HttpResult>;
  /** Signs in through the proxy with a fresh jar; returns it once the callback has set the cookies. */
  signIn(jar?: CookieJar): Promise<{ jar: CookieJar; callback: HttpResult }>;
  /** SIGKILLs replica `index` (no graceful shutdown) and takes it out of the proxy's rotation. */
  kill(index: number): Promise<void>;
  /** Starts replica `index` again (a new process and port) and puts it back in rotation. */
  restart(index: number): Promise<void>;
  stop(): Promise<void>;
}

export const REPLICA_COUNT = 3;

export async function startReplicas(
  framework: Framework,
  mode: Mode,
  emulator: Emulator,
  overrides: Record<string, unknown>,
  extraEnv: Record<string, string>,
): Promise<Replicas> {
  const config = {
    framework,
    refresh: { mode, leewaySeconds: 0 },
    scalekit: { timeoutMs: APP_TIMEOUT_MS },
    ...overrides,
  } as ConfigInput;
  const dir = await createThrowawayProject(config, `sss-replicas-${framework}-${mode}-`);
  const generated = await runBin(['generate', '--quiet'], dir);
  if (generated.code !== 0) throw new Error(`generate failed (${generated.code}):\n${generated.stderr}`);

  const keys = `e2e:${randomBytes(32).toString('base64url')}`;
  const proxy = await startProxy([]);
  const env = replicaEnv(emulator, keys, { APP_URL: proxy.url, ...extraEnv });
  const apps: RunningApp[] = [];
  const started = await Promise.allSettled(Array.from({ length: REPLICA_COUNT }, () => startApp(dir, env)));
  for (const [index, result] of started.entries()) {
    if (result.status === 'fulfilled') apps[index] = result.value;
  }
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) {
    await Promise.all(apps.map((app) => app.stop()));
    await proxy.close();
    await rm(dir, { recursive: true, force: true });
    throw failed.reason;
  }
  for (const [index, app] of apps.entries()) {
    proxy.targets[index] = app.url;
    proxy.served[index] = 0;
  }

  const origin = { headers: { origin: proxy.url } };
  const appAt = (index: number) => {
    const app = apps[index];
    if (!app) throw new Error(`no replica ${index}`);
    return app;
  };
  return {
    framework,
    mode,
    dir,
    proxy,
    apps,
    env,
    sameOrigin: () => ({ headers: { ...origin.headers } }),
    request: (jar, method, path, options = {}) => send(jar, method, path.startsWith('http') ? path : `${proxy.url}${path}`, options),
    requestReplica: (index, jar, method, path, options = {}) => send(jar, method, `${appAt(index).url}${path}`, options),
    signIn: async (jar = new CookieJar()) => {
      const hops = await signIn(jar, proxy.url);
      const callback = hops[2];
      if (callback?.status !== 302) throw new Error(`callback answered ${callback?.status}: ${callback?.text}`);
      return { jar, callback };
    },
    kill: async (index) => {
      proxy.down.add(index);
      await appAt(index).kill();
    },
    restart: async (index) => {
      await appAt(index).stop();
      const app = await startApp(dir, env);
      apps[index] = app;
      proxy.targets[index] = app.url;
      proxy.down.delete(index);
    },
    stop: async () => {
      await Promise.all(apps.map((app) => app.stop()));
      await proxy.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The outcome of running an app that is expected to stop at start-up. */
export interface StartupFailure {
  code: number | null;
  output: string;
}

/**
 * Runs the generated app with exactly `env` on top of a minimal environment
 * (no REDIS_URL inherited) and resolves when it exits; rejects if it starts
 * listening instead, or runs past the timeout.
 */
export function runUntilExit(dir: string, env: Record<string, string>, timeoutMs = 20_000): Promise<StartupFailure> {
  const base: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) {
    const value = process.env[name];
    if (value !== undefined) base[name] = value;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'app.ts'], {
      cwd: dir,
      env: { ...base, NODE_ENV: 'development', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the app neither exited nor listened within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('listening on')) {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new Error(`the app started listening:\n${output}`));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
