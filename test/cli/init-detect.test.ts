import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { detectProject } from '../../src/commands/detect.js';
import { init } from '../../src/commands/init.js';
import type { Context } from '../../src/context.js';
import { removeProject, runCli, tempProject } from '../helpers/project.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map(removeProject));
});

async function app(pkg: Record<string, unknown>, options: { src?: boolean; tsconfig?: boolean } = {}): Promise<string> {
  const dir = await tempProject({ 'package.json': JSON.stringify(pkg) });
  dirs.push(dir);
  if (options.src ?? true) await mkdir(path.join(dir, 'src'));
  if (options.tsconfig ?? true) await writeFile(path.join(dir, 'tsconfig.json'), '{}');
  return dir;
}

const readConfig = async (dir: string) =>
  JSON.parse(await readFile(path.join(dir, 'scalekit-session.config.json'), 'utf8')) as { framework: string; outDir: string; refresh: { mode: string } };

describe('project detection', () => {
  it.each(['express', 'fastify', 'koa'])('finds %s in dependencies', async (framework) => {
    const dir = await app({ type: 'module', dependencies: { [framework]: '*' } });
    expect(await detectProject(dir)).toMatchObject({ framework, language: 'ts', moduleFormat: 'esm', outDir: 'src/session' });
  });

  it('names no framework when there are several or none, and reads JS, CommonJS and a missing src/', async () => {
    const both = await app({ dependencies: { express: '*', koa: '*' } }, { src: false, tsconfig: false });
    const detected = await detectProject(both);
    expect(detected).toMatchObject({ framework: undefined, language: 'js', moduleFormat: 'cjs', outDir: 'session' });
    expect(detected.notes[0]).toBe('framework: express and koa are all dependencies; pick one with --framework');
  });

  it('init --yes takes the detected framework and source folder', async () => {
    const dir = await app({ type: 'module', dependencies: { fastify: '*' } });
    const run = await runCli(['init', '--yes', '--no-install'], dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('detected framework: fastify (a dependency in package.json)');
    expect(await readConfig(dir)).toMatchObject({ framework: 'fastify', outDir: 'src/session' });
  });

  it.each([
    [{ dependencies: { express: '*' } }, false, { language: 'js', moduleFormat: 'cjs' }, ['index.js', 'routes.js']],
    [{ type: 'module', dependencies: { fastify: '*' } }, false, { language: 'js', moduleFormat: 'esm' }, ['index.js', 'routes.js']],
    [{ type: 'module', dependencies: { koa: '*', typescript: '*' } }, false, { language: 'ts', moduleFormat: 'esm' }, ['index.ts', 'routes.ts']],
    [{ dependencies: { koa: '*' } }, true, { language: 'ts', moduleFormat: 'cjs' }, ['index.ts', 'routes.ts']],
  ] as const)('%j (tsconfig: %s) gets %j in its config, and generate writes %j', async (pkg, tsconfig, expected, files) => {
    const dir = await app(pkg, { tsconfig });
    const run = await runCli(['init', '--yes', '--no-install'], dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(await readConfig(dir)).toMatchObject(expected);
    expect((await runCli(['generate'], dir)).code).toBe(0);
    const written = await readdir(path.join(dir, 'src', 'session'));
    for (const file of files) expect(written).toContain(file);
  });
});

describe('init on a terminal', () => {
  it('asks for the framework (detected one as default), the refresh mode and the session store', async () => {
    const dir = await app({ type: 'module', dependencies: { koa: '*' } });
    const asked: { question: string; choices: readonly string[]; defaultChoice: string }[] = [];
    const answers = ['fastify', 'transparent', 'redis'];
    const ctx: Context = {
      cwd: dir,
      env: {},
      stdout: () => {},
      stderr: () => {},
      interactive: true,
      signal: new AbortController().signal,
      prompt: async (question, choices, defaultChoice) => {
        asked.push({ question, choices, defaultChoice });
        return answers.shift() ?? defaultChoice;
      },
    };
    await init(ctx, { install: false });
    expect(asked.map((a) => [a.choices, a.defaultChoice])).toEqual([
      [['express', 'fastify', 'koa'], 'koa'],
      [['endpoint', 'transparent'], 'endpoint'],
      [['cookie', 'redis'], 'cookie'],
    ]);
    expect(await readConfig(dir)).toMatchObject({ framework: 'fastify', refresh: { mode: 'transparent' }, store: { type: 'redis' } });
  });

  it('never asks when stdin is not a terminal', async () => {
    const dir = await app({ type: 'module', dependencies: { koa: '*' } });
    let asked = false;
    const ctx: Context = {
      cwd: dir,
      env: {},
      stdout: () => {},
      stderr: () => {},
      interactive: false,
      signal: new AbortController().signal,
      prompt: async () => {
        asked = true;
        return 'express';
      },
    };
    await expect(init(ctx, { install: false })).rejects.toThrow(/--yes/);
    await init(ctx, { install: false, yes: true });
    expect(asked).toBe(false);
    expect((await readConfig(dir)).framework).toBe('koa');
  });
});
