import path from 'node:path';
import { describe, expect, it } from 'vitest';

import type { RenderedFile } from '../../src/render/plan.js';
import { renderFiles } from '../helpers/render.js';
import { FRAMEWORKS, JS_VARIANTS, type JsVariantName, variantConfig, VARIANTS, type VariantName } from '../helpers/variants.js';

// Each generated file is a snapshot a reviewer reads as code:
// test/__snapshots__/<framework>/<variant>/<file>.ts
const MATRIX = FRAMEWORKS.flatMap((framework) => (Object.keys(VARIANTS) as VariantName[]).map((variant) => [framework, variant] as const));

describe.each(MATRIX)('%s / %s', (framework, variant) => {
  it('matches the reviewed output, file by file', async () => {
    const files = await renderFiles(variantConfig(framework, variant));
    const store = variant.startsWith('redis') ? ['redis.ts', 'store.ts'] : ['refresh.ts', 'store.ts'];
    expect(files.map((file) => path.posix.basename(file.path))).toEqual([
      'policy.ts',
      'keys.ts',
      'crypto.ts',
      'cookies.ts',
      'scalekit.ts',
      'session.ts',
      'flows.ts',
      'client.ts',
      ...store,
      'adapter.ts',
      'middleware.ts',
      'routes.ts',
      'index.ts',
    ]);
    for (const file of files) {
      await expect(file.content).toMatchFileSnapshot(
        path.join('..', '__snapshots__', framework, variant, path.posix.basename(file.path)),
      );
    }
  });
});

const CORE = ['policy', 'keys', 'crypto', 'cookies', 'scalekit', 'session', 'flows', 'client', 'refresh', 'store'];
const JS_MATRIX = FRAMEWORKS.flatMap((framework) => (Object.keys(JS_VARIANTS) as JsVariantName[]).map((variant) => [framework, variant] as const));

// JavaScript output from the same templates: test/__snapshots__/<framework>/js-esm/*.js, js-cjs/*.cjs.
describe.each(JS_MATRIX)('%s / %s', (framework, variant) => {
  it('matches the reviewed output, file by file, with declaration merging in types.d.ts', async () => {
    const { config, packageType, ext } = JS_VARIANTS[variant];
    const files = await renderFiles({ framework, ...config }, packageType);
    expect(files.map((file) => path.posix.basename(file.path))).toEqual([
      ...[...CORE, 'adapter', 'middleware', 'routes', 'index'].map((name) => `${name}${ext}`),
      'types.d.ts',
    ]);
    for (const file of files) {
      await expect(file.content).toMatchFileSnapshot(path.join('..', '__snapshots__', framework, variant, path.posix.basename(file.path)));
    }
  });
});

