import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

import type { ConfigInput } from '../../src/config/schema.js';
import { renderFiles } from '../helpers/render.js';
import { FRAMEWORKS } from '../helpers/variants.js';

// The JavaScript output is the TypeScript output transformed: for any config,
// each JavaScript file must be plain JavaScript (no TypeScript syntax left)
// and export exactly the values its TypeScript twin exports, in ESM and CJS.
// Configs are generated from a seed (printed), bounded to a few dozen.

function random(seed: number): () => number {
  // mulberry32: small, seedable, good enough to pick options.
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generateConfig(next: () => number): ConfigInput {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)] as T;
  const sameSite = pick(['lax', 'strict', 'none'] as const);
  return {
    framework: pick(FRAMEWORKS),
    refresh: { mode: pick(['endpoint', 'transparent'] as const) },
    routes: { sessions: pick(['/api/sessions', null]) },
    cookies: {
      storeIdToken: pick([true, false]),
      sameSite,
      secure: sameSite === 'none' ? pick(['always', 'production'] as const) : pick(['production', 'always', 'never'] as const),
      domain: pick([null, 'example.com']),
      maxAgeSeconds: pick([null, 3600]),
    },
    encryption: { keySource: pick([{ type: 'env' as const }, { type: 'file' as const, path: '/run/keys' }]) },
  };
}

/** Exported value names of a module, ESM or CommonJS (`module.exports = { … }`). */
function exportedValues(code: string, fileName: string): string[] {
  const sf = ts.createSourceFile(fileName, code, ts.ScriptTarget.Latest, true, fileName.endsWith('.ts') ? ts.ScriptKind.TS : ts.ScriptKind.JS);
  const names: string[] = [];
  for (const statement of sf.statements) {
    const exported = ts.canHaveModifiers(statement) && ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (exported && (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name) names.push(statement.name.text);
    if (exported && ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) if (ts.isIdentifier(d.name)) names.push(d.name.text);
    }
    if (ts.isExportDeclaration(statement) && !statement.isTypeOnly && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
      names.push(...statement.exportClause.elements.filter((el) => !el.isTypeOnly).map((el) => el.name.text));
    }
    if (
      ts.isExpressionStatement(statement) &&
      ts.isBinaryExpression(statement.expression) &&
      statement.expression.left.getText(sf) === 'module.exports' &&
      ts.isObjectLiteralExpression(statement.expression.right)
    ) {
      names.push(...statement.expression.right.properties.map((p) => p.name?.getText(sf) ?? '?'));
    }
  }
  return names.sort();
}

/** TypeScript-only syntax left in a JavaScript file, as TypeScript reports it when parsing it as JS. */
function typescriptOnly(code: string, fileName: string): string[] {
  const { diagnostics = [] } = ts.transpileModule(code, { fileName, reportDiagnostics: true, compilerOptions: { allowJs: true } });
  return diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

const SEED = Number(process.env.SEED ?? Date.now() % 100_000);
const CASES = 6;

describe(`JavaScript output for generated configs (seed ${SEED}; rerun with SEED=${SEED})`, () => {
  it('is plain JavaScript and exports exactly what the TypeScript output exports, ESM and CommonJS', { timeout: 240_000 }, async () => {
    const next = random(SEED);
    const checked = new Set<string>();
    for (let i = 0; i < CASES; i++) {
      const config = generateConfig(next);
      const label = `seed ${SEED} case ${i}: ${JSON.stringify(config)}`;
      const tsFiles = await renderFiles(config);
      for (const [moduleFormat, packageType] of [['esm', 'module'], ['cjs', 'commonjs']] as const) {
        const jsFiles = await renderFiles({ ...config, language: 'js', moduleFormat }, packageType);
        for (const file of tsFiles) {
          const name = path.posix.basename(file.path, '.ts');
          const js = jsFiles.find((f) => path.posix.basename(f.path) === `${name}.js`);
          expect(js, `${label}: ${name}.js`).toBeDefined();
          // Many configs share a file's text: parse each distinct text once.
          if (!checked.has(js?.content ?? '')) {
            checked.add(js?.content ?? '');
            expect(typescriptOnly(js?.content ?? '', `/${name}.js`), `${label}: ${moduleFormat} ${name}.js`).toEqual([]);
          }
          expect(exportedValues(js?.content ?? '', `${name}.js`), `${label}: ${moduleFormat} ${name}.js`).toEqual(exportedValues(file.content, `${name}.ts`));
        }
      }
    }
  });
});
