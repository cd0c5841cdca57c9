import path from 'node:path';
import yargs, { type Argv } from 'yargs';

import type { Context } from './context.js';
import { UsageError } from './errors.js';
import { check, diff } from './commands/check.js';
import { type ConflictPolicy, generate } from './commands/generate.js';
import { init } from './commands/init.js';
import { keygen } from './commands/keygen.js';
import { demo } from './demo/demo.js';
import { runEmulatorCommand } from './emulator/index.js';
import { toolName, toolVersion } from './version.js';

interface CommonArgs {
  cwd: string | undefined;
  config: string | undefined;
  json: boolean;
  quiet: boolean;
}

/**
 * Wires commands to handlers; no logic lives here. Handlers throw `CliError`s
 * and `main` turns them into exit codes.
 */
export function buildCli(argv: string[], ctx: Context): Argv<CommonArgs> {
  const withCwd = (args: CommonArgs): Context => ({ ...ctx, cwd: path.resolve(ctx.cwd, args.cwd ?? '.') });
  return yargs(argv)
    .scriptName(toolName)
    .version(toolVersion)
    .usage('$0 <command> [options]\n\nScaffold Scalekit-backed session handling into your app.')
    .option('cwd', { type: 'string', describe: 'Project folder (default: current folder)' })
    .option('config', { type: 'string', describe: 'Config file (default: scalekit-session.config.json)' })
    .option('json', { type: 'boolean', default: false, describe: 'Machine-readable output' })
    .option('quiet', { type: 'boolean', default: false, describe: 'Print only errors' })
    .command(
      'init',
      'Write scalekit-session.config.json',
      (y) =>
        y
          .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'Accept defaults, ask nothing' })
          .option('framework', { type: 'string', choices: ['express', 'fastify', 'koa'] })
          .option('out-dir', { type: 'string', describe: 'Where generated files go (default: src/session)' })
          .option('refresh-mode', { type: 'string', choices: ['endpoint', 'transparent'] })
          .option('install', { type: 'boolean', default: true, describe: 'Install runtime packages (--no-install to skip)' })
          .option('force', { type: 'boolean', default: false, describe: 'Replace an existing config' }),
      (args) =>
        init(withCwd(args), {
          yes: args.yes,
          quiet: args.quiet,
          framework: args.framework,
          outDir: args.outDir,
          refreshMode: args.refreshMode,
          install: args.install,
          force: args.force,
          config: args.config,
        }),
    )
    .command(
      'generate',
      'Write the session code the config describes',
      (y) =>
        y
          .option('dry-run', { type: 'boolean', default: false, describe: 'Print the plan, write nothing' })
          .option('diff', { type: 'boolean', default: false, describe: 'Print the unified diff of each change' })
          .option('on-conflict', {
            choices: ['fail', 'merge', 'keep', 'overwrite'] as const,
            default: 'merge' as ConflictPolicy,
            describe: 'When your edits and the new output collide',
          })
          .option('force', { type: 'boolean', default: false, describe: 'Same as --on-conflict overwrite: edited files are backed up to .bak, then replaced' })
          .option('restore', { type: 'boolean', default: false, describe: 'Re-create generated files you deleted' })
          .option('install', { type: 'boolean', default: true, describe: 'Install packages a framework switch needs (--no-install prints the command)' }),
      (args) =>
        generate(withCwd(args), {
          config: args.config,
          dryRun: args.dryRun,
          diff: args.diff,
          force: args.force,
          onConflict: args.onConflict,
          restore: args.restore,
          json: args.json,
          quiet: args.quiet,
          install: args.install,
        }),
    )
    .command(
      'check',
      'Exit 0 when the generated files match the config and the lock, 3 when they drift (writes nothing)',
      (y) => y,
      (args) => check(withCwd(args), { config: args.config, json: args.json }),
    )
    .command(
      'diff',
      'Print the unified diff of what generate would change (exit 3 when there is any)',
      (y) => y,
      (args) => diff(withCwd(args), { config: args.config }),
    )
    .command(
      'keygen',
      'Print a new encryption key entry (kid:key) for the keyring',
      (y) => y.option('kid', { type: 'string', describe: 'Key id (default: k<date><random>)' }),
      (args) => keygen(ctx, { kid: args.kid, json: args.json }),
    )
    .command(
      'emulator',
      'Run the local Scalekit emulator and print the env vars that point an app at it',
      (y) =>
        y
          .option('port', { type: 'number', describe: 'Loopback port (default: a free one)' })
          .option('client-id', { type: 'string' })
          .option('client-secret', { type: 'string' })
          .option('app-url', { type: 'string', describe: "Your app's origin, printed as APP_URL (default: http://localhost:3000)" }),
      (args) =>
        runEmulatorCommand({
          ...(args.appUrl !== undefined && { appUrl: args.appUrl }),
          cwd: withCwd(args).cwd,
          ...(args.port !== undefined && { port: args.port }),
          ...(args.clientId !== undefined && { clientId: args.clientId }),
          ...(args.clientSecret !== undefined && { clientSecret: args.clientSecret }),
          stdout: ctx.stdout,
          signal: ctx.signal,
        }),
    )
    .command(
      'demo',
      'Show the whole product working offline: scaffold, run, sign in, refresh, revoke, log out',
      (y) =>
        y
          .option('framework', { type: 'string', choices: ['express', 'fastify', 'koa'] as const, default: 'express' as const })
          .option('keep', { type: 'boolean', default: false, describe: 'Keep the throwaway project' }),
      (args) => demo(withCwd(args), { framework: args.framework, keep: args.keep }),
    )
    .demandCommand(1, 'Name a command; see --help.')
    .strict()
    .exitProcess(false)
    .fail((message, error) => {
      if (error) throw error;
      throw new UsageError(message ?? 'Invalid usage.', `Run ${toolName} --help.`);
    })
    .wrap(Math.min(100, process.stdout.columns || 80)) as unknown as Argv<CommonArgs>;
}
