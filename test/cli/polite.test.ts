/**
 * Failing politely and following conventions, through the real bin (built
 * `dist/`): every case a user can cause ends in one line and an exit code,
 * never a stack trace, and never a write it should not make.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { binPath, readTree, removeProject, runBin, runCli, tempProject, writeConfig } from '../helpers/project.js';

const dirs: string[] = [];
async function project(files: Record<string, string> = {}): Promise<string> {
  const dir = await tempProject(files);
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => removeProject(dir)));
});

/** No colour and no forced colour, whatever the test runner's environment says. */
const PLAIN = { NO_COLOR: '', FORCE_COLOR: '' };
const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

function expectPolite(run: { stderr: string }): void {
  expect(run.stderr).not.toMatch(STACK_LINE);
  expect(run.stderr).not.toContain('internal error');
}

/** A seeded generator (mulberry32), so a failing case can be replayed from the printed seed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const SEED = Number(process.env.TEST_SEED ?? Date.now() % 1_000_000);
console.log(`polite.test.ts seed ${SEED} (replay with TEST_SEED=${SEED})`);

function randomWord(random: () => number, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-_=.:/ '): string {
  const length = 1 + Math.floor(random() * 8);
  return Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
}

/**
 * Runs the bin on a real pseudo-terminal (util-linux `script`), feeding
 * `input` chunks as keystrokes once the first prompt appears.
 */
function runOnTerminal(args: string[], cwd: string, input: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const command = [process.execPath, binPath, ...args].map((part) => `'${part.replace(/'/g, `'\\''`)}'`).join(' ');
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd, env: { ...process.env, ...PLAIN, TERM: 'dumb' } });
    let output = '';
    let fed = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no exit within 20 s; output so far:\n${output}`));
    }, 20_000);
    child.stdout.on('data', async (chunk: Buffer) => {
      output += chunk.toString();
      if (!fed && output.includes('Framework?')) {
        fed = true;
        for (const keys of input) {
          child.stdin.write(keys);
          await new Promise((r) => setTimeout(r, 150));
        }
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output });
    });
  });
}

const hasScript = await new Promise<boolean>((resolve) => {
  const probe = spawn('script', ['--version']);
  probe.on('error', () => resolve(false));
  probe.on('exit', (code) => resolve(code === 0));
});

describe.runIf(hasScript || process.env.CI)('init on a terminal', () => {
  const app = async () => project({ 'package.json': JSON.stringify({ type: 'module', dependencies: { koa: '*' } }), 'tsconfig.json': '{}' });

  it.each([
    ['Ctrl-C', '\u0003'],
    ['Ctrl-D', '\u0004'],
  ])('%s at the first prompt: exit 130, one line, nothing written', async (_name, key) => {
    const dir = await app();
    const run = await runOnTerminal(['init', '--no-install'], dir, [key]);
    expect(run.code).toBe(130);
    expect(run.output).toContain('error: Interrupted; nothing was written.');
    expect(run.output).not.toMatch(STACK_LINE);
    expect(Object.keys(await readTree(dir)).sort()).toEqual(['package.json', 'tsconfig.json']);
  });

  it('Ctrl-C at the second prompt, after answering the first: still nothing written', async () => {
    const dir = await app();
    const run = await runOnTerminal(['init', '--no-install'], dir, ['2\r', '\u0003']);
    expect(run.code).toBe(130);
    expect(run.output).toContain('Refresh mode?');
    expect(Object.keys(await readTree(dir)).sort()).toEqual(['package.json', 'tsconfig.json']);
  });

  it('answers typed ahead in one burst are all used', async () => {
    const dir = await app();
    const run = await runOnTerminal(['init', '--no-install'], dir, ['2\r2\r2\r']);
    expect(run.code, run.output).toBe(0);
    const config = JSON.parse((await readTree(dir))['scalekit-session.config.json'] ?? '{}') as { framework: string; refresh: { mode: string } };
    expect(config).toMatchObject({ framework: 'fastify', refresh: { mode: 'transparent' }, store: { type: 'redis' } });
  });
});
if (!hasScript && !process.env.CI) console.log('skipping terminal tests: install util-linux (`script`) to run them');

