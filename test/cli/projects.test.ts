/**
 * The project shapes users actually have, each started from its files under
 * test/fixtures/projects: `init` and `generate` run through the real bin with
 * recording stand-ins for npm, pnpm, yarn and bun first on PATH, so each test
 * sees exactly which install command runs, in which folder; then the result
 * typechecks with the project's own tsconfig.
 */
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { type PackageManagerStub, packageManagerStub } from '../helpers/pm-stub.js';
import { repoRoot, runBin } from '../helpers/project.js';

const run = promisify(execFile);
// Each test runs the real bin several times and then tsc: minutes on a loaded CI machine.
vi.setConfig({ testTimeout: 240_000 });
const fixtures = path.join(repoRoot, 'test/fixtures/projects');
const dirs: string[] = [];
let stub: PackageManagerStub;

beforeAll(async () => {
  stub = await packageManagerStub();
  dirs.push(stub.bin);
});
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

/** A copy of a fixture project in a temp folder, with this repo's node_modules linked into `packages` (default: the root). */
async function project(name: string, packages: string[] = ['.']): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `sss-${name}-`));
  dirs.push(dir);
  await cp(path.join(fixtures, name), dir, { recursive: true });
  for (const pkg of packages) await symlink(path.join(repoRoot, 'node_modules'), path.join(dir, pkg, 'node_modules'), 'dir');
  return dir;
}

/** Calls the stub recorded since the last read, with cwd relative to `root`. */
let seen = 0;
async function newCalls(root: string): Promise<{ tool: string; argv: string[]; cwd: string }[]> {
  const all = await stub.calls();
  const fresh = all.slice(seen);
  seen = all.length;
  return fresh.map((call) => ({ ...call, cwd: path.relative(root, call.cwd) || '.' }));
}

const bin = (args: string[], cwd: string) => runBin(args, cwd, stub.env);

async function tsc(projectDir: string): Promise<string> {
  const compiler = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
  return run(process.execPath, [compiler, '-p', projectDir]).then(
    () => '',
    (error: { stdout: string; stderr: string }) => `${error.stdout}${error.stderr}`,
  );
}

const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;

describe('Express, TypeScript ESM, npm', () => {
  it('init installs what the output imports with npm (types as dev dependencies), generate writes code that typechecks', async () => {
    const dir = await project('express-ts-esm');
    await newCalls(dir);
    const init = await bin(['init', '--yes'], dir);
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('detected package manager: npm (package-lock.json)');
    expect(await newCalls(dir)).toEqual([
      { tool: 'npm', argv: ['install', '@scalekit-sdk/node@2', 'jose@6'], cwd: '.' },
      { tool: 'npm', argv: ['install', '--save-dev', '@types/express@5', '@types/node'], cwd: '.' },
    ]);
    expect(init.stdout).toContain('  npm install @scalekit-sdk/node@2 jose@6\n');
    expect(init.stdout).toContain('Next: npx scalekit-session-scaffold generate');
    expect(await readJson(path.join(dir, 'scalekit-session.config.json'))).toMatchObject({
      $schema: expect.stringMatching(/^https:\/\/unpkg\.com\/scalekit-session-scaffold@\d+\.\d+\.\d+\/config\.schema\.json$/),
      framework: 'express',
      language: 'ts',
      moduleFormat: 'esm',
      outDir: 'src/session',
    });
    const envExample = await readFile(path.join(dir, '.env.example'), 'utf8');
    for (const name of ['SCALEKIT_ENVIRONMENT_URL', 'SCALEKIT_CLIENT_ID', 'SCALEKIT_CLIENT_SECRET', 'APP_URL', 'SESSION_ENCRYPTION_KEYS']) {
      expect(envExample).toMatch(new RegExp(`^${name}=`, 'm'));
    }

    const generated = await bin(['generate'], dir);
    expect(generated.code).toBe(0);
    expect(await newCalls(dir)).toEqual([]); // no framework switch: nothing installed, only named
    expect(generated.stdout).toContain("import { requireSession, sessionRouter } from './session/index.js';");
    expect(generated.stdout).toContain('redirect URL:     http://localhost:3000/auth/callback');
    expect(generated.stdout).toContain('post-logout URL:  http://localhost:3000/');
    expect(generated.stdout).toContain('`npx scalekit-session-scaffold keygen`');
    expect(await readdir(path.join(dir, 'src/session'))).toHaveLength(14);
    expect(await tsc(dir)).toBe('');
  });
});

