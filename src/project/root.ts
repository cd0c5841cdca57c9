import { access, readFile } from 'node:fs/promises';
import path from 'node:path';

import { CliError } from '../errors.js';

/** A package.json, read as loosely as npm reads it. */
export interface PackageJson {
  name?: string;
  type?: string;
  packageManager?: string;
  workspaces?: string[] | { packages?: string[] };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

export async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

export async function readPackageJson(dir: string): Promise<PackageJson | undefined> {
  try {
    const value: unknown = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as PackageJson) : undefined;
  } catch {
    return undefined;
  }
}

/** The nearest folder at or above `dir` holding a package.json, or undefined. */
export async function nearestPackageDir(dir: string): Promise<string | undefined> {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    if (await exists(path.join(current, 'package.json'))) return current;
    if (path.dirname(current) === current) return undefined;
  }
}

/**
 * The project a command runs in: the nearest package.json at or above `cwd`,
 * as npm itself decides, so running from `src/` works like running from the root.
 */
export async function findProjectRoot(cwd: string): Promise<string> {
  const root = await nearestPackageDir(cwd);
  if (root === undefined) {
    throw new CliError(`No package.json in ${cwd} or any folder above it: this does not look like a Node.js project.`, {
      suggestion: 'Run this inside your app (or create one with `npm init -y`), or pass --cwd DIR.',
    });
  }
  return root;
}

/** Every dependency the package declares, of any kind. */
export function declaredDependencies(pkg: PackageJson | undefined): Set<string> {
  return new Set(
    [pkg?.dependencies, pkg?.devDependencies, pkg?.peerDependencies, pkg?.optionalDependencies].flatMap((deps) =>
      deps !== null && typeof deps === 'object' ? Object.keys(deps) : [],
    ),
  );
}