describe('usage errors: exit 2 with one line and a hint', () => {
  it('emulator --port rejects anything but 0-65535, generated cases included', async () => {
    const random = seeded(SEED);
    const bad = ['abc', '99999', '65536', '-1', '1.5', '0x50', '', ' 80', '1e3'];
    for (let i = 0; i < 6; i++) bad.push(random() < 0.5 ? randomWord(random, 'abc-.xe ') : String(65536 + Math.floor(random() * 1e6)));
    const dir = await project();
    const runs = await Promise.all(bad.slice(0, 4).map((port) => runBin(['emulator', '--port', port], dir, PLAIN)));
    for (const [i, run] of runs.entries()) {
      expect(run.code, `--port ${bad[i]}`).toBe(2);
      expect(run.stderr).toContain('--port must be a port number from 0 to 65535');
      expectPolite(run);
    }
    for (const port of bad.slice(4)) {
      const run = await runCli(['emulator', `--port=${port}`], dir);
      expect(run.code, `--port=${JSON.stringify(port)} (seed ${SEED})`).toBe(2);
    }
  });

  it('unknown commands and flags say what was meant', async () => {
    const dir = await project();
    const [command, flag, choice] = await Promise.all([
      runBin(['genrate'], dir, PLAIN),
      runBin(['generate', '--dry-rn'], dir, PLAIN),
      runBin(['init', '--framework', 'fastfy'], dir, PLAIN),
    ]);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('Did you mean "generate"?');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('Did you mean --dry-run?');
    expect(choice.code).toBe(2);
    expect(choice.stderr).toContain('Did you mean "fastify"?');
    for (const run of [command, flag, choice]) expectPolite(run);
  });

  it('no arguments: help on stderr, exit 2', async () => {
    const run = await runBin([], await project(), PLAIN);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('Usage: scalekit-session-scaffold <command>');
    expect(run.stderr).toContain('doctor');
  });

  it('-h, --help, help <command>; -v, -V, --version', async () => {
    const dir = await project();
    const runs = await Promise.all([['-h'], ['--help'], ['generate', '-h'], ['help', 'doctor'], ['-v'], ['-V'], ['--version']].map((args) => runBin(args, dir, PLAIN)));
    for (const run of runs) expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(runs[0]?.stdout).toContain('Commands:');
    expect(runs[1]?.stdout).toBe(runs[0]?.stdout);
    expect(runs[2]?.stdout).toContain('--on-conflict');
    expect(runs[3]?.stdout).toContain('--dotenv');
    for (const run of runs.slice(4)) expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('--dry-run writes nothing in any spelling', () => {
  it('the bin: --dry-run, --dry-run=true write nothing; --dry-run=yes, --dry-run yes are usage errors', async () => {
    const dir = await project();
    await writeConfig(dir, { framework: 'express' });
    const before = await readTree(dir);
    for (const args of [['--dry-run'], ['--dry-run=true']]) {
      const run = await runBin(['generate', ...args], dir, PLAIN);
      expect(run.code, args.join(' ')).toBe(0);
      expect(run.stdout).toContain('[dry-run] create');
    }
    for (const args of [['--dry-run=yes'], ['--dry-run', 'yes'], ['--dry-run=1'], ['--no-dry-run=true']]) {
      const run = await runBin(['generate', ...args], dir, PLAIN);
      expect(run.code, args.join(' ')).toBe(2);
      expectPolite(run);
    }
    expect(await readTree(dir)).toEqual(before);
  });

  it('generated spellings: anything but --dry-run=false writes nothing', async () => {
    const random = seeded(SEED + 1);
    const dir = await project();
    await writeConfig(dir, { framework: 'express' });
    const before = await readTree(dir);
    for (let i = 0; i < 12; i++) {
      const value = random() < 0.2 ? 'true' : randomWord(random);
      if (value === 'false') continue;
      const args = random() < 0.5 ? [`--dry-run=${value}`] : ['--dry-run', value];
      const run = await runCli(['generate', ...args], dir);
      expect([0, 2], `${args.join(' ')} (seed ${SEED})`).toContain(run.code);
      expect(await readTree(dir), `${args.join(' ')} (seed ${SEED})`).toEqual(before);
    }
  });
});

describe('errors a user can cause print one line, no stack', () => {
  it('an outDir that is a file: exit 1 with the system message', async () => {
    const dir = await project();
    await writeConfig(dir, { framework: 'express' });
    await mkdir(path.join(dir, 'src'));
    await writeFile(path.join(dir, 'src/session'), 'not a folder');
    const run = await runBin(['generate'], dir, PLAIN);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: /);
    expectPolite(run);
  });

  it.each([
    ['unparseable', '.prettierrc', '{bad'],
    ['an invalid option', '.prettierrc', '{"tabWidth": "x"}'],
    ['a missing plugin', 'prettier.config.cjs', 'module.exports = { plugins: ["missing-plugin"] };'],
  ])("the project's Prettier config is %s: exit 1 naming it, nothing written", async (_what, name, content) => {
    const dir = await project({ [name]: content });
    await writeConfig(dir, { framework: 'express' });
    const before = await readTree(dir);
    const run = await runBin(['generate'], dir, PLAIN);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: Your Prettier config .* cannot be used: /);
    expectPolite(run);
    expect(await readTree(dir)).toEqual(before);
  });

  it('emulator on a port in use: exit 1, the system message and what to do', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as net.AddressInfo;
      const run = await runBin(['emulator', '--port', String(port)], await project(), PLAIN);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('EADDRINUSE');
      expect(run.stderr).toContain('Pick another port');
      expectPolite(run);
    } finally {
      server.close();
    }
  });

  it('--config naming a folder: exit 1', async () => {
    const dir = await project();
    await mkdir(path.join(dir, 'conf'));
    const run = await runBin(['check', '--config', 'conf'], dir, PLAIN);
    expect(run.code).toBe(1);
    expectPolite(run);
  });

  it('--json turns errors into one JSON line on stderr', async () => {
    const run = await runBin(['check', '--json'], await project(), PLAIN);
    expect(run.code).toBe(1);
    const parsed = JSON.parse(run.stderr) as { error: { message: string; exitCode: number } };
    expect(parsed.error).toMatchObject({ exitCode: 1 });
    expect(parsed.error.message).toContain('No config file');
  });
});

