import { access, readFile } from 'node:fs/promises';
import path from 'node:path';

import type { Config } from '../config/schema.js';

export interface Detected {
  /** Undefined when no framework, or more than one, is a dependency. */
  framework: Config['framework'] | undefined;
  language: Config['language'];
  moduleFormat: Config['moduleFormat'];
  /** Where generated files would go by default: beside the project's own sources. */
  outDir: string;
  /** What was found, one line each, for the user. */
  notes: string[];
}

const FRAMEWORK_PACKAGES: Record<Config['framework'], string> = { express: 'express', fastify: 'fastify', koa: 'koa' };

/** Reads the project the way a person would: package.json, tsconfig.json, a src/ folder. */
export async function detectProject(dir: string): Promise<Detected> {
  const notes: string[] = [];
  const pkg = await readJson(path.join(dir, 'package.json'));
  const deps = { ...asRecord(pkg?.devDependencies), ...asRecord(pkg?.dependencies) };
  const found = (Object.keys(FRAMEWORK_PACKAGES) as Config['framework'][]).filter((name) => FRAMEWORK_PACKAGES[name] in deps);
  const framework = found.length === 1 ? found[0] : undefined;
  if (found.length === 1) notes.push(`framework: ${framework} (a dependency in package.json)`);
  else if (found.length > 1) notes.push(`framework: ${found.join(' and ')} are all dependencies; pick one with --framework`);
  else notes.push('framework: none of express, fastify, koa is a dependency');

  const typescript = (await exists(path.join(dir, 'tsconfig.json'))) || 'typescript' in deps;
  const language = typescript ? 'ts' : 'js';
  notes.push(`language: ${typescript ? 'TypeScript (tsconfig.json or a typescript dependency)' : 'JavaScript (no tsconfig.json, no typescript dependency)'}`);
  const moduleFormat = pkg?.type === 'module' ? 'esm' : 'cjs';
  notes.push(`modules: ${moduleFormat === 'esm' ? 'ESM ("type": "module")' : 'CommonJS (no "type": "module")'}`);
  const hasSrc = await exists(path.join(dir, 'src'));
  const outDir = hasSrc ? 'src/session' : 'session';
  notes.push(`sources: ${hasSrc ? 'src/' : 'the project root (no src/ folder)'}`);
  return { framework, language, moduleFormat, outDir, notes };
}

async function readJson(file: string): Promise<Record<string, unknown> | undefined> {
  try {
    const value: unknown = JSON.parse(await readFile(file, 'utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

export async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
