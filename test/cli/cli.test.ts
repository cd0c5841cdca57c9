import { readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { validateConfig } from '../../src/config/load.js';
import { DEFAULT_CONFIG } from '../config/fixtures.js';
import { readTree, removeProject, repoRoot, runBin, runCli, tempProject, writeConfig } from '../helpers/project.js';

const CONFIG_FILE = 'scalekit-session.config.json';
const LOCK_FILE = 'scalekit-session.lock.json';
// Under npx the package is not in the project's node_modules: the published copy of this version.
const SCHEMA_REF = `https://unpkg.com/scalekit-session-scaffold@${(JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version}/config.schema.json`;
/** Contract §4: the files every Express TS output has (the generator may add more). */
const CONTRACT_FILES = ['policy', 'keys', 'crypto', 'cookies', 'scalekit', 'refresh', 'middleware', 'routes', 'index', 'client'].map(
  (name) => `src/session/${name}.ts`,
);

const dirs: string[] = [];
async function project(files: Record<string, string> = {}): Promise<string> {
  const dir = await tempProject(files);
  dirs.push(dir);
  return dir;
}
async function outsideDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sss-outside-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => removeProject(dir)));
});

/** The `action` of each file in `generate --json` output. */
function actions(stdout: string): Record<string, string> {
  const plan = JSON.parse(stdout) as { files: { path: string; action: string }[] };
  return Object.fromEntries(plan.files.map((file) => [file.path, file.action]));
}

