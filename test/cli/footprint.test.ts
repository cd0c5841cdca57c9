import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';

import { validateConfig } from '../../src/config/load.js';
import { nextSteps } from '../../src/project/next-steps.js';
import { binPath, removeProject, repoRoot, runBin, runCli, tempProject, writeConfig } from '../helpers/project.js';

const run = promisify(execFile);
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map(removeProject));
});

async function app(files: Record<string, string> = {}): Promise<string> {
  const dir = await tempProject({ 'package.json': JSON.stringify({ name: 'app', type: 'module', dependencies: { express: '*' } }), 'tsconfig.json': '{}' });
  dirs.push(dir);
  await mkdir(path.join(dir, 'src'));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  return dir;
}

const config = async (dir: string) => JSON.parse(await readFile(path.join(dir, 'scalekit-session.config.json'), 'utf8')) as Record<string, unknown>;

describe('the project root and outDir', () => {
  it('run from a subfolder, init writes the config at the nearest package.json', async () => {
    const dir = await app();
    const result = await runCli(['init', '--yes', '--no-install'], path.join(dir, 'src'));
    expect(result.code).toBe(0);
    expect(await config(dir)).toMatchObject({ framework: 'express' });
  });

  it('with no package.json anywhere above, init exits 1 saying so and writes nothing', async () => {
    const dir = await tempProject();
    dirs.push(dir);
    const result = await runCli(['init', '--yes', '--no-install'], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No package.json in');
    await expect(readFile(path.join(dir, 'scalekit-session.config.json'))).rejects.toThrow();
  });

  it.each([
    ['./src/auth', '.'],
    ['src/auth/', '.'],
    ['src\\auth', '.'],
    ['./auth', 'src'],
    ['auth/', 'src'],
  ])('--out-dir %s (run from %s) becomes src/auth', async (outDir, from) => {
    const dir = await app();
    const result = await runCli(['init', '--yes', '--no-install', '--out-dir', outDir], path.join(dir, from));
    expect(result.stderr).toBe('');
    expect((await config(dir)).outDir).toBe('src/auth');
  });

  it('--out-dir outside the project is an invalid config: exit 1, nothing written', async () => {
    const dir = await app();
    const result = await runCli(['init', '--yes', '--no-install', '--out-dir', '../elsewhere'], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^ {2}outDir: /m);
    await expect(readFile(path.join(dir, 'scalekit-session.config.json'))).rejects.toThrow();
  });

  it('an outDir holding only a .gitkeep is not refused', async () => {
    const dir = await app({ 'src/session/.gitkeep': '' });
    expect((await runCli(['init', '--yes', '--no-install'], dir)).code).toBe(0);
    expect((await runCli(['generate', '--quiet'], dir)).code).toBe(0);
  });

  it('--framework koa in an Express project warns, naming what was detected', async () => {
    const dir = await app();
    const result = await runCli(['init', '--no-install', '--framework', 'koa'], dir);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('warning: --framework koa, but package.json lists express (detected); generating for koa.\n');
  });
});

describe('installing', () => {
  it('a package manager missing from PATH is a clear error naming the commands to run by hand (exit 1)', async () => {
    const dir = await app({ 'pnpm-lock.yaml': '' });
    const result = await runBin(['init', '--yes'], dir, { PATH: path.join(dir, 'no-such-bin') });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: pnpm is not on PATH, so nothing was installed (Node ships it through Corepack: `corepack enable`).');
    expect(result.stderr).toContain('Install them yourself: pnpm add @scalekit-sdk/node@2 jose@6 && pnpm add -D @types/express@5 @types/node');
  });
});

describe('.env.example', () => {
  it('appends only the variables it lacks and never changes a line already there', async () => {
    const before = '# our app\nPORT=3000\nAPP_URL=https://shop.example.com\n# SCALEKIT_CLIENT_SECRET=ask-ops\nexport SCALEKIT_CLIENT_ID=abc';
    const dir = await app({ '.env.example': before });
    const result = await runCli(['init', '--yes', '--no-install'], dir);
    expect(result.code).toBe(0);
    const after = await readFile(path.join(dir, '.env.example'), 'utf8');
    expect(after.startsWith(`${before}\n`)).toBe(true);
    const added = [...after.slice(before.length).matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]);
    expect(added).toEqual(['SCALEKIT_ENVIRONMENT_URL', 'SESSION_ENCRYPTION_KEYS', 'NODE_ENV']);
    expect(result.stdout).toContain('node --env-file=.env');
    // A second init adds nothing.
    await runCli(['init', '--yes', '--no-install', '--force'], dir);
    expect(await readFile(path.join(dir, '.env.example'), 'utf8')).toBe(after);
  });

  it('lists the names the config uses', async () => {
    const dir = await app();
    await runCli(['init', '--yes', '--no-install'], dir);
    const written = await readFile(path.join(dir, '.env.example'), 'utf8');
    expect([...written.matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1])).toEqual([
      'SCALEKIT_ENVIRONMENT_URL',
      'SCALEKIT_CLIENT_ID',
      'SCALEKIT_CLIENT_SECRET',
      'APP_URL',
      'SESSION_ENCRYPTION_KEYS',
      'NODE_ENV',
    ]);
  });
});