describe('diff | head', () => {
  it('a reader that goes away does not crash the writer', async () => {
    const dir = await project();
    await writeConfig(dir, { framework: 'express' });
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [binPath, 'diff'], { cwd: dir, env: { ...process.env, ...PLAIN } });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      // Like `head -1`: read one chunk, then close the pipe.
      child.stdout.once('data', () => child.stdout.destroy());
      child.on('exit', (code) => resolve({ code, stderr }));
    });
    expect(result.stderr).not.toContain('EPIPE');
    expectPolite(result);
    expect(result.code).toBe(3);
  });
});

describe('--json and --quiet on every command with output', () => {
  it('each command prints one JSON document with --json', async () => {
    const dir = await project({ 'package.json': JSON.stringify({ type: 'module', dependencies: { express: '*' } }) });
    const init = await runBin(['init', '--yes', '--no-install', '--json'], dir, PLAIN);
    expect(init.code, init.stderr).toBe(0);
    expect(JSON.parse(init.stdout)).toMatchObject({ wrote: 'scalekit-session.config.json', config: { framework: 'express' } });

    const diff = await runBin(['diff', '--json'], dir, PLAIN);
    expect(diff.code).toBe(3);
    const diffed = JSON.parse(diff.stdout) as { changed: number; files: { path: string; diff: string }[] };
    expect(diffed.changed).toBeGreaterThan(0);
    expect(diffed.files[0]?.diff).toContain('+++ b/');

    const generate = await runBin(['generate', '--json'], dir, PLAIN);
    expect(generate.code).toBe(0);
    expect(JSON.parse(generate.stdout)).toHaveProperty('files');
    const check = await runBin(['check', '--json'], dir, PLAIN);
    expect(JSON.parse(check.stdout)).toMatchObject({ inSync: true });
    const keygen = await runBin(['keygen', '--json'], dir, PLAIN);
    expect(JSON.parse(keygen.stdout)).toHaveProperty('entry');
    const doctor = await runBin(['doctor', '--json'], dir, { ...PLAIN, SCALEKIT_ENVIRONMENT_URL: '' });
    expect(doctor.code).toBe(1);
    expect(JSON.parse(doctor.stdout)).toMatchObject({ ok: false });
  });

  it('--quiet (-q) leaves only the answer and errors', async () => {
    const dir = await project({ 'package.json': JSON.stringify({ type: 'module', dependencies: { express: '*' } }) });
    const init = await runBin(['init', '--yes', '--no-install', '-q'], dir, PLAIN);
    expect(init).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const diff = await runBin(['diff', '--quiet'], dir, PLAIN);
    expect(diff.code).toBe(3);
    expect(diff.stdout).toBe('');
    const generate = await runBin(['generate', '-q'], dir, PLAIN);
    expect(generate).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const check = await runBin(['check', '-q'], dir, PLAIN);
    expect(check).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const keygen = await runBin(['keygen', '-q'], dir, PLAIN);
    expect(keygen.stderr).toBe('');
    expect(keygen.stdout.trim()).toMatch(/^k\w+:[A-Za-z0-9_-]{43}$/);
  });

  it('emulator --json prints the variables as one JSON line', async () => {
    const dir = await project();
    const line = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [binPath, 'emulator', '--json', '--port', '0'], { cwd: dir });
      child.stdout.once('data', (chunk: Buffer) => {
        child.kill('SIGINT');
        resolve(chunk.toString());
      });
      child.on('error', reject);
    });
    expect(JSON.parse(line)).toMatchObject({ SCALEKIT_ENVIRONMENT_URL: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
  });
});

describe('colour', () => {
  it('statuses and errors are coloured with FORCE_COLOR, plain when piped or with NO_COLOR', async () => {
    const dir = await project();
    await writeConfig(dir, { framework: 'express' });
    const forced = await runBin(['generate', '--dry-run'], dir, { NO_COLOR: '', FORCE_COLOR: '1' });
    expect(forced.stdout).toContain('\u001b[32mcreate\u001b[39m');
    const [piped, noColor] = await Promise.all([
      runBin(['generate', '--dry-run'], dir, PLAIN),
      runBin(['generate', '--dry-run'], dir, { NO_COLOR: '1', FORCE_COLOR: '1' }),
    ]);
    for (const run of [piped, noColor]) expect(run.stdout).not.toContain('\u001b[');
    const error = await runBin(['frobnicate'], dir, { NO_COLOR: '', FORCE_COLOR: '1' });
    expect(error.stderr).toContain('\u001b[31m');
  });
});