describe('Express, TypeScript, the Redis store', () => {
  it('init --store redis writes the store, lists REDIS_URL and installs redis; switching back to cookies regenerates the store files', async () => {
    const dir = await project('express-ts-esm');
    await newCalls(dir);
    const init = await bin(['init', '--yes', '--store', 'redis'], dir);
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    expect(await newCalls(dir)).toEqual([
      { tool: 'npm', argv: ['install', '@scalekit-sdk/node@2', 'jose@6', 'redis@6'], cwd: '.' },
      { tool: 'npm', argv: ['install', '--save-dev', '@types/express@5', '@types/node'], cwd: '.' },
    ]);
    const configFile = path.join(dir, 'scalekit-session.config.json');
    const config = await readJson(configFile);
    expect(config['store']).toEqual({ type: 'redis', urlVar: 'REDIS_URL', keyPrefix: 'sk:', maxAgeSeconds: 604800 });
    expect(await readFile(path.join(dir, '.env.example'), 'utf8')).toMatch(/^REDIS_URL=redis:\/\/127\.0\.0\.1:6379$/m);

    const generated = await bin(['generate'], dir);
    expect(generated.code).toBe(0);
    expect(generated.stdout).toContain('REDIS_URL: redis://127.0.0.1:6379 locally');
    const files = await readdir(path.join(dir, 'src/session'));
    expect(files).toEqual(expect.arrayContaining(['redis.ts', 'store.ts']));
    expect(files).not.toContain('refresh.ts');
    expect(await tsc(dir)).toBe('');

    // Back to cookies: an ordinary regeneration, the Redis files go and the cookie store's come.
    await writeFile(configFile, JSON.stringify({ ...config, store: { type: 'cookie' } }, null, 2));
    const back = await bin(['generate'], dir);
    expect(back.code, back.stderr).toBe(0);
    const after = await readdir(path.join(dir, 'src/session'));
    expect(after).toEqual(expect.arrayContaining(['refresh.ts', 'store.ts']));
    expect(after).not.toContain('redis.ts');
    expect(await readFile(path.join(dir, 'src/session/store.ts'), 'utf8')).not.toContain('redis');
    expect(await tsc(dir)).toBe('');
  });
});

describe('Fastify, TypeScript, a pnpm workspace package', () => {
  it('run from the package\'s src/: finds the package, installs into it with pnpm, speaks pnpm, and typechecks', async () => {
    const root = await project('fastify-pnpm-workspace', ['packages/api']);
    const pkg = path.join(root, 'packages/api');
    await newCalls(root);
    const init = await bin(['init', '--yes'], path.join(pkg, 'src'));
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('detected package manager: pnpm ("packageManager": "pnpm@9.15.0" in ../../package.json)');
    // Into the package the user is in, never the workspace root; @types/node is already there.
    expect(await newCalls(root)).toEqual([
      { tool: 'pnpm', argv: ['add', '@fastify/cookie@11', 'fastify-plugin@6', '@scalekit-sdk/node@2', 'jose@6'], cwd: 'packages/api' },
    ]);
    expect(init.stdout).toContain('Next: pnpm dlx scalekit-session-scaffold generate');
    await expect(readFile(path.join(root, 'package-lock.json'))).rejects.toThrow();
    expect(await readJson(path.join(pkg, 'scalekit-session.config.json'))).toMatchObject({ framework: 'fastify', outDir: 'src/session' });

    const generated = await bin(['generate'], path.join(pkg, 'src'));
    expect(generated.code).toBe(0);
    expect(generated.stdout).toContain('`pnpm dlx scalekit-session-scaffold keygen`');
    expect(generated.stdout).toContain('await app.register(sessionPlugin);');
    expect(await readdir(path.join(pkg, 'src/session'))).toHaveLength(14);
    expect(await tsc(pkg)).toBe('');
  });
});

describe('Koa, TypeScript, Yarn (berry)', () => {
  it('installs @koa/router and the Koa types with yarn add, speaks yarn dlx, and typechecks', async () => {
    const dir = await project('koa-yarn-berry');
    await newCalls(dir);
    const init = await bin(['init', '--yes'], dir);
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    expect(await newCalls(dir)).toEqual([
      { tool: 'yarn', argv: ['add', '@koa/router@15', '@scalekit-sdk/node@2', 'jose@6'], cwd: '.' },
      { tool: 'yarn', argv: ['add', '-D', '@types/koa@3', '@types/node'], cwd: '.' },
    ]);
    expect(init.stdout).toContain('Next: yarn dlx scalekit-session-scaffold generate');
    await expect(readFile(path.join(dir, 'package-lock.json'))).rejects.toThrow();

    const generated = await bin(['generate'], dir);
    expect(generated.code).toBe(0);
    expect(generated.stdout).toContain('app.use(sessionRoutes());');
    expect(await tsc(dir)).toBe('');
  });

  it('--no-install prints the exact commands and runs none', async () => {
    const dir = await project('koa-yarn-berry');
    await newCalls(dir);
    const init = await bin(['init', '--yes', '--no-install'], dir);
    expect(init.code).toBe(0);
    expect(await newCalls(dir)).toEqual([]);
    expect(init.stdout).toContain('  yarn add @koa/router@15 @scalekit-sdk/node@2 jose@6\n  yarn add -D @types/koa@3 @types/node\n');
  });

  it('a framework switch in generate installs what the new framework imports, only what is missing', async () => {
    const dir = await project('koa-yarn-berry');
    expect((await bin(['init', '--yes', '--no-install'], dir)).code).toBe(0);
    expect((await bin(['generate'], dir)).code).toBe(0);
    const config = await readJson(path.join(dir, 'scalekit-session.config.json'));
    await writeFile(path.join(dir, 'scalekit-session.config.json'), JSON.stringify({ ...config, framework: 'fastify' }));
    await newCalls(dir);
    const switched = await bin(['generate'], dir);
    expect(switched.code).toBe(0);
    expect(await newCalls(dir)).toEqual([
      { tool: 'yarn', argv: ['add', 'fastify@5', '@fastify/cookie@11', 'fastify-plugin@6', '@scalekit-sdk/node@2', 'jose@6'], cwd: '.' },
      { tool: 'yarn', argv: ['add', '-D', '@types/node'], cwd: '.' },
    ]);
  });
});