describe('$schema', () => {
  it('points at the published copy of this version when the tool is not installed in the project (npx)', async () => {
    const dir = await app();
    await runCli(['init', '--yes', '--no-install'], dir);
    const version = (JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
    expect((await config(dir)).$schema).toBe(`https://unpkg.com/scalekit-session-scaffold@${version}/config.schema.json`);
  });

  it('points at the installed copy when the project has the tool in node_modules', async () => {
    const dir = await app({ 'node_modules/scalekit-session-scaffold/config.schema.json': '{}' });
    await runCli(['init', '--yes', '--no-install'], dir);
    expect((await config(dir)).$schema).toBe('./node_modules/scalekit-session-scaffold/config.schema.json');
  });
});

describe('formatting with the project\'s own Prettier', () => {
  it('uses the Prettier the project has installed, and writes no tool version into the files', async () => {
    // A stand-in Prettier that marks what it formatted, so the test sees which copy ran.
    const fake = `exports.resolveConfig = async () => ({});\nexports.format = async (source) => '// formatted by the project\\'s prettier\\n' + source;\n`;
    const dir = await app({
      'node_modules/prettier/package.json': JSON.stringify({ name: 'prettier', version: '3.0.0', main: 'index.js' }),
      'node_modules/prettier/index.js': fake,
    });
    await writeConfig(dir, { framework: 'express' });
    const result = await runCli(['generate', '--quiet'], dir);
    expect(result.stderr).toBe('');
    const policy = await readFile(path.join(dir, 'src/session/policy.ts'), 'utf8');
    expect(policy.split('\n').slice(0, 2)).toEqual([
      "// formatted by the project's prettier",
      '// Generated by scalekit-session-scaffold from scalekit-session.config.json.',
    ]);
  });
});

describe('the bin on an old Node', () => {
  it('says which Node it needs in one line, exit 1, instead of a SyntaxError', async () => {
    const fakeOld = 'data:text/javascript,Object.defineProperty(process.versions,"node",{value:"18.20.4"})';
    const result = await run(process.execPath, ['--import', fakeOld, binPath, '--version']).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
    expect(result).toEqual({
      code: 1,
      stderr: 'scalekit-session-scaffold needs Node.js 20.19 or newer; this is 18.20.4. Install a current LTS (https://nodejs.org) and run it again.\n',
    });
  });

  it('parses as a classic script (no static import, no top-level await); its minimum is package.json "engines"', async () => {
    const source = await readFile(binPath, 'utf8');
    // Compiles only, never runs: a static import or top-level await would be a SyntaxError here.
    expect(() => new vm.Script(source, { filename: binPath })).not.toThrow();
    const engines = (JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    const minimum = /var MINIMUM = \[(\d+), (\d+)\]/.exec(source);
    expect(`>=${minimum?.[1]}.${minimum?.[2]}`).toBe(engines);
  });
});

describe('the next steps generate ends with', () => {
  it('name this config\'s variables, routes and the app origin from the environment', () => {
    const parsed = validateConfig({
      framework: 'koa',
      outDir: 'lib/auth',
      routes: { callback: '/login/done', postLogoutRedirect: '/bye' },
      scalekit: { appUrlVar: 'PUBLIC_URL' },
      encryption: { keySource: { type: 'file', path: 'secrets/keys' } },
    });
    if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
    const lines = nextSteps(parsed.config, 'pnpm dlx scalekit-session-scaffold', { PUBLIC_URL: 'https://shop.example.com/ignored/path' });
    const text = lines.join('\n');
    expect(text).toContain('Set SCALEKIT_ENVIRONMENT_URL, SCALEKIT_CLIENT_ID, SCALEKIT_CLIENT_SECRET, PUBLIC_URL, NODE_ENV');
    expect(text).toContain('The keyring file secrets/keys: `pnpm dlx scalekit-session-scaffold keygen` prints an entry for it.');
    expect(text).toContain("import { requireSession, sessionRoutes } from './lib/auth/index.js';");
    expect(text).toContain('redirect URL:     https://shop.example.com/login/done');
    expect(text).toContain('post-logout URL:  https://shop.example.com/bye');
    expect(lines.filter((line) => line.startsWith('       ') && !line.includes('URL:'))).toHaveLength(3);
  });
});
