import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

import { packageRoot, toolVersion } from '../version.js';
import { hashText, readOptional } from './store.js';

/*
 * What the generated output depends on besides the config, as hashes the
 * `check` fast path can compare without loading Handlebars or Prettier.
 */

let templatesDigest: string | undefined;

/** Tool version + every template file + the config file's name (it is in each file's header). */
export async function inputsHash(configFile: string): Promise<string> {
  if (templatesDigest === undefined) {
    const root = new URL('templates/', packageRoot);
    const parts: string[] = [`version ${toolVersion}`];
    const walk = async (dir: URL, prefix: string): Promise<void> => {
      const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
      for (const entry of entries) {
        if (entry.isDirectory()) await walk(new URL(`${entry.name}/`, dir), `${prefix}${entry.name}/`);
        else parts.push(`${prefix}${entry.name} ${hashText(await readFile(new URL(entry.name, dir), 'utf8'))}`);
      }
    };
    await walk(root, '');
    templatesDigest = parts.join('\n');
  }
  return hashText(`${templatesDigest}\nconfig ${configFile}`);
}

// Every file Prettier (with `editorconfig: true`) may read its options from.
const FORMAT_FILES = [
  '.editorconfig',
  '.prettierrc',
  '.prettierrc.json',
  '.prettierrc.json5',
  '.prettierrc.yaml',
  '.prettierrc.yml',
  '.prettierrc.toml',
  '.prettierrc.js',
  '.prettierrc.cjs',
  '.prettierrc.mjs',
  '.prettierrc.ts',
  '.prettierrc.cts',
  '.prettierrc.mts',
  'prettier.config.js',
  'prettier.config.cjs',
  'prettier.config.mjs',
  'prettier.config.ts',
  'prettier.config.cts',
  'prettier.config.mts',
  'package.yaml',
];

/**
 * The formatting configuration that applies to `dir`: each config file from
 * there up to the file-system root (plus the `prettier` key of each
 * package.json). Deliberately over-inclusive: any change means "re-plan".
 */
export async function formatHash(root: string, dir: string): Promise<string> {
  const parts: string[] = [];
  for (let current = path.resolve(root, dir); ; current = path.dirname(current)) {
    // Relative to the project, so a clone elsewhere hashes the same.
    const where = path.relative(root, current) || '.';
    for (const name of FORMAT_FILES) {
      const text = await readOptional(path.join(current, name)).catch(() => undefined);
      if (text !== undefined) parts.push(`${where}/${name} ${hashText(text)}`);
    }
    const pkg = await readOptional(path.join(current, 'package.json')).catch(() => undefined);
    if (pkg !== undefined) {
      let prettierKey: unknown;
      try {
        prettierKey = (JSON.parse(pkg) as { prettier?: unknown }).prettier;
      } catch {
        prettierKey = pkg;
      }
      if (prettierKey !== undefined) parts.push(`${where}/package.json#prettier ${hashText(JSON.stringify(prettierKey))}`);
    }
    if (path.dirname(current) === current) break;
  }
  return hashText(parts.join('\n'));
}
