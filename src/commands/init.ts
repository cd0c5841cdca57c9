import path from 'node:path';

import { CONFIG_FILE, validateConfig } from '../config/load.js';
import type { ConfigInput } from '../config/schema.js';
import type { Context } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { resolveInside } from '../fs/paths.js';
import { writeAtomic } from '../fs/write.js';
import { ENV_EXAMPLE, envVariables, writeEnvExample } from '../project/env.js';
import { foreignFiles, foreignFilesError, normalizeOutDir } from '../project/out-dir.js';
import { detectPackageManager, toolRunner } from '../project/package-manager.js';
import { installMissing, requiredPackages } from '../project/packages.js';
import { declaredDependencies, findProjectRoot, readPackageJson } from '../project/root.js';
import { toolName, toolVersion } from '../version.js';
import { detectProject, exists } from './detect.js';

export interface InitOptions {
  yes?: boolean;
  quiet?: boolean;
  framework?: string;
  outDir?: string;
  refreshMode?: string;
  store?: string;
  install?: boolean;
  force?: boolean;
  config?: string;
}

const FRAMEWORKS = ['express', 'fastify', 'koa'] as const;
const REFRESH_MODES = ['endpoint', 'transparent'] as const;
const STORES = ['cookie', 'redis'] as const;

/**
 * Writes `scalekit-session.config.json` with every setting spelled out, so
 * the user sees each knob. Detects the framework and source folder from the
 * project; asks on a terminal, and otherwise takes flags, or `--yes` for what
 * was detected. Never asks when stdin is not a TTY.
 */
export async function init(ctx: Context, options: InitOptions): Promise<void> {
  const root = await findProjectRoot(ctx.cwd);
  const detected = await detectProject(root);
  const ask = !options.yes && ctx.interactive ? ctx.prompt : undefined;
  if (!ask && !options.yes && options.framework === undefined) {
    throw new UsageError('init needs --framework (express | fastify | koa), or --yes to accept what it detects.');
  }
  const pm = await detectPackageManager(root);
  if (!options.quiet) for (const note of [...detected.notes, `package manager: ${pm.name}${pm.yarnFlavor ? ` ${pm.yarnFlavor}` : ''} (${pm.evidence})`]) ctx.stdout(`detected ${note}`);

  const framework =
    options.framework ??
    (ask ? await ask('Framework?', FRAMEWORKS, detected.framework ?? 'express') : (detected.framework ?? 'express'));
  if (options.framework !== undefined && detected.framework !== undefined && options.framework !== detected.framework) {
    ctx.stderr(`warning: --framework ${options.framework}, but package.json lists ${detected.framework} (detected); generating for ${options.framework}.`);
  }
  const outDir = options.outDir === undefined ? detected.outDir : normalizeOutDir(options.outDir, ctx.cwd, root);
  const refreshMode =
    options.refreshMode ??
    (ask ? await ask('Refresh mode? endpoint: the client refreshes on 401; transparent: the server refreshes inline.', REFRESH_MODES, 'endpoint') : undefined);
  const store =
    options.store ??
    (ask ? await ask('Session store? cookie: tokens in sealed cookies (one process); redis: tokens in Redis (several processes).', STORES, 'cookie') : undefined);
  const input: ConfigInput = {
    $schema: await schemaLocation(root),
    framework: framework as ConfigInput['framework'],
    // What the project is written in decides what it gets: .ts, or .js/.mjs/.cjs in its module format.
    language: detected.language,
    moduleFormat: detected.moduleFormat,
    outDir,
    ...(store === 'redis' && { store: { type: 'redis' } }),
    ...(refreshMode !== undefined && { refresh: { mode: refreshMode as 'endpoint' } }),
  };
  const result = validateConfig(input);
  if (!result.ok) {
    throw new CliError('The flags describe an invalid config; nothing was written.', { details: result.problems });
  }
  const file = await resolveInside(root, options.config === undefined ? CONFIG_FILE : path.relative(root, path.resolve(ctx.cwd, options.config)));
  if (!options.force && (await exists(file))) {
    throw new CliError(`${path.basename(file)} already exists; nothing was written.`, {
      suggestion: 'Edit it and run generate, or pass --force to replace it with defaults.',
    });
  }
  const foreign = options.force ? [] : await foreignFiles(root, result.config.outDir);
  if (foreign.length > 0) {
    throw foreignFilesError(
      result.config.outDir,
      foreign,
      `Pass --out-dir with a new folder (e.g. --out-dir ${path.posix.join(path.posix.dirname(result.config.outDir), 'scalekit-session')}), or --force to use this one anyway (generate then needs --force too).`,
    );
  }
  await writeAtomic(file, `${JSON.stringify({ $schema: input.$schema, ...withoutSchema(result.config) }, null, 2)}\n`);
  ctx.stdout(`Wrote ${path.relative(ctx.cwd, file) || file}.`);

  const runner = toolRunner(pm, toolName, declaredDependencies(await readPackageJson(root)).has(toolName));
  const added = await writeEnvExample(root, envVariables(result.config, `${runner} keygen`), result.config.outDir);
  const envFile = path.relative(ctx.cwd, path.join(root, ENV_EXAMPLE));
  if (added.length > 0) {
    ctx.stdout(`Added ${added.join(', ')} to ${envFile}: copy it to .env, fill it in, and load it with \`node --env-file=.env\` (Node 20.6+) or your usual loader.`);
  }
  await installMissing(ctx, pm, requiredPackages(result.config), options.install !== false);
  ctx.stdout(`Next: ${runner} generate`);
}

/**
 * Where the written config's `$schema` points. Under `npx` the package is in
 * npx's cache, not the project, so a node_modules path would not resolve;
 * only a project that installs the tool gets the local copy, everyone else
 * the copy published with this exact version.
 */
async function schemaLocation(root: string): Promise<string> {
  const local = `node_modules/${toolName}/config.schema.json`;
  if (await exists(path.join(root, local))) return `./${local}`;
  return `https://unpkg.com/${toolName}@${toolVersion}/config.schema.json`;
}

function withoutSchema<T extends { $schema?: string }>(config: T): Omit<T, '$schema'> {
  const { $schema: _schema, ...rest } = config;
  return rest;
}
