import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';

import type { ConfigInput } from '../../src/config/schema.js';
import { type CliRun, readTree, repoRoot, runCli, writeConfig } from '../helpers/project.js';

const run = promisify(execFile);

export const S = 'src/session';
export const LOCK = 'scalekit-session.lock.json';

const dirs: string[] = [];
export async function cleanup(): Promise<void> {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** An empty project folder under the repo's .tmp (so generated code resolves this repo's packages). */
export async function emptyProject(): Promise<string> {
  await mkdir(path.join(repoRoot, '.tmp'), { recursive: true });
  const dir = await mkdtemp(path.join(repoRoot, '.tmp', 'regen-'));
  dirs.push(dir);
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  return dir;
}

/** A project after a first, clean `generate`. */
export async function scaffold(config: ConfigInput, files: Record<string, string> = {}): Promise<string> {
  const dir = await emptyProject();
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
  await writeConfig(dir, config);
  const first = await runCli(['generate', '--quiet'], dir);
  expect(first.stderr).toBe('');
  expect(first.code).toBe(0);
  return dir;
}

export const read = (dir: string, file: string) => readFile(path.join(dir, file), 'utf8');
export const edit = async (dir: string, file: string, change: (text: string) => string) => {
  const target = path.join(dir, file);
  const before = await readFile(target, 'utf8');
  const after = change(before);
  if (after === before) throw new Error(`edit of ${file} changed nothing`);
  await writeFile(target, after);
};

export interface PlannedFile {
  path: string;
  action: string;
  reason: string;
  backup?: string;
  movedTo?: string;
  movedFrom?: string;
}

export function planOf(result: CliRun): PlannedFile[] {
  return (JSON.parse(result.stdout) as { files: PlannedFile[] }).files;
}

export function actions(result: CliRun): Record<string, string> {
  return Object.fromEntries(planOf(result).map((file) => [file.path, file.action]));
}

/**
 * `check` answered twice, from hashes (when it can) and by planning: both
 * must agree. Returns the exit code and which way the default run answered.
 */
export async function checkBoth(dir: string): Promise<{ code: number; checkedBy: string; stderr: string }> {
  const fast = await runCli(['check', '--json'], dir);
  const full = await runCli(['check', '--json'], dir, { SCALEKIT_SCAFFOLD_CHECK: 'plan' });
  expect(fast.code, `fast and full check disagree: ${fast.stdout} / ${full.stdout}`).toBe(full.code);
  const plain = await runCli(['check'], dir);
  expect(plain.code).toBe(full.code);
  return { code: fast.code, checkedBy: (JSON.parse(fast.stdout) as { checkedBy: string }).checkedBy, stderr: plain.stderr };
}

export async function typecheck(dir: string, include = 'src'): Promise<string> {
  const tsconfig = {
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] },
    include: [include],
  };
  await writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
  return run(process.execPath, [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', dir]).then(
    () => '',
    (error: { stdout: string }) => error.stdout,
  );
}

/** Every file name anywhere under `dir` (node_modules aside). */
export async function allFiles(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await allFiles(full, base)));
    else out.push(path.relative(base, full));
  }
  return out;
}

export { readTree };

export const hasMarkers = (text: string) => /^(<{7}|>{7}|={7}|\|{7})( |\r?$)/m.test(text);
