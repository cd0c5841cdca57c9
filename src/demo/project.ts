import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import type { ConfigInput } from '../config/schema.js';
import { demoAppSource } from './app-source.js';

/**
 * The `node_modules` folder this package's own dependencies live in: the
 * repo's in a clone, npx's cache folder when run with npx. A throwaway app
 * links to it, so the demo installs nothing.
 */
export function dependencyFolder(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(path.dirname(require.resolve('express/package.json')));
}

/**
 * A throwaway project: package.json, config, linked dependencies, and the app:
 * `app.ts` for TypeScript output, `app.js` for JavaScript, in a package whose
 * `"type"` matches the config's module format (so the output is `.js`).
 */
export async function createThrowawayProject(config: ConfigInput, prefix = 'scalekit-demo-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const commonjs = config.language === 'js' && config.moduleFormat === 'cjs';
  await symlink(dependencyFolder(), path.join(dir, 'node_modules'), 'dir');
  const pkg = { name: 'demo-app', private: true, type: commonjs ? 'commonjs' : 'module' };
  await writeFile(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  await writeFile(path.join(dir, 'scalekit-session.config.json'), `${JSON.stringify(config, null, 2)}\n`);
  const outDir = config.outDir ?? 'src/session';
  let source = demoAppSource(config.framework, `./${path.posix.join(outDir, 'index.js')}`);
  if (commonjs) {
    // The same app with require(): CommonJS has no top-level await, which the Fastify app needs.
    if (config.framework === 'fastify') throw new Error('the throwaway Fastify app is ESM only');
    const { toJavaScript } = await import('../render/to-js.js');
    source = toJavaScript(source, { format: 'cjs', specifier: (spec) => spec, fileName: 'app.js' }).code;
  }
  await writeFile(path.join(dir, config.language === 'js' ? 'app.js' : 'app.ts'), source);
  return dir;
}

/** A free loopback port, so APP_URL can be known before the app starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningApp {
  url: string;
  /** Everything the app printed, stdout and stderr interleaved. */
  output(): string;
  stop(): Promise<void>;
  /** SIGKILL (no graceful shutdown, as when a host dies); resolves once the process is gone. */
  kill(): Promise<void>;
}

/**
 * Starts the app in its own Node process and resolves once it listens:
 * `app.js` with plain `node` (nothing compiles the JavaScript output), else
 * `app.ts` through tsx. `env` is added to this process's environment.
 */
export async function startApp(dir: string, env: Record<string, string>, timeoutMs = 20_000): Promise<RunningApp> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = existsSync(path.join(dir, 'app.js')) ? ['app.js'] : ['--import', 'tsx', 'app.ts'];
  const child = spawn(process.execPath, args, {
    cwd: dir,
    env: { ...process.env, NODE_ENV: 'development', APP_URL: url, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`app did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = () => {
      if (output.includes('listening on')) done();
    };
    const onExit = (code: number | null) => fail(new Error(`app exited with ${code} before listening:\n${output}`));
    function done() {
      cleanup();
      resolve();
    }
    function fail(error: Error) {
      cleanup();
      child.kill('SIGKILL');
      reject(error);
    }
    function cleanup() {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
    }
    child.stdout?.on('data', onData);
    child.on('exit', onExit);
  });
  return { url, output: () => output, stop: () => stopChild(child), kill: () => killChild(child) };
}

function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