describe('JavaScript output', () => {
  it('reads like hand-written code: no TypeScript syntax, types in JSDoc, CommonJS with require and module.exports', async () => {
    const esm = await renderFiles({ framework: 'express', language: 'js', moduleFormat: 'esm' }, 'module');
    const cjs = await renderFiles({ framework: 'express', language: 'js', moduleFormat: 'cjs' }, 'commonjs');
    const text = (files: RenderedFile[], name: string) => files.find((f) => path.posix.basename(f.path) === name)?.content ?? '';
    for (const file of [...esm, ...cjs].filter((f) => !f.path.endsWith('.d.ts'))) {
      expect(file.content, file.path).not.toMatch(/^\s*(?:export\s+)?(?:interface|type)\s|\bas const\b|(?<!@)\bsatisfies\b|\bimport type\b|\bprivate readonly\b/m);
    }
    expect(text(esm, 'session.js')).toContain('@typedef {object} Auth');
    expect(text(esm, 'crypto.js')).toMatch(/@param \{string\} name/);
    expect(text(esm, 'crypto.js')).toMatch(/@returns \{Opened \| null\}/);
    expect(text(esm, 'routes.js')).toContain('import { Router } from "express";');
    // CommonJS: `.js` in a CommonJS package, require/module.exports, no ESM syntax.
    expect(cjs.map((f) => path.posix.basename(f.path))).toContain('routes.js');
    expect(text(cjs, 'routes.js')).toContain('const { Router } = require("express");');
    expect(text(cjs, 'routes.js')).toContain('const { appendCookies, flowRequest, send } = require("./adapter.js");');
    expect(text(cjs, 'routes.js')).toMatch(/module\.exports = \{ sessionRouter, createSession \};\n$/);
    for (const file of cjs.filter((f) => !f.path.endsWith('.d.ts'))) {
      expect(file.content, file.path).not.toMatch(/^\s*(?:import|export)\s/m);
      expect(file.content, file.path).not.toMatch(/__esModule|exports\.\w+ =|Object\.defineProperty\(exports/);
    }
  });

  it('keeps every comment of the TypeScript output', async () => {
    for (const [variant, packageType] of [['esm', 'module'], ['cjs', 'commonjs']] as const) {
      const ts = await renderFiles({ framework: 'fastify' });
      const js = await renderFiles({ framework: 'fastify', language: 'js', moduleFormat: variant }, packageType);
      for (const file of ts) {
        const name = path.posix.basename(file.path, '.ts');
        const out = js.find((f) => path.posix.basename(f.path).replace(/\.[cm]?js$/, '') === name)?.content ?? '';
        // Line comments, and the prose of block comments (JSDoc gains tags, so compare line by line).
        const prose = (text: string) =>
          [...text.matchAll(/\/\/ ?(.*)|^\s*\* ?([A-Za-z`].*)$|\/\*\* ?(.*?) ?\*\//gm)].map((m) => (m[1] ?? m[2] ?? m[3] ?? '').trim()).filter((line) => /[a-z]{3}/.test(line));
        const jsProse = new Set(prose(out).concat(prose(js.find((f) => f.path.endsWith('types.d.ts'))?.content ?? '')));
        for (const line of prose(file.content).filter((l) => /^[A-Z`(]/.test(l))) {
          expect(jsProse.has(line) || out.includes(line), `${variant} ${name}: ${line}`).toBe(true);
        }
      }
    }
  });

  it('every syntax the templates must not use is refused, naming the file', async () => {
    const { toJavaScript } = await import('../../src/render/to-js.js');
    const convert = (code: string) => toJavaScript(code, { format: 'esm', specifier: (s) => s, fileName: 'x.ts' });
    expect(() => convert('enum A { B }')).toThrow(/x\.ts:1: an enum/);
    expect(() => convert('class A { constructor(private b: string) {} }')).toThrow(/parameter property/);
    expect(() => convert('f<string>(1);')).toThrow(/explicit type arguments/);
    expect(() => convert('namespace N { export const a = 1; }')).toThrow(/namespace/);
    expect(convert('export const a: number = 1;').code).toBe('/** @type {number} */\nexport const a = 1;');
  });
});

describe('options that are off leave no trace', () => {
  it('endpoint mode has no inline refresh, transparent mode has no client retry', async () => {
    const endpoint = await renderFiles(variantConfig('express', 'default'));
    const transparent = await renderFiles(variantConfig('express', 'transparent'));
    const text = (files: typeof endpoint, name: string) => files.find((f) => f.path.endsWith(`/${name}`))?.content ?? '';
    expect(text(endpoint, 'session.ts')).not.toContain('refreshInline');
    expect(text(transparent, 'session.ts')).toContain('refreshInline');
    expect(text(endpoint, 'client.ts')).toContain('access_token_expired');
    expect(text(transparent, 'client.ts')).not.toContain('REFRESH_ROUTE');
  });

  it.each(FRAMEWORKS)('%s: no ID token and no session routes, nothing about either is generated', async (framework) => {
    const files = await renderFiles(variantConfig(framework, 'minimal'));
    const all = files.map((f) => f.content).join('\n');
    // The callback still validates the ID token (OpenID Connect Core §3.1.3.7);
    // nothing stores it, reads it back or sends it as a logout hint.
    expect(all).not.toMatch(/sk_id|'idToken'|idTokenHint|idToken\?:/);
    expect(all).not.toMatch(/listSessions|revokeSession|revokeAllSessions|sessionById/);
  });

  it('a file key source reads the file, an env key source reads the variable', async () => {
    const fromFile = (await renderFiles(variantConfig('express', 'custom'))).find((f) => f.path.endsWith('/keys.ts'))?.content;
    const fromEnv = (await renderFiles(variantConfig('express', 'default'))).find((f) => f.path.endsWith('/keys.ts'))?.content;
    expect(fromFile).toContain('readFileSync(KEY_FILE');
    expect(fromFile).not.toContain('process.env');
    expect(fromEnv).toContain('process.env[ENV.encryptionKeys]');
    expect(fromEnv).not.toContain('readFileSync');
  });

  it('no generated file uses `any`', async () => {
    for (const [framework, variant] of MATRIX) {
      for (const file of await renderFiles(variantConfig(framework, variant))) {
        expect(file.content, file.path).not.toMatch(/:\s*any\b|as any\b|<any>/);
      }
    }
  });
});

describe('only adapters differ between frameworks', () => {
  it('the framework-free core is byte-identical for express, fastify and koa', async () => {
    const core = ['policy.ts', 'keys.ts', 'crypto.ts', 'cookies.ts', 'scalekit.ts', 'session.ts', 'flows.ts', 'client.ts', 'refresh.ts', 'store.ts'];
    const byFramework = await Promise.all(
      FRAMEWORKS.map(async (framework) =>
        (await renderFiles(variantConfig(framework, 'default'))).filter((f) => core.includes(path.posix.basename(f.path))),
      ),
    );
    expect(byFramework[1]).toEqual(byFramework[0]);
    expect(byFramework[2]).toEqual(byFramework[0]);
  });
});
