import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { exists, type PackageJson, readPackageJson } from './root.js';

export type ManagerName = 'npm' | 'pnpm' | 'yarn' | 'bun';

/** The package manager a project uses, and where it keeps its workspace. */
export interface PackageManager {
  name: ManagerName;
  /** Yarn 1 (classic) or 2+ (berry): they differ in commands (`dlx`) and workspace behaviour. */
  yarnFlavor?: 'classic' | 'berry';
  /** The package the user is in (nearest package.json). */
  project: string;
  /** The workspace root when `project` is a member of a workspace; otherwise undefined. */
  workspaceRoot: string | undefined;
  /** The workspace package's name, for `yarn workspace <name>`. */
  packageName: string | undefined;
  /** The project is itself a workspace root: pnpm and Yarn 1 then want `-w` / `-W` to add to it. */
  isWorkspaceRoot: boolean;
  /** Why this manager, one line for the user. */
  evidence: string;
}

const LOCKFILES: readonly [string, ManagerName][] = [
  ['pnpm-lock.yaml', 'pnpm'],
  ['bun.lock', 'bun'],
  ['bun.lockb', 'bun'],
  ['yarn.lock', 'yarn'],
  ['package-lock.json', 'npm'],
  ['npm-shrinkwrap.json', 'npm'],
];

const MANAGERS: readonly ManagerName[] = ['npm', 'pnpm', 'yarn', 'bun'];

/**
 * Reads the package manager the way the tools themselves decide: the
 * `packageManager` field (what Corepack enforces) wins, then the lockfile of
 * the project or of the workspace it belongs to. The walk up stops at the
 * workspace root or the repository root (`.git`), so a lockfile of some
 * unrelated folder above the project is never taken for the project's own.
 */
export async function detectPackageManager(project: string): Promise<PackageManager> {
  let field: { value: string; dir: string } | undefined;
  let lock: { file: string; name: ManagerName; dir: string } | undefined;
  let workspaceRoot: string | undefined;
  const projectPkg = await readPackageJson(project);

  for (let dir = project; ; dir = path.dirname(dir)) {
    const pkg = dir === project ? projectPkg : await readPackageJson(dir);
    const isWorkspace = dir !== project && (await workspaceIncludes(dir, pkg, project));
    if (dir === project || isWorkspace) {
      if (!field && typeof pkg?.packageManager === 'string') field = { value: pkg.packageManager, dir };
      if (!lock) lock = await findLockfile(dir);
    }
    if (isWorkspace) {
      workspaceRoot = dir;
      break;
    }
    if (lock || (await exists(path.join(dir, '.git'))) || path.dirname(dir) === dir) break;
  }

  const isWorkspaceRoot = (await exists(path.join(project, 'pnpm-workspace.yaml'))) || projectPkg?.workspaces !== undefined;
  const packageName = typeof projectPkg?.name === 'string' ? projectPkg.name : undefined;
  const base = { project, workspaceRoot, packageName, isWorkspaceRoot };
  const declared = field && parsePackageManagerField(field.value);
  if (declared) {
    const where = path.relative(project, path.join(field!.dir, 'package.json')) || 'package.json';
    const evidence = `"packageManager": "${field!.value}" in ${where}`;
    if (declared.name !== 'yarn') return { ...base, name: declared.name, evidence };
    return { ...base, name: 'yarn', yarnFlavor: declared.major === 1 ? 'classic' : 'berry', evidence };
  }
  if (lock) {
    const evidence = `${path.relative(project, path.join(lock.dir, lock.file)) || lock.file}`;
    if (lock.name !== 'yarn') return { ...base, name: lock.name, evidence };
    return { ...base, name: 'yarn', yarnFlavor: await yarnFlavorOf(lock.dir), evidence };
  }
  return { ...base, name: 'npm', evidence: 'no lockfile or "packageManager" field' };
}

function parsePackageManagerField(value: string): { name: ManagerName; major: number } | undefined {
  const match = /^(npm|pnpm|yarn|bun)@(\d+)/.exec(value.trim());
  if (!match || !MANAGERS.includes(match[1] as ManagerName)) return undefined;
  return { name: match[1] as ManagerName, major: Number(match[2]) };
}

async function findLockfile(dir: string): Promise<{ file: string; name: ManagerName; dir: string } | undefined> {
  for (const [file, name] of LOCKFILES) if (await exists(path.join(dir, file))) return { file, name, dir };
  return undefined;
}

/** Yarn 2+ keeps `.yarnrc.yml` and writes `__metadata` into yarn.lock; Yarn 1 does neither. */
async function yarnFlavorOf(dir: string): Promise<'classic' | 'berry'> {
  if (await exists(path.join(dir, '.yarnrc.yml'))) return 'berry';
  const text = await readFile(path.join(dir, 'yarn.lock'), 'utf8').catch(() => '');
  return /^__metadata:/m.test(text) ? 'berry' : 'classic';
}