describe('usage errors exit 2', () => {
  it('an unknown command', async () => {
    const dir = await project();
    const run = await runCli(['frobnicate'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('frobnicate');
    expect(run.stderr).toContain('--help');
  });

  it('an unknown flag', async () => {
    const dir = await project();
    const run = await runCli(['generate', '--bogus'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('bogus');
  });

  it('no command at all', async () => {
    const run = await runCli([], await project());
    expect(run.code).toBe(2);
  });

  it('an invalid choice', async () => {
    const dir = await project();
    const run = await runCli(['init', '--framework', 'hapi', '--no-install'], dir);
    expect(run.code).toBe(2);
    expect(await readTree(dir)).toEqual({});
  });
});

describe('the real bin', () => {
  it('prints the package.json version with --version', async () => {
    const pkg = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    const run = await runBin(['--version'], await project());
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout.trim()).toBe(pkg.version);
  });

  it('exits 2 on an unknown command and flag', async () => {
    const dir = await project();
    const [command, flag] = await Promise.all([runBin(['frobnicate'], dir), runBin(['keygen', '--bogus'], dir)]);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('frobnicate');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('bogus');
  });

  it('exits 1 on an invalid config, listing each problem, and writes nothing', async () => {
    const dir = await project();
    await writeConfig(dir, { framework: 'express', outDir: '../escape', routes: { login: 'nope' } });
    const before = await readTree(dir);
    const run = await runBin(['generate'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('has 2 problems; nothing was written');
    expect(run.stderr).toMatch(/^ {2}outDir: /m);
    expect(run.stderr).toMatch(/^ {2}routes\.login: /m);
    expect(run.stderr).not.toContain('internal error');
    expect(await readTree(dir)).toEqual(before);
  });

  it('exits 0 on keygen and prints one entry on stdout', async () => {
    const run = await runBin(['keygen', '--kid', 'k1'], await project());
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^k1:[A-Za-z0-9_-]{43}\n$/);
  });
});

describe('init', () => {
  it('needs --yes or --framework (exit 2, nothing written)', async () => {
    const dir = await project({ 'package.json': '{}' });
    const run = await runCli(['init', '--no-install'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--framework');
    expect(await readTree(dir)).toEqual({ 'package.json': '{}' });
  });

  it('--yes --no-install writes the full default config with $schema, and it validates', async () => {
    const dir = await project({ 'package.json': '{}' });
    await mkdir(path.join(dir, 'src'));
    const run = await runCli(['init', '--yes', '--no-install'], dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Wrote ${CONFIG_FILE}`);
    expect(Object.keys(await readTree(dir)).sort()).toEqual(['.env.example', 'package.json', CONFIG_FILE]);
    const text = await readFile(path.join(dir, CONFIG_FILE), 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    const written = JSON.parse(text) as Record<string, unknown>;
    // No tsconfig.json, no typescript dependency, no "type": a JavaScript CommonJS project.
    const expected = { $schema: SCHEMA_REF, ...DEFAULT_CONFIG, language: 'js', moduleFormat: 'cjs' };
    expect(written).toEqual(expected);
    expect(Object.keys(written)[0]).toBe('$schema');
    expect(validateConfig(written)).toEqual({ ok: true, config: expected });
  });

  it('takes --framework, --out-dir and --refresh-mode', async () => {
    const dir = await project({ 'package.json': '{}' });
    const run = await runCli(['init', '--framework', 'koa', '--out-dir', 'lib/auth', '--refresh-mode', 'transparent', '--no-install'], dir);
    expect(run.code).toBe(0);
    const written = JSON.parse(await readFile(path.join(dir, CONFIG_FILE), 'utf8')) as typeof DEFAULT_CONFIG;
    expect(written.framework).toBe('koa');
    expect(written.outDir).toBe('lib/auth');
    expect(written.refresh).toEqual({ mode: 'transparent', leewaySeconds: 60 });
  });

  it('refuses flags that make an invalid config (exit 1, nothing written)', async () => {
    const dir = await project({ 'package.json': '{}' });
    const run = await runCli(['init', '--yes', '--out-dir', '../outside', '--no-install'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^ {2}outDir: /m);
    expect(await readTree(dir)).toEqual({ 'package.json': '{}' });
  });

  it('a second init exits 1 and leaves the existing file as it was', async () => {
    const dir = await project({ 'package.json': '{}' });
    expect((await runCli(['init', '--yes', '--no-install'], dir)).code).toBe(0);
    const edited = (await readFile(path.join(dir, CONFIG_FILE), 'utf8')).replace('"sk_access"', '"my_access"');
    await writeFile(path.join(dir, CONFIG_FILE), edited);
    const run = await runCli(['init', '--yes', '--no-install'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('already exists');
    expect(await readTree(dir)).toMatchObject({ [CONFIG_FILE]: edited });
  });

  it('--force replaces an existing config', async () => {
    const dir = await project({ 'package.json': '{}' });
    await mkdir(path.join(dir, 'src'));
    await writeConfig(dir, { framework: 'koa' });
    const run = await runCli(['init', '--yes', '--force', '--no-install'], dir);
    expect(run.code).toBe(0);
    expect(JSON.parse(await readFile(path.join(dir, CONFIG_FILE), 'utf8'))).toEqual({
      $schema: SCHEMA_REF,
      ...DEFAULT_CONFIG,
      language: 'js',
      moduleFormat: 'cjs',
    });
  });
});

describe('generate refuses bad input and writes nothing', () => {
  it('an invalid config: exit 1, every problem listed on stderr', async () => {
    const dir = await project({ 'keep.txt': 'untouched' });
    const config = {
      framework: 'express',
      routes: { login: 'auth/login' },
      cookies: { names: { access: 'same', refresh: 'same' } },
      scalekit: { clientIdVar: 'client-id' },
    };
    await writeConfig(dir, config);
    const before = await readTree(dir);
    const run = await runCli(['generate'], dir);
    expect(run.code).toBe(1);
    const validation = validateConfig(config);
    expect(validation.ok).toBe(false);
    const problems = validation.ok ? [] : validation.problems;
    expect(problems).toHaveLength(3);
    expect(run.stderr).toContain(`${CONFIG_FILE} has 3 problems; nothing was written.`);
    for (const problem of problems) expect(run.stderr).toContain(`  ${problem}\n`);
    expect(run.stderr).toMatch(/^ {2}routes\.login: /m);
    expect(run.stderr).toMatch(/^ {2}cookies\.names\.refresh: /m);
    expect(run.stderr).toMatch(/^ {2}scalekit\.clientIdVar: /m);
    expect(run.stdout).toBe('');
    expect(await readTree(dir)).toEqual(before);
  });

  it('invalid JSON: exit 1', async () => {
    const dir = await project();
    await writeConfig(dir, '{ "framework": "express", }');
    const before = await readTree(dir);
    const run = await runCli(['generate'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${CONFIG_FILE} is not valid JSON`);
    expect(await readTree(dir)).toEqual(before);
  });

  it('no config file: exit 1 with a hint to run init', async () => {
    const dir = await project();
    const run = await runCli(['generate'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('No config file');
    expect(run.stderr).toContain('init');
    expect(await readTree(dir)).toEqual({});
  });

  // A JSON value that is not an object is a problem line, never an internal error with a stack.
  it.each([['[]'], ['null'], ['"express"']])('a config file holding %s: exit 1 with a clean problem line', async (json) => {
    const dir = await project();
    await writeConfig(dir, json);
    const before = await readTree(dir);
    const run = await runCli(['generate'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).not.toContain('internal error');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stderr).toMatch(/^ {2}\(config\): /m);
    expect(await readTree(dir)).toEqual(before);
  });

  it('a hostile route (backtick and ${): exit 1', async () => {
    const dir = await project();
    await writeConfig(dir, { framework: 'express', routes: { login: '/a`;${process.exit(1)}`' }, cookies: { names: { access: 'x"</script>' } } });
    const before = await readTree(dir);
    const run = await runCli(['generate'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^ {2}routes\.login: must be a safe absolute path \(got "\/a`;\$\{process\.exit\(1\)\}`"; allowed /m);
    expect(run.stderr).toMatch(/^ {2}cookies\.names\.access: /m);
    expect(await readTree(dir)).toEqual(before);
    expect(await readdir(dir)).toEqual([CONFIG_FILE]);
  });

  // Every language and moduleFormat the schema accepts is generated; the
  // extension follows the package "type" (none here: CommonJS by Node's rules).
  it.each([
    [{ framework: 'koa', language: 'js' }, 'index.mjs'],
    [{ framework: 'express', language: 'js', moduleFormat: 'cjs' }, 'index.js'],
    [{ framework: 'express', moduleFormat: 'cjs' }, 'index.ts'],
  ])('output %j: exit 0, writes %s', async (config, file) => {
    const dir = await project();
    await writeConfig(dir, config);
    const run = await runCli(['generate'], dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(await readdir(path.join(dir, 'src/session'))).toContain(file);
  });

  it('an outDir that is a symlink leaving the project: exit 1, nothing written on either side', async () => {
    const dir = await project();
    const outside = await outsideDir();
    await writeConfig(dir, { framework: 'express' });
    await mkdir(path.join(dir, 'src'));
    await symlink(outside, path.join(dir, 'src/session'), 'dir');
    const before = await readTree(dir);
    const run = await runCli(['generate'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('leaves the project');
    expect(await readdir(outside)).toEqual([]);
    expect(await readTree(dir)).toEqual(before);
    expect((await readdir(dir)).sort()).toEqual([CONFIG_FILE, 'src']);
  });

  it('an outDir below a symlinked parent that leaves the project: exit 1', async () => {
    const dir = await project();
    const outside = await outsideDir();
    await writeConfig(dir, { framework: 'express', outDir: 'lib/session' });
    await symlink(outside, path.join(dir, 'lib'), 'dir');
    const run = await runCli(['generate'], dir);
    expect(run.code).toBe(1);
    expect(await readdir(outside)).toEqual([]);
    expect(await readdir(dir)).not.toContain(LOCK_FILE);
  });
});

describe('generate', () => {
  // One real first run, copied into each test that starts from generated output.
  let golden = '';
  beforeAll(async () => {
    golden = await tempProject();
    await writeConfig(golden, { framework: 'express' });
    const run = await runCli(['generate'], golden);
    if (run.code !== 0) throw new Error(`generate failed: ${run.stderr}`);
  });
  afterAll(async () => {
    await removeProject(golden);
  });
  async function generated(): Promise<string> {
    const dir = await project();
    await cp(golden, dir, { recursive: true });
    return dir;
  }

  it('--dry-run lists every file and writes nothing', async () => {
    const dir = await project();
    await writeConfig(dir, { framework: 'express' });
    const before = await readTree(dir);
    const run = await runCli(['generate', '--dry-run'], dir);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    for (const file of CONTRACT_FILES) expect(lines).toContain(`[dry-run] create    ${file}  (new file)`);
    for (const line of lines) expect(line).toMatch(/^\[dry-run\] create {4}src\/session\/[a-z]+\.ts {2}\(new file\)$/);
    expect(await readTree(dir)).toEqual(before);
    expect(await readdir(dir)).toEqual([CONFIG_FILE]);
  });

  it('--dry-run --json prints a parseable plan where every file is "create"', async () => {
    const dir = await project();
    await writeConfig(dir, { framework: 'express' });
    const before = await readTree(dir);
    const run = await runCli(['generate', '--dry-run', '--json'], dir);
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout) as { dryRun: boolean; files: { path: string; action: string; bytes: number }[]; warnings: string[] };
    expect(plan.dryRun).toBe(true);
    expect(plan.warnings).toEqual([]);
    expect(plan.files.map((file) => file.path)).toEqual(expect.arrayContaining(CONTRACT_FILES));
    for (const file of plan.files) {
      expect(file.action).toBe('create');
      expect(file.bytes).toBeGreaterThan(0);
    }
    expect(await readTree(dir)).toEqual(before);
  });

  it('--json carries the policy warnings instead of printing them', async () => {
    const dir = await project();
    await writeConfig(dir, { framework: 'express', refresh: { mode: 'transparent' } });
    const run = await runCli(['generate', '--dry-run', '--json'], dir);
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout) as { warnings: string[] };
    expect(plan.warnings).toHaveLength(1);
    expect(plan.warnings[0]).toContain('refresh.mode "transparent"');
  });

  it('writes the files and the lock; a second run is byte-identical and all unchanged', async () => {
    const dir = await project();
    await writeConfig(dir, { framework: 'express' });
    const first = await runCli(['generate'], dir);
    expect(first.code).toBe(0);
    const tree = await readTree(dir);
    for (const file of CONTRACT_FILES) {
      // No tool version: an upgrade that changes no output changes no file.
      expect(tree[file]).toMatch(/^\/\/ Generated by scalekit-session-scaffold from scalekit-session\.config\.json\./);
    }
    expect(Object.keys(tree)).toContain(LOCK_FILE);
    const lock = JSON.parse(tree[LOCK_FILE] ?? '{}') as { files: Record<string, { hash: string }> };
    expect(Object.keys(lock.files).sort()).toEqual(Object.keys(tree).filter((file) => file.startsWith('src/session/')).sort());

    const second = await runCli(['generate', '--json'], dir);
    expect(second.code).toBe(0);
    const seen = actions(second.stdout);
    expect(Object.keys(seen).sort()).toEqual(Object.keys(lock.files).sort());
    for (const action of Object.values(seen)) expect(action).toBe('unchanged');
    expect(await readTree(dir)).toEqual(tree);
  });

  it('updates files it wrote when the config changes', async () => {
    const dir = await generated();
    await writeConfig(dir, { framework: 'express', routes: { login: '/signin' } });
    const run = await runCli(['generate', '--json'], dir);
    expect(run.code).toBe(0);
    const seen = actions(run.stdout);
    expect(seen['src/session/policy.ts']).toBe('update');
    expect(Object.values(seen)).not.toContain('edited');
    expect(await readFile(path.join(dir, 'src/session/policy.ts'), 'utf8')).toContain('/signin');
  });

  it('after a config change, a hand-edited file is merged: the edit stays and the new output is in', async () => {
    const dir = await generated();
    const keys = path.join(dir, 'src/session/keys.ts');
    await writeFile(keys, `${await readFile(keys, 'utf8')}\n// my own change\n`);
    await writeConfig(dir, { framework: 'express', encryption: { keySource: { type: 'file', path: '/run/secrets/keys' } } });

    const run = await runCli(['generate'], dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^merge {5}src\/session\/keys\.ts {2}\(edited by you; merged/m);
    const merged = await readFile(keys, 'utf8');
    expect(merged).toContain('// my own change');
    expect(merged).toContain('readFileSync(KEY_FILE');
    expect(await readFile(path.join(dir, 'src/session/policy.ts'), 'utf8')).toContain('KEY_FILE = "/run/secrets/keys"');
  });

  it('--force overwrites the edited file and keeps the edit in <file>.bak', async () => {
    const dir = await generated();
    const keys = path.join(dir, 'src/session/keys.ts');
    const original = await readFile(keys, 'utf8');
    const edited = `${original}\n// my own change\n`;
    await writeFile(keys, edited);

    const run = await runCli(['generate', '--force'], dir);
    expect(run.code).toBe(0);
    expect(await readFile(keys, 'utf8')).toBe(original);
    expect(await readFile(`${keys}.bak`, 'utf8')).toBe(edited);

    const again = await runCli(['generate', '--json'], dir);
    expect(again.code).toBe(0);
    expect(actions(again.stdout)['src/session/keys.ts']).toBe('unchanged');
  });

  it('formats with the project Prettier config', async () => {
    const plain = await project();
    const styled = await project({ '.prettierrc': JSON.stringify({ semi: false, singleQuote: true }) });
    const runs = await Promise.all(
      [plain, styled].map(async (dir) => {
        await writeConfig(dir, { framework: 'express' });
        return runCli(['generate'], dir);
      }),
    );
    expect(runs.map((run) => run.code)).toEqual([0, 0]);
    const before = await readFile(path.join(plain, 'src/session/policy.ts'), 'utf8');
    const after = await readFile(path.join(styled, 'src/session/policy.ts'), 'utf8');
    // Without a config: Prettier defaults (semicolons, double quotes).
    expect(before).toMatch(/;$/m);
    expect(before).toMatch(/"sk_access"/);
    // With it: no statement ends in `;`, strings use single quotes.
    expect(after).not.toMatch(/;$/m);
    expect(after).toMatch(/'sk_access'/);
    expect(after).not.toMatch(/"sk_access"/);
  });

  it('honours --cwd and --config', async () => {
    const dir = await project();
    await mkdir(path.join(dir, 'app'));
    await writeFile(path.join(dir, 'app/session.json'), JSON.stringify({ framework: 'express', outDir: 'gen' }));
    const run = await runCli(['generate', '--cwd', 'app', '--config', 'session.json', '--dry-run'], dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('[dry-run] create    gen/policy.ts  (new file)');
  });
});

describe('keygen', () => {
  const ENTRY = /^(?<kid>[A-Za-z0-9_-]{1,32}):(?<key>[A-Za-z0-9_-]+)$/;

  it('prints kid:key where the key is 32 random bytes in base64url', async () => {
    const dir = await project();
    const [one, two] = await Promise.all([runCli(['keygen'], dir), runCli(['keygen'], dir)]);
    const entries = [one, two].map((run) => {
      expect(run.code).toBe(0);
      const lines = run.stdout.trim().split('\n');
      expect(lines).toHaveLength(1);
      const match = ENTRY.exec(lines[0] ?? '');
      expect(match, `"${lines[0]}" is not kid:key`).not.toBeNull();
      const key = match?.groups?.key ?? '';
      expect(Buffer.from(key, 'base64url')).toHaveLength(32);
      expect(Buffer.from(key, 'base64url').toString('base64url')).toBe(key);
      return { kid: match?.groups?.kid, key };
    });
    expect(entries[0]?.key).not.toBe(entries[1]?.key);
    expect(await readTree(dir)).toEqual({});
  });

  it('uses --kid, and --json gives kid and entry', async () => {
    const dir = await project();
    const plain = await runCli(['keygen', '--kid', 'prod-2025_01'], dir);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^prod-2025_01:[A-Za-z0-9_-]{43}\n$/);
    const json = await runCli(['keygen', '--kid', 'k2', '--json'], dir);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { kid: string; entry: string };
    expect(parsed.kid).toBe('k2');
    expect(parsed.entry).toMatch(/^k2:[A-Za-z0-9_-]{43}$/);
  });

  it.each(['bad!', 'a:b', 'x'.repeat(33), 'with space'])('rejects --kid %j with exit 2', async (kid) => {
    const run = await runCli(['keygen', '--kid', kid], await project());
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('is not a valid key id');
  });
});
