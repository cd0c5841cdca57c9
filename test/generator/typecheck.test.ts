import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

import { repoRoot, runBin } from '../helpers/project.js';
import { renderToDisk } from '../helpers/render.js';
import { type Framework, FRAMEWORKS, variantConfig, VARIANTS, type VariantName } from '../helpers/variants.js';

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
app.get('/own-callback', (_req, res) => {
  const signIn = { accessToken: 'a', refreshToken: 'r', idToken: 'i', expiresIn: 300 };
  createSession(res, signIn);
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
  createSession(reply, signIn);
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
router.get('/own-callback', (ctx) => {
  const signIn = { accessToken: 'a', refreshToken: 'r', idToken: 'i', expiresIn: 300 };
  createSession(ctx, signIn);
  ctx.redirect('/');
});
app.use(sessionRoutes()).use(router.routes());
app.listen(3000);
`,
};

const MATRIX = FRAMEWORKS.flatMap((framework) => (Object.keys(VARIANTS) as VariantName[]).map((variant) => [framework, variant] as const));

describe.each(MATRIX)('%s / %s', (framework, variant) => {
  it('typechecks under strict settings with the real framework, SDK and jose types', async () => {
    const { root, outDir } = await renderToDisk(variantConfig(framework, variant), `typecheck-${framework}-${variant}`);
    roots.push(root);
    await writeFile(path.join(root, 'package.json'), JSON.stringify({ type: 'module' }));
    await writeFile(path.join(root, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    const importPath = `./${path.relative(path.join(root, 'src'), path.join(outDir, 'index.js'))}`;
    await writeFile(path.join(root, 'src', 'app.ts'), APPS[framework](importPath));
    const tsc = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', root]).then(
      () => ({ ok: true, output: '' }),
      (error: { stdout: string; stderr: string }) => ({ ok: false, output: `${error.stdout}${error.stderr}` }),
    );
    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
  });
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
    expect(await readdir(path.join(root, 'src', 'session'))).toHaveLength(13);
    await writeFile(path.join(root, 'src', 'app.ts'), APPS[framework]('./session/index.js'));
    const tsc = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
    const output = await run(process.execPath, [tsc, '-p', root]).then(
      () => '',
      (error: { stdout: string; stderr: string }) => `${error.stdout}${error.stderr}`,
    );
    expect(output).toBe('');
  });
});