/** Whether `dir` is a workspace root (pnpm-workspace.yaml or "workspaces") whose patterns include `project`. */
async function workspaceIncludes(dir: string, pkg: PackageJson | undefined, project: string): Promise<boolean> {
  let patterns: string[] | undefined;
  const pnpmWorkspace = await readFile(path.join(dir, 'pnpm-workspace.yaml'), 'utf8').catch(() => undefined);
  if (pnpmWorkspace !== undefined) patterns = pnpmPackages(pnpmWorkspace);
  else if (Array.isArray(pkg?.workspaces)) patterns = pkg.workspaces;
  else if (pkg?.workspaces && Array.isArray(pkg.workspaces.packages)) patterns = pkg.workspaces.packages;
  else return false;
  const relative = path.relative(dir, project).split(path.sep).join('/');
  const included = patterns.filter((p) => !p.startsWith('!'));
  // No readable patterns: a workspace root still owns the packages below it.
  if (included.length === 0) return true;
  const excluded = patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  return included.some((p) => globMatch(p, relative)) && !excluded.some((p) => globMatch(p, relative));
}

/** The `packages:` list of pnpm-workspace.yaml (a flat list of strings is all it holds). */
function pnpmPackages(yaml: string): string[] {
  const out: string[] = [];
  let inPackages = false;
  for (const line of yaml.split(/\r?\n/)) {
    if (/^packages\s*:/.test(line)) inPackages = true;
    else if (/^\S/.test(line)) inPackages = false;
    else if (inPackages) {
      const item = /^\s*-\s*['"]?([^'"#]+?)['"]?\s*(?:#.*)?$/.exec(line);
      if (item?.[1]) out.push(item[1]);
    }
  }
  return out;
}

/** Workspace globs: `*` is one path segment, `**` any number. */
function globMatch(pattern: string, relative: string): boolean {
  const clean = pattern.replace(/^\.\//, '').replace(/\/+$/, '');
  const source = clean
    .split('/')
    .map((segment) => (segment === '**' ? '.*' : segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')))
    .join('/');
  return new RegExp(`^${source.replace(/\/\.\*$/, '(?:/.*)?')}$`).test(relative);
}

/** A command to run: the program, its arguments, and the folder to run it in. */
export interface Command {
  command: string;
  args: string[];
  cwd: string;
}

/**
 * Adds packages to the package the user is in, as each tool expects: npm
 * runs at the workspace root with `--workspace`, yarn with `yarn workspace
 * <name>`, pnpm and bun in the package folder (pnpm `-w` and Yarn 1 `-W`
 * to add to a workspace root itself, which they otherwise refuse).
 */
export function addCommand(pm: PackageManager, packages: string[], dev: boolean): Command {
  const { project, workspaceRoot } = pm;
  switch (pm.name) {
    case 'npm': {
      const flags = dev ? ['--save-dev'] : [];
      if (workspaceRoot) return { command: 'npm', args: ['install', ...flags, '--workspace', toPosix(path.relative(workspaceRoot, project)), ...packages], cwd: workspaceRoot };
      return { command: 'npm', args: ['install', ...flags, ...packages], cwd: project };
    }
    case 'pnpm':
      return { command: 'pnpm', args: ['add', ...(pm.isWorkspaceRoot ? ['-w'] : []), ...(dev ? ['-D'] : []), ...packages], cwd: project };
    case 'yarn': {
      const flags = dev ? ['-D'] : [];
      if (workspaceRoot && pm.packageName) return { command: 'yarn', args: ['workspace', pm.packageName, 'add', ...flags, ...packages], cwd: workspaceRoot };
      const root = pm.isWorkspaceRoot && pm.yarnFlavor === 'classic' ? ['-W'] : [];
      return { command: 'yarn', args: ['add', ...root, ...flags, ...packages], cwd: project };
    }
    case 'bun':
      return { command: 'bun', args: ['add', ...(dev ? ['--dev'] : []), ...packages], cwd: project };
  }
}

/**
 * How to run this tool in the project's own words: from devDependencies when
 * it is installed there (`pnpm exec`, `yarn <bin>`), otherwise the tool's
 * one-off runner (`npx`, `pnpm dlx`, `yarn dlx`, `bunx`; Yarn 1 has no dlx).
 */
export function toolRunner(pm: PackageManager, tool: string, installed: boolean): string {
  switch (pm.name) {
    case 'npm':
      return `npx ${tool}`;
    case 'pnpm':
      return installed ? `pnpm exec ${tool}` : `pnpm dlx ${tool}`;
    case 'yarn':
      if (installed) return `yarn ${tool}`;
      return pm.yarnFlavor === 'berry' ? `yarn dlx ${tool}` : `npx ${tool}`;
    case 'bun':
      return `bunx ${tool}`;
  }
}

/** The command as a person would type it, from `from`: `cd` first when it runs elsewhere. */
export function showCommand(command: Command, from: string): string {
  const line = [command.command, ...command.args].map(shellQuote).join(' ');
  const relative = path.relative(from, command.cwd);
  return relative === '' ? line : `cd ${shellQuote(toPosix(relative))} && ${line}`;
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}