describe('a project that already has its own src/session', () => {
  it('init refuses, listing the files; --out-dir ./src/auth/ is normalised; generate leaves the user\'s files alone', async () => {
    const dir = await project('existing-src-session');
    const before = await readFile(path.join(dir, 'src/session/store.ts'), 'utf8');
    const refused = await bin(['init', '--yes', '--no-install'], dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('src/session/ already holds 2 files this tool did not write; nothing was written.');
    expect(refused.stderr).toContain('  src/session/index.ts\n  src/session/store.ts\n');
    await expect(readFile(path.join(dir, 'scalekit-session.config.json'))).rejects.toThrow();

    const init = await bin(['init', '--yes', '--out-dir', './src/auth/'], dir);
    expect(init.code).toBe(0);
    expect((await readJson(path.join(dir, 'scalekit-session.config.json'))).outDir).toBe('src/auth');
    expect((await bin(['generate'], dir)).code).toBe(0);
    expect(await readdir(path.join(dir, 'src/auth'))).toHaveLength(14);
    expect(await readFile(path.join(dir, 'src/session/store.ts'), 'utf8')).toBe(before);
    expect(await tsc(dir)).toBe('');
  });

  it('the first generate into a folder of the user\'s files refuses (exit 1) and writes no conflict markers; --force backs them up', async () => {
    const dir = await project('existing-src-session');
    expect((await bin(['init', '--yes', '--no-install', '--force'], dir)).code).toBe(0);
    const refused = await bin(['generate'], dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('src/session/index.ts');
    expect(await readFile(path.join(dir, 'src/session/index.ts'), 'utf8')).toBe("export { remember } from './store.js';\n");
    await expect(readFile(path.join(dir, 'scalekit-session.lock.json'))).rejects.toThrow();

    const forced = await bin(['generate', '--force'], dir);
    expect(forced.code).toBe(0);
    expect(await readFile(path.join(dir, 'src/session/index.ts.bak'), 'utf8')).toBe("export { remember } from './store.js';\n");
    expect(await readFile(path.join(dir, 'src/session/index.ts'), 'utf8')).not.toContain('<<<<<<<');
    // Later runs know the folder: the user's store.ts beside the output is no reason to refuse.
    expect((await bin(['generate'], dir)).code).toBe(0);
  });
});

// JavaScript output is issue #10's other half (branch issue-10). Flip this to true
// once it is merged: the assertions below then run instead of showing as todo.
const JS_OUTPUT_MERGED = true;
const itOnceJsOutputLands = JS_OUTPUT_MERGED ? it : it.todo;

describe('Express, JavaScript CommonJS, npm', () => {
  it('init installs the SDK and jose with npm in the project (express is already there)', async () => {
    const dir = await project('express-js-cjs');
    await newCalls(dir);
    const init = await bin(['init', '--yes'], dir);
    expect(init.code).toBe(0);
    const calls = await newCalls(dir);
    expect(calls[0]).toEqual({ tool: 'npm', argv: ['install', '@scalekit-sdk/node@2', 'jose@6'], cwd: '.' });
  });

  itOnceJsOutputLands('init picks language js / moduleFormat cjs and installs no @types; generate writes .js that Node loads', async () => {
    const dir = await project('express-js-cjs');
    await newCalls(dir);
    const init = await bin(['init', '--yes'], dir);
    expect(init.code).toBe(0);
    expect(await readJson(path.join(dir, 'scalekit-session.config.json'))).toMatchObject({ language: 'js', moduleFormat: 'cjs' });
    expect(await newCalls(dir)).toEqual([{ tool: 'npm', argv: ['install', '@scalekit-sdk/node@2', 'jose@6'], cwd: '.' }]);
    const generated = await bin(['generate'], dir);
    expect(generated.code).toBe(0);
    expect(generated.stdout).toContain("const { requireSession, sessionRouter } = require('./session/index.js');");
    // The router checks the keyring and the Scalekit settings as it is built (a
    // misconfigured app stops at start-up), so the app loads with them set.
    const env = {
      ...process.env,
      SESSION_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64url')}`,
      SCALEKIT_ENVIRONMENT_URL: 'https://example.scalekit.dev',
      SCALEKIT_CLIENT_ID: 'skc_test',
      SCALEKIT_CLIENT_SECRET: 'secret',
      APP_URL: 'http://localhost:3000',
    };
    const loaded = await run(process.execPath, ['-e', "require('./src/app.js')"], { cwd: dir, env }).then(
      () => '',
      (error: { stderr: string }) => error.stderr,
    );
    expect(loaded).toBe('');
  });
});
