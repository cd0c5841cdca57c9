import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { requiredPackages } from '../../src/project/packages.js';
import { repoRoot } from '../helpers/project.js';
import { parseConfig, renderFiles } from '../helpers/render.js';
import { FRAMEWORKS, variantConfig, VARIANTS, type VariantName } from '../helpers/variants.js';

/** The packages a file imports (bare specifiers, by package name; node: built-ins left out). */
function importedPackages(source: string): string[] {
  const specifiers = [...source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (m) => m[1] ?? m[2] ?? m[3] ?? '',
  );
  return specifiers
    .filter((s) => s !== '' && !s.startsWith('.') && !s.startsWith('node:'))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : (s.split('/')[0] ?? s)));
}

/** Whether a package ships its own type declarations (else a TypeScript project needs @types). */
function shipsTypes(name: string): boolean {
  const dir = path.join(repoRoot, 'node_modules', name);
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { types?: string; typings?: string; exports?: unknown };
  return Boolean(pkg.types ?? pkg.typings) || JSON.stringify(pkg.exports ?? {}).includes('"types"') || existsSync(path.join(dir, 'index.d.ts'));
}

const MATRIX = FRAMEWORKS.flatMap((framework) => (Object.keys(VARIANTS) as VariantName[]).map((variant) => [framework, variant] as const));

describe('what init installs is exactly what the output imports', () => {
  it.each(MATRIX)('%s / %s', async (framework, variant) => {
    const input = variantConfig(framework, variant);
    const files = await renderFiles(input);
    const imported = new Set(files.flatMap((file) => importedPackages(file.content)));
    const config = parseConfig(input);
    const required = requiredPackages(config);
    expect([...required.runtime].sort()).toEqual([...imported].sort());
    // TypeScript: every imported package without its own declarations has its @types, and node: built-ins need @types/node.
    const untyped = [...imported].filter((name) => !shipsTypes(name)).map((name) => `@types/${name.replace(/^@(.*)\//, '$1__')}`);
    expect([...required.types].sort()).toEqual(config.language === 'ts' ? [...untyped, '@types/node'].sort() : []);
  });
});
