import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

import type { Config } from '../config/schema.js';
import type { Context } from '../context.js';
import { CliError } from '../errors.js';
import { packageRoot } from '../version.js';
import { addCommand, type Command, type PackageManager, showCommand } from './package-manager.js';
import { declaredDependencies, readPackageJson } from './root.js';

/** Packages the generated code imports at run time, per framework (the shared core needs the SDK and jose). */
const RUNTIME: Record<Config['framework'], string[]> = {
  express: ['express'],
  fastify: ['fastify', '@fastify/cookie', 'fastify-plugin'],
  koa: ['koa', '@koa/router'],
};
const SHARED = ['@scalekit-sdk/node', 'jose'];

/**
 * Type packages a TypeScript project needs for the output to compile: the
 * core imports `node:crypto` and `node:fs`; Express and Koa ship no types.
 * (Fastify, its plugins, `@koa/router`, the SDK and jose ship their own.)
 */
const TYPES: Record<Config['framework'], string[]> = {
  express: ['@types/express'],
  fastify: [],
  koa: ['@types/koa'],
};

export interface Requirements {
  runtime: string[];
  /** devDependencies; empty for JavaScript output. */
  types: string[];
}

/** Everything the output for `config` imports, computed from the config alone. */
export function requiredPackages(config: Pick<Config, 'framework' | 'language'> & { store?: Config['store'] }): Requirements {
  return {
    runtime: [...RUNTIME[config.framework], ...SHARED, ...(config.store?.type === 'redis' ? ['redis'] : [])],
    types: config.language === 'ts' ? [...TYPES[config.framework], '@types/node'] : [],
  };
}

/** The major versions this release's templates are written and tested against, from its own package.json. */
function testedMajors(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(new URL('package.json', packageRoot), 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const majors: Record<string, string> = {};
  for (const [name, version] of Object.entries({ ...pkg.devDependencies, ...pkg.dependencies })) {
    const major = /^\D*(\d+)\./.exec(version)?.[1];
    if (major !== undefined) majors[name] = major;
  }
  return majors;
}

/** `name@major` where the tested major is known (`@types/node` follows the user's Node, so stays unpinned). */
function withMajor(name: string, majors: Record<string, string>): string {
  const major = majors[name];
  return major !== undefined && name !== '@types/node' ? `${name}@${major}` : name;
}

/** The install commands for whatever `project`'s package.json does not declare yet (none when all are there). */
export async function missingPackageCommands(pm: PackageManager, requirements: Requirements): Promise<Command[]> {
  const declared = declaredDependencies(await readPackageJson(pm.project));
  const majors = testedMajors();
  const missing = (names: string[]) => names.filter((name) => !declared.has(name)).map((name) => withMajor(name, majors));
  const runtime = missing(requirements.runtime);
  const types = missing(requirements.types);
  return [...(runtime.length > 0 ? [addCommand(pm, runtime, false)] : []), ...(types.length > 0 ? [addCommand(pm, types, true)] : [])];
}

/**
 * Installs what the output imports and the project lacks, showing each
 * command as it runs; with `install: false`, prints the commands instead.
 */
export async function installMissing(ctx: Context, pm: PackageManager, requirements: Requirements, install: boolean): Promise<void> {
  const commands = await missingPackageCommands(pm, requirements);
  if (commands.length === 0) return;
  if (!install) {
    ctx.stdout('The generated code imports packages your package.json does not list yet; install them with:');
    for (const command of commands) ctx.stdout(`  ${showCommand(command, ctx.cwd)}`);
    return;
  }
  ctx.stdout(`Installing with ${pm.name} (${pm.evidence}; skip with --no-install):`);
  for (const command of commands) {
    ctx.stdout(`  ${showCommand(command, ctx.cwd)}`);
    const code = await run(command).catch((error: NodeJS.ErrnoException) => {
      throw new CliError(
        error.code === 'ENOENT'
          ? `${command.command} is not on PATH, so nothing was installed${command.command === 'npm' || command.command === 'bun' ? '' : ' (Node ships it through Corepack: `corepack enable`)'}.`
          : `${command.command} could not start: ${error.message}`,
        { suggestion: `Install them yourself: ${commands.map((c) => showCommand(c, ctx.cwd)).join(' && ')}` },
      );
    });
    if (code !== 0) {
      throw new CliError(`${showCommand(command, ctx.cwd)} failed (exit ${code}).`, {
        suggestion: 'Fix the install and run the command above again; the files written so far stay.',
      });
    }
  }
}

function run(command: Command): Promise<number | null> {
  return new Promise((resolve, reject) => {
    // Windows ships npm, pnpm and yarn as .cmd shims, which only a shell runs.
    const child = spawn(command.command, command.args, { cwd: command.cwd, stdio: 'inherit', shell: process.platform === 'win32' });
    child.on('error', reject);
    child.on('exit', resolve);
  });
}
