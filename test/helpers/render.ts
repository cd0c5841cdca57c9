import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { validateConfig } from '../../src/config/load.js';
import type { Config, ConfigInput } from '../../src/config/schema.js';
import { type RenderedFile, renderProject } from '../../src/render/plan.js';
import { repoRoot } from './project.js';

export function parseConfig(input: ConfigInput): Config {
  const result = validateConfig(input);
  if (!result.ok) throw new Error(`test config is invalid:\n${result.problems.join('\n')}`);
  return result.config;
}

/**
 * Renders a config in memory, formatted with Prettier defaults (no project
 * config). `packageType` is the project's package.json `"type"`, which decides
 * JavaScript file extensions (none: no package.json).
 */
export async function renderFiles(input: ConfigInput, packageType?: 'module' | 'commonjs'): Promise<RenderedFile[]> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'sss-render-'));
  if (packageType) await writeFile(path.join(root, 'package.json'), JSON.stringify({ type: packageType }));
  return (await renderProject(parseConfig(input), root)).files;
}

/**
 * Renders into a fresh folder under the repo's `.tmp/`, where imports of
 * `@scalekit-sdk/node`, `jose` and `express` resolve to this repo's packages.
 * Returns the project root and the folder holding the generated files.
 */
export async function renderToDisk(input: ConfigInput, name: string): Promise<{ root: string; outDir: string }> {
  const base = path.join(repoRoot, '.tmp');
  await mkdir(base, { recursive: true });
  const root = await mkdtemp(path.join(base, `${name}-`));
  const config = parseConfig(input);
  for (const file of (await renderProject(config, root)).files) {
    const target = path.join(root, file.path);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.content);
  }
  return { root, outDir: path.join(root, config.outDir) };
}

/**
 * Renders `input` into an existing project folder (the `package.json` there
 * decides `.js`/`.mjs`/`.cjs` for JavaScript output). Returns the files written.
 */
export async function renderInto(root: string, input: ConfigInput): Promise<RenderedFile[]> {
  const files = (await renderProject(parseConfig(input), root)).files;
  for (const file of files) {
    const target = path.join(root, file.path);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.content);
  }
  return files;
}
