import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Context } from '../../src/context.js';
import { main } from '../../src/main.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const binPath = path.join(repoRoot, 'bin/scalekit-session-scaffold.js');

/** A throwaway project folder; `files` are written into it. */
export async function tempProject(files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sss-test-'));
  for (const [name, content] of Object.entries(files)) {
    await writeFile(path.join(dir, name), content);
  }
  return dir;
}

export async function removeProject(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Gives a temp project this repo's dependencies without installing anything. */
export async function linkNodeModules(dir: string): Promise<void> {
  await symlink(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with a captured context. */
export async function runCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const ctx: Context = {
    cwd,
    env,
    stdout: (text) => (stdout += text.endsWith('\n') ? text : `${text}\n`),
    stderr: (text) => (stderr += text.endsWith('\n') ? text : `${text}\n`),
    interactive: false,
    signal: new AbortController().signal,
  };
  const code = await main(args, ctx);
  return { code, stdout, stderr };
}

/** Runs the real bin (built `dist/`) as a child process. */
export function runBin(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [binPath, ...args], { cwd, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Every file under `dir` (but node_modules) with its content: for "nothing was written" checks. */
export async function readTree(dir: string, base = dir): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.name === 'node_modules') continue;
    if (entry.isDirectory()) Object.assign(out, await readTree(full, base));
    else if (entry.isFile()) out[path.relative(base, full)] = await readFile(full, 'utf8');
  }
  return out;
}

export async function writeConfig(dir: string, config: unknown): Promise<void> {
  await writeFile(path.join(dir, 'scalekit-session.config.json'), typeof config === 'string' ? config : JSON.stringify(config, null, 2));
}
