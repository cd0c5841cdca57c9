import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

import { repoRoot, runBin } from '../helpers/project.js';
import { renderInto } from '../helpers/render.js';
import { typecheckProject } from '../helpers/tsc.js';
import { toJavaScript } from '../../src/render/to-js.js';
import { type Framework, FRAMEWORKS, JS_VARIANTS, type JsVariantName, variantConfig, VARIANTS, type VariantName } from '../helpers/variants.js';

const run = promisify(execFile);
const roots: string[] = [];
afterAll(() => Promise.all(roots.map((root) => rm(root, { recursive: true, force: true }))));

// The strictest settings a user is likely to have: the output must pass them all.
const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    noImplicitOverride: true,
    noImplicitReturns: true,
    noFallthroughCasesInSwitch: true,
    noUnusedLocals: true,
    noUnusedParameters: true,
    verbatimModuleSyntax: true,
    isolatedModules: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
  },
  include: ['src'],
};

/** A user's app per framework, using every public export, so the public types are exercised too. */
const APPS: Record<Framework, (importPath: string) => string> = {
  express: (importPath) => `import express from 'express';
import { createSession, optionalSession, requireSession, sessionRouter, type Auth } from '${importPath}';

const app = express();
app.use(sessionRouter());
app.get('/api/me', requireSession, (req, res) => {
  const auth: Auth | undefined = req.auth;
  res.json({ userId: auth?.userId, roles: auth?.roles, expiresAt: auth?.expiresAt.toISOString() });
});
app.get('/api/hello', optionalSession, (req, res) => {
  res.json({ hello: req.auth?.userId ?? 'stranger' });
});
app.get('/own-callback', async (_req, res) => {
  const signIn = { accessToken: 'a', refreshToken: 'r', idToken: 'i', expiresIn: 300 };
  await createSession(res, signIn);
  res.redirect('/');
});
app.listen(3000);
`,
  fastify: (importPath) => `import Fastify from 'fastify';
import { createSession, optionalSession, requireSession, sessionPlugin, type Auth } from '${importPath}';

const app = Fastify();
await app.register(sessionPlugin);
app.get('/api/me', { preHandler: requireSession }, async (request) => {
  const auth: Auth | undefined = request.auth;
  return { userId: auth?.userId, roles: auth?.roles, expiresAt: auth?.expiresAt.toISOString() };
});
app.get('/api/hello', { preHandler: optionalSession }, async (request) => ({ hello: request.auth?.userId ?? 'stranger' }));
app.get('/own-callback', async (_request, reply) => {
  const signIn = { accessToken: 'a', refreshToken: 'r', idToken: 'i', expiresIn: 300 };
  await createSession(reply, signIn);
  return reply.redirect('/');
});
await app.listen({ port: 3000 });
`,
  koa: (importPath) => `import Router from '@koa/router';
import Koa from 'koa';
import { createSession, optionalSession, requireSession, sessionRoutes, type Auth } from '${importPath}';

const app = new Koa();
const router = new Router();
router.get('/api/me', requireSession, (ctx) => {
  const auth: Auth | undefined = ctx.state.auth;
  ctx.body = { userId: auth?.userId, roles: auth?.roles, expiresAt: auth?.expiresAt.toISOString() };
});
router.get('/api/hello', optionalSession, (ctx) => {
  ctx.body = { hello: ctx.state.auth?.userId ?? 'stranger' };
});
router.get('/own-callback', async (ctx) => {
  const signIn = { accessToken: 'a', refreshToken: 'r', idToken: 'i', expiresIn: 300 };
  await createSession(ctx, signIn);
  ctx.redirect('/');
});
app.use(sessionRoutes()).use(router.routes());
app.listen(3000);
`,
};

// The tsconfigs people actually use. The output must pass each one unchanged:
// no DOM lib (server-only projects), ES2020 lib (no `Error` cause option),
// index signatures read with brackets, no parameter properties or enums (so
// Node's own type stripping can run it), and the published bases.
const EVERY_FLAG = {
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  noPropertyAccessFromIndexSignature: true,
  verbatimModuleSyntax: true,
  erasableSyntaxOnly: true,
  isolatedModules: true,
  noImplicitOverride: true,
  noImplicitReturns: true,
  noFallthroughCasesInSwitch: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
  allowUnusedLabels: false,
  allowUnreachableCode: false,
};
const TSCONFIGS: Record<string, { extends?: string | string[]; compilerOptions: Record<string, unknown> }> = {
  'every strict flag, ES2020 target and lib, no DOM': {
    compilerOptions: { ...EVERY_FLAG, target: 'ES2020', lib: ['ES2020'], module: 'NodeNext', moduleResolution: 'NodeNext', types: ['node'] },
  },
  '@tsconfig/node20': { extends: '@tsconfig/node20/tsconfig.json', compilerOptions: {} },
  '@tsconfig/node22': { extends: '@tsconfig/node22/tsconfig.json', compilerOptions: {} },
  '@tsconfig/strictest on @tsconfig/node20, verbatimModuleSyntax, erasableSyntaxOnly': {
    extends: ['@tsconfig/node20/tsconfig.json', '@tsconfig/strictest/tsconfig.json'],
    compilerOptions: { verbatimModuleSyntax: true, erasableSyntaxOnly: true },
  },
};

