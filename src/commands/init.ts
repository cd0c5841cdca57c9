import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { CONFIG_FILE, validateConfig } from '../config/load.js';
import type { ConfigInput } from '../config/schema.js';
import type { Context } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { resolveInside } from '../fs/paths.js';
import { writeAtomic } from '../fs/write.js';
import { detectProject, exists } from './detect.js';

export interface InitOptions {
  yes?: boolean;
  quiet?: boolean;
  framework?: string;
  outDir?: string;
  refreshMode?: string;
  install?: boolean;
  force?: boolean;
  config?: string;
}

const FRAMEWORKS = ['express', 'fastify', 'koa'] as const;
const REFRESH_MODES = ['endpoint', 'transparent'] as const;

/** Runtime packages the generated code imports, besides the framework itself. */
const RUNTIME_PACKAGES = ['@scalekit-sdk/node', 'jose'];

/**
 * Writes `scalekit-session.config.json` with every setting spelled out, so
 * the user sees each knob. Detects the framework and source folder from the
 * project; asks on a terminal, and otherwise takes flags, or `--yes` for what
 * was detected. Never asks when stdin is not a TTY.
 */
export async function init(ctx: Context, options: InitOptions): Promise<void> {
  const detected = await detectProject(ctx.cwd);
  const ask = !options.yes && ctx.interactive ? ctx.prompt : undefined;
  if (!ask && !options.yes && options.framework === undefined) {
    throw new UsageError('init needs --framework (express | fastify | koa), or --yes to accept what it detects.');
  }
  if (!options.quiet) for (const note of detected.notes) ctx.stdout(`detected ${note}`);

  const framework =
    options.framework ??
    (ask ? await ask('Framework?', FRAMEWORKS, detected.framework ?? 'express') : (detected.framework ?? 'express'));
  const refreshMode =
    options.refreshMode ??
    (ask ? await ask('Refresh mode? endpoint: the client refreshes on 401; transparent: the server refreshes inline.', REFRESH_MODES, 'endpoint') : undefined);
  const input: ConfigInput = {
    $schema: './node_modules/scalekit-session-scaffold/config.schema.json',
    framework: framework as ConfigInput['framework'],
    // What the project is written in decides what it gets: .ts, or .js/.mjs/.cjs in its module format.
    language: detected.language,
    moduleFormat: detected.moduleFormat,
    outDir: options.outDir ?? detected.outDir,
    ...(refreshMode !== undefined && { refresh: { mode: refreshMode as 'endpoint' } }),
  };
  const result = validateConfig(input);
  if (!result.ok) {
    throw new CliError('The flags describe an invalid config; nothing was written.', { details: result.problems });
  }
  const file = await resolveInside(ctx.cwd, options.config ?? CONFIG_FILE);
  if (!options.force && (await exists(file))) {
    throw new CliError(`${path.basename(file)} already exists; nothing was written.`, {
      suggestion: 'Edit it and run generate, or pass --force to replace it with defaults.',
    });
  }
  await writeAtomic(file, `${JSON.stringify({ $schema: input.$schema, ...withoutSchema(result.config) }, null, 2)}\n`);
  ctx.stdout(`Wrote ${path.relative(ctx.cwd, file) || file}.`);

  if (options.install !== false) await installRuntime(ctx);
  ctx.stdout('Next: npx scalekit-session-scaffold generate');
}

function withoutSchema<T extends { $schema?: string }>(config: T): Omit<T, '$schema'> {
  const { $schema: _schema, ...rest } = config;
  return rest;
}

/** Adds the SDK and jose to the project with the package manager its lockfile names. */
async function installRuntime(ctx: Context): Promise<void> {
  const manifest = path.join(ctx.cwd, 'package.json');
  if (!(await exists(manifest))) {
    ctx.stderr(`No package.json here; install ${RUNTIME_PACKAGES.join(' ')} yourself.`);
    return;
  }
  const pkg = JSON.parse(await readFile(manifest, 'utf8')) as { dependencies?: Record<string, string> };
  const missing = RUNTIME_PACKAGES.filter((name) => !pkg.dependencies?.[name]);
  if (missing.length === 0) return;
  const manager = (await exists(path.join(ctx.cwd, 'pnpm-lock.yaml')))
    ? ['pnpm', 'add']
    : (await exists(path.join(ctx.cwd, 'yarn.lock')))
      ? ['yarn', 'add']
      : ['npm', 'install'];
  const [command, ...args] = [...manager, ...missing] as [string, ...string[]];
  ctx.stdout(`Running ${command} ${args.join(' ')} (skip with --no-install)`);
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(command, args, { cwd: ctx.cwd, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', resolve);
  });
  if (code !== 0) {
    throw new CliError(`${command} ${args.join(' ')} failed (exit ${code}).`, {
      suggestion: 'Install the packages yourself; the config file was written.',
    });
  }
}
