import path from 'node:path';

import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { Context } from '../context.js';
import type { Plan } from '../regen/plan.js';
import { toolName } from '../version.js';
import { ENV_EXAMPLE, envVariables } from './env.js';
import { foreignFiles, foreignFilesError } from './out-dir.js';
import { detectPackageManager, showCommand, toolRunner } from './package-manager.js';
import { installMissing, missingPackageCommands, requiredPackages } from './packages.js';
import { declaredDependencies, exists, readPackageJson } from './root.js';

/**
 * The first `generate` into a folder (nothing in the lock lives there) refuses
 * when the folder already holds the user's own files, unless the conflict
 * policy cannot write markers into them (`--force` backs them up first,
 * `keep` leaves them alone).
 */
export async function guardOutDir(ctx: Context, configPath: string | undefined, plan: Plan, policy: string): Promise<void> {
  if (policy === 'overwrite' || policy === 'force' || policy === 'keep') return;
  const { config } = await loadConfig(ctx.cwd, configPath);
  const prefix = `${config.outDir}/`;
  if (Object.keys(plan.previous?.files ?? {}).some((file) => file.startsWith(prefix))) return;
  const foreign = await foreignFiles(plan.root, config.outDir);
  if (foreign.length === 0) return;
  throw foreignFilesError(
    config.outDir,
    foreign,
    'Set "outDir" in the config to a new folder, or pass --force to generate beside them (a file named like a generated one is backed up to .bak, then replaced), or --on-conflict keep to leave those files as they are.',
  );
}

export interface AfterOptions {
  install: boolean;
  json?: boolean;
  quiet?: boolean;
}

/**
 * After `generate` wrote: installs what a framework or store switch newly needs (or
 * names what is missing), then prints the next steps for this framework and
 * config: the environment, a mount snippet, the URLs to register.
 */
export async function afterGenerate(ctx: Context, configPath: string | undefined, plan: Plan, options: AfterOptions): Promise<void> {
  const { config } = await loadConfig(ctx.cwd, configPath);
  const hasManifest = await exists(path.join(plan.root, 'package.json'));
  const pm = hasManifest ? await detectPackageManager(plan.root) : undefined;
  const silent = Boolean(options.json || options.quiet);
  if (pm) {
    // A framework or store switch: an earlier run wrote from templates this config no longer uses.
    const current = new Set(Object.values(plan.lock.files).map((entry) => entry.template));
    const switched = Object.values(plan.previous?.files ?? {}).some((entry) => !current.has(entry.template));
    const requirements = requiredPackages(config);
    // --json keeps stdout machine-readable: no installer output there, only a note on stderr.
    if (switched && !options.json) await installMissing(ctx, pm, requirements, options.install);
    else if (switched || !silent) {
      const commands = await missingPackageCommands(pm, requirements);
      const say = options.json ? ctx.stderr : ctx.stdout;
      if (commands.length > 0) {
        say('The generated code imports packages your package.json does not list; install them with:');
        for (const command of commands) say(`  ${showCommand(command, ctx.cwd)}`);
      }
    }
  }
  if (silent) return;
  const installed = declaredDependencies(await readPackageJson(plan.root)).has(toolName);
  const runner = pm ? toolRunner(pm, toolName, installed) : `npx ${toolName}`;
  const listed = await exists(path.join(plan.root, ENV_EXAMPLE));
  for (const line of nextSteps(config, runner, ctx.env, listed)) ctx.stdout(line);
}

/** The lines `generate` ends with. */
export function nextSteps(config: Config, runner: string, env: NodeJS.ProcessEnv, envExample = true): string[] {
  const names = envVariables(config, `${runner} keygen`).map((v) => v.name);
  const appUrl = origin(env[config.scalekit.appUrlVar]) ?? 'http://localhost:3000';
  const fromSrc = config.outDir.startsWith('src/');
  const importPath = `./${fromSrc ? config.outDir.slice('src/'.length) : config.outDir}/index.js`;
  const keyLine =
    config.encryption.keySource.type === 'env'
      ? `     ${config.encryption.keySource.name}: \`${runner} keygen\` prints an entry.`
      : `     The keyring file ${config.encryption.keySource.path}: \`${runner} keygen\` prints an entry for it.`;
  return [
    '',
    'Next:',
    `  1. Set ${names.join(', ')} (${envExample ? 'listed in .env.example; ' : ''}\`node --env-file=.env\` loads them from .env).`,
    keyLine,
    ...(config.store.type === 'redis'
      ? [`     ${config.store.urlVar}: redis://127.0.0.1:6379 locally (the redis-server package, or any Redis/Valkey); rediss://… in production.`]
      : []),
    `  2. Mount the routes, from a file in ${fromSrc ? 'src/' : 'the project root'}:`,
    ...mountSnippet(config, importPath).map((line) => `       ${line}`),
    '  3. In the Scalekit dashboard, register:',
    `       redirect URL:     ${appUrl}${config.routes.callback}`,
    `       post-logout URL:  ${appUrl}${config.routes.postLogoutRedirect}`,
    `     (for ${config.scalekit.appUrlVar}=${appUrl}; register your production origin the same way.)`,
  ];
}

function mountSnippet(config: Config, importPath: string): string[] {
  const cjs = config.moduleFormat === 'cjs';
  const load = (names: string) => (cjs ? `const { ${names} } = require('${importPath}');` : `import { ${names} } from '${importPath}';`);
  switch (config.framework) {
    case 'express':
      return [load('requireSession, sessionRouter'), 'app.use(sessionRouter());', "app.get('/api/me', requireSession, (req, res) => res.json(req.auth));"];
    case 'fastify':
      return [load('requireSession, sessionPlugin'), 'await app.register(sessionPlugin);', "app.get('/api/me', { preHandler: requireSession }, async (request) => request.auth);"];
    case 'koa':
      return [load('requireSession, sessionRoutes'), 'app.use(sessionRoutes());', "router.get('/api/me', requireSession, (ctx) => { ctx.body = ctx.state.auth; });"];
  }
}

function origin(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    return new URL(value).origin;
  } catch {
    return undefined;
  }
}