const CONFIG_MATRIX = Object.keys(TSCONFIGS).flatMap((config) => (Object.keys(VARIANTS) as VariantName[]).map((variant) => [config, variant] as const));

// One project per tsconfig and variant, holding all three frameworks (each
// augments its own framework's types, so they can share a program).
describe.each(CONFIG_MATRIX)('%s / %s', (configName, variant) => {
  it('every framework typechecks unchanged, with an app using every public export', async () => {
    await mkdir(path.join(repoRoot, '.tmp'), { recursive: true });
    const root = await mkdtemp(path.join(repoRoot, '.tmp', `tsconfig-${variant}-`));
    roots.push(root);
    await writeFile(path.join(root, 'package.json'), JSON.stringify({ type: 'module' }));
    const tsconfig = TSCONFIGS[configName];
    await writeFile(
      path.join(root, 'tsconfig.json'),
      JSON.stringify({ ...tsconfig, compilerOptions: { ...tsconfig?.compilerOptions, noEmit: true, skipLibCheck: true }, include: ['src'] }),
    );
    for (const framework of FRAMEWORKS) {
      await renderInto(root, { ...variantConfig(framework, variant), outDir: `src/${framework}` });
      await writeFile(path.join(root, 'src', `app-${framework}.ts`), APPS[framework](`./${framework}/index.js`));
    }
    expect(typecheckProject(root)).toBe('');
  }, 240_000);
});

// `custom` turns every template option away from its default; `default` is what most apps get.
const JS_MATRIX = (Object.keys(JS_VARIANTS) as JsVariantName[]).flatMap((js) => (['default', 'custom', 'redis'] as const).map((variant) => [js, variant] as const));

// JavaScript output: loads in Node as is, and `checkJs` users get the same
// guarantees from the JSDoc types as TypeScript users get from the .ts output.
describe.each(JS_MATRIX)('JavaScript %s / %s', (js, variant) => {
  it('node --check passes on every file, and tsc --allowJs --checkJs --noEmit passes with the real packages', async () => {
    const { config, packageType, ext } = JS_VARIANTS[js];
    await mkdir(path.join(repoRoot, '.tmp'), { recursive: true });
    const root = await mkdtemp(path.join(repoRoot, '.tmp', `checkjs-${js}-${variant}-`));
    roots.push(root);
    await writeFile(path.join(root, 'package.json'), JSON.stringify({ type: packageType }));
    await writeFile(
      path.join(root, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { ...EVERY_FLAG, allowJs: true, checkJs: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', types: ['node'], skipLibCheck: true },
        include: ['src'],
      }),
    );
    const written: string[] = [];
    for (const framework of FRAMEWORKS) {
      const files = await renderInto(root, { ...variantConfig(framework, variant), ...config, outDir: `src/${framework}` });
      written.push(...files.filter((f) => f.path.endsWith(ext)).map((f) => path.join(root, f.path)));
      if (config.moduleFormat === 'esm') {
        // The TypeScript app, turned into JavaScript the same way: req.auth etc. must be typed for JS users too.
        const app = toJavaScript(APPS[framework](`./${framework}/index.js`), { format: 'esm', specifier: (s) => s, fileName: 'app.ts' });
        await writeFile(path.join(root, 'src', `app-${framework}.js`), app.code);
      }
    }
    expect(written).toHaveLength(3 * 14);
    const failures = (
      await Promise.all(
        written.map((file) =>
          run(process.execPath, ['--check', file]).then(
            () => '',
            (error: { stderr: string }) => `${file}: ${error.stderr}`,
          ),
        ),
      )
    ).filter(Boolean);
    expect(failures).toEqual([]);
    expect(typecheckProject(root)).toBe('');
  }, 240_000);
});

describe.each(FRAMEWORKS)('a fresh %s TypeScript project', (framework) => {
  it('init --yes (framework detected) then generate through the real bin, and tsc --noEmit passes on the result', async () => {
    await mkdir(path.join(repoRoot, '.tmp'), { recursive: true });
    const root = await mkdtemp(path.join(repoRoot, '.tmp', `fresh-${framework}-`));
    roots.push(root);
    await writeFile(path.join(root, 'package.json'), JSON.stringify({ name: 'fresh-app', type: 'module', dependencies: { [framework]: '*' } }));
    await mkdir(path.join(root, 'src'));
    await writeFile(path.join(root, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    const init = await runBin(['init', '--yes', '--no-install'], root);
    expect(init.stderr).toBe('');
    expect(init.stdout).toContain(`detected framework: ${framework}`);
    expect(init.code).toBe(0);
    const generated = await runBin(['generate'], root);
    expect(generated.code).toBe(0);
    expect(await readdir(path.join(root, 'src', 'session'))).toHaveLength(14);
    await writeFile(path.join(root, 'src', 'app.ts'), APPS[framework]('./session/index.js'));
    expect(typecheckProject(root)).toBe('');
  });
});
