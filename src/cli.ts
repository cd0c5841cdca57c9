/**
 * The command table and dispatch; no command logic lives here. Each command's
 * code is loaded with `import()` only when that command runs, so `--version`,
 * `--help` and `check` never pay for Prettier, Handlebars, the Scalekit SDK,
 * the emulator or the demo. Handlers throw `CliError`s; `main` turns them
 * into exit codes.
 */
import path from 'node:path';

import { closest, firstPositional, helpHint, type OptionSpec, parseArgs, type ParsedValues } from './args.js';
import type { Context } from './context.js';
import { UsageError } from './errors.js';
import { toolName, toolVersion } from './version.js';

/** What every command accepts. The README's "Common flags" list is this table. */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { name: 'cwd', type: 'string', valueName: 'DIR', describe: 'Project folder (default: the current folder)' },
  { name: 'config', type: 'string', valueName: 'FILE', describe: 'Config file (default: scalekit-session.config.json)' },
  { name: 'json', type: 'boolean', describe: 'Machine-readable output: one JSON document on stdout; errors as JSON on stderr' },
  { name: 'quiet', short: 'q', type: 'boolean', describe: 'Print only the answer and errors: no progress, notes or hints' },
  { name: 'debug', type: 'boolean', describe: 'Print the stack trace of an internal error' },
  { name: 'help', short: 'h', type: 'boolean', describe: 'Show help' },
  { name: 'version', short: 'v', type: 'boolean', describe: 'Show the version' },
];
/** `-V` is the other common spelling of version; not listed in help twice. */
const VERSION_UPPER: OptionSpec = { name: 'version', short: 'V', type: 'boolean', describe: '' };

export interface Invocation {
  ctx: Context;
  args: ParsedValues;
  /** `ctx` with `cwd` resolved from `--cwd`. */
  project: Context;
  json: boolean;
  quiet: boolean;
}

interface CommandSpec {
  name: string;
  summary: string;
  options: readonly OptionSpec[];
  /**
   * `stdout` is the command's answer, kept under `--quiet` (keygen's entry,
   * the emulator's variables); otherwise `--quiet` silences stdout entirely.
   */
  answersOnStdout?: boolean;
  /** The command's output is a walkthrough for people; `--json` is refused rather than ignored. */
  noJson?: boolean;
  run: (invocation: Invocation) => Promise<void>;
}

const FRAMEWORKS = ['express', 'fastify', 'koa'] as const;
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'init',
    summary: 'Write scalekit-session.config.json (asks on a terminal)',
    options: [
      { name: 'yes', short: 'y', type: 'boolean', describe: 'Accept what was detected, ask nothing' },
      { name: 'framework', type: 'string', choices: FRAMEWORKS, describe: 'The framework (default: detected)' },
      { name: 'out-dir', type: 'string', valueName: 'DIR', describe: 'Where generated files go (default: src/session)' },
      { name: 'refresh-mode', type: 'string', choices: ['endpoint', 'transparent'], describe: 'How expired access tokens are refreshed' },
      { name: 'store', type: 'string', choices: ['cookie', 'redis'], describe: 'Where tokens live: cookie (one process) or redis (several)' },
      { name: 'install', type: 'boolean', defaultValue: true, describe: 'Install the runtime packages (--no-install to skip)' },
      { name: 'force', type: 'boolean', describe: 'Replace an existing config' },
    ],
    run: async ({ args, project, json, quiet }) => {
      const { init } = await import('./commands/init.js');
      const silent = json ? { ...project, stdout: () => {} } : project;
      await init(silent, {
        yes: args.yes === true,
        quiet,
        framework: str(args.framework),
        outDir: str(args.outDir),
        refreshMode: str(args.refreshMode),
        store: str(args.store),
        install: args.install !== false,
        force: args.force === true,
        config: str(args.config),
      });
      if (json) {
        const { CONFIG_FILE } = await import('./config/load.js');
        const { readFile } = await import('node:fs/promises');
        const file = path.resolve(project.cwd, str(args.config) ?? CONFIG_FILE);
        project.stdout(JSON.stringify({ wrote: path.relative(project.cwd, file), config: JSON.parse(await readFile(file, 'utf8')) as unknown }, null, 2));
      }
    },
  },
  {
    name: 'generate',
    summary: 'Write the session code the config describes',
    options: [
      { name: 'dry-run', type: 'boolean', describe: 'Print the plan, write nothing' },
      { name: 'diff', type: 'boolean', describe: 'Print the unified diff of each change' },
      {
        name: 'on-conflict',
        type: 'string',
        choices: ['fail', 'merge', 'keep', 'overwrite'],
        defaultValue: 'merge',
        describe: 'When your edits and the new output collide',
      },
      { name: 'force', type: 'boolean', describe: 'Replace every file you edited, each backed up first (<file>.bak, <file>.1.bak, …)' },
      { name: 'restore', type: 'boolean', describe: 'Re-create generated files you deleted' },
      { name: 'install', type: 'boolean', defaultValue: true, describe: 'Install packages a framework switch needs (--no-install prints the command)' },
    ],
    run: async ({ args, project, json, quiet }) => {
      const { generate } = await import('./commands/generate.js');
      await generate(project, {
        config: str(args.config),
        dryRun: args.dryRun === true,
        diff: args.diff === true,
        force: args.force === true,
        onConflict: (str(args.onConflict) ?? 'merge') as 'merge',
        restore: args.restore === true,
        install: args.install !== false,
        json,
        quiet,
      });
    },
  },
  {
    name: 'check',
    summary: 'Exit 0 when the generated files match the config and the lock, 3 when they drift (writes nothing)',
    options: [],
    run: async ({ args, project, json }) => {
      const { check } = await import('./commands/check.js');
      await check(project, { config: str(args.config), json });
    },
  },
  {
    name: 'diff',
    summary: 'Print the unified diff of what generate would change (exit 3 when there is any)',
    options: [],
    run: async ({ args, project, json }) => {
      const { diff } = await import('./commands/check.js');
      await diff(project, { config: str(args.config), json });
    },
  },
  {
    name: 'doctor',
    summary: "Check the config, generated files, environment and Scalekit connection: why doesn't my app sign in?",
    // Not `--env-file`: Node 20 reads that flag even after the script name, and would load the file itself.
    options: [{ name: 'dotenv', type: 'string', valueName: 'FILE', describe: 'Read variables from FILE too (default: .env when present)' }],
    answersOnStdout: true,
    run: async ({ args, project, json, quiet }) => {
      const { doctor } = await import('./commands/doctor.js');
      await doctor(project, { config: str(args.config), envFile: str(args.dotenv), json, quiet });
    },
  },
  {
    name: 'keygen',
    summary: 'Print a new encryption key entry (kid:key) for the keyring',
    options: [{ name: 'kid', type: 'string', valueName: 'NAME', describe: 'Key id (default: k<date><random>)' }],
    answersOnStdout: true,
    run: async ({ args, ctx, json }) => {
      const { keygen } = await import('./commands/keygen.js');
      keygen(ctx, { kid: str(args.kid), json });
    },
  },
  {
    name: 'emulator',
    summary: 'Run the local Scalekit emulator and print the env vars that point an app at it',
    options: [
      { name: 'port', type: 'port', valueName: 'PORT', describe: 'Loopback port, 0-65535 (default: a free one)' },
      { name: 'client-id', type: 'string', valueName: 'ID', describe: 'The client id the emulator accepts' },
      { name: 'client-secret', type: 'string', valueName: 'SECRET', describe: 'The client secret the emulator accepts' },
      { name: 'app-url', type: 'string', valueName: 'URL', describe: "Your app's origin, printed as APP_URL (default: http://localhost:3000)" },
    ],
    answersOnStdout: true,
    run: async ({ args, ctx, project, json, quiet }) => {
      const { runEmulatorCommand } = await import('./emulator/command.js');
      await runEmulatorCommand({
        ...(typeof args.appUrl === 'string' && { appUrl: args.appUrl }),
        cwd: project.cwd,
        ...(typeof args.port === 'number' && { port: args.port }),
        ...(typeof args.clientId === 'string' && { clientId: args.clientId }),
        ...(typeof args.clientSecret === 'string' && { clientSecret: args.clientSecret }),
        stdout: ctx.stdout,
        signal: ctx.signal,
        json,
        quiet,
      });
    },
  },
  {
    name: 'demo',
    summary: 'Show the whole product working offline: scaffold, run, sign in, refresh, revoke, log out',
    options: [
      { name: 'framework', type: 'string', choices: FRAMEWORKS, defaultValue: 'express', describe: 'The framework of the throwaway app' },
      { name: 'keep', type: 'boolean', describe: 'Keep the throwaway project' },
    ],
    noJson: true,
    run: async ({ args, project }) => {
      const { demo } = await import('./demo/demo.js');
      await demo(project, { framework: (str(args.framework) ?? 'express') as 'express', keep: args.keep === true });
    },
  },
];

const ALL_OPTIONS = [...GLOBAL_OPTIONS, ...COMMANDS.flatMap((command) => command.options)];

/** Parses `argv` and runs the command it names. */
export async function runCli(argv: readonly string[], ctx: Context): Promise<void> {
  const at = firstPositional(argv, ALL_OPTIONS);
  const name = at === -1 ? undefined : argv[at];
  const command = COMMANDS.find((c) => c.name === name);
  if (name !== undefined && !command) {
    if (name === 'help') {
      const topic = COMMANDS.find((c) => c.name === argv[at + 1]);
      ctx.stdout(topic ? commandHelp(topic) : globalHelp());
      return;
    }
    const near = closest(name, COMMANDS.map((c) => c.name));
    throw new UsageError(`Unknown command "${name}".${near ? ` Did you mean "${near}"?` : ''}`, helpHint(''));
  }
  const rest = at === -1 ? argv : [...argv.slice(0, at), ...argv.slice(at + 1)];
  const options = [...GLOBAL_OPTIONS, VERSION_UPPER, ...(command?.options ?? [])];
  const { values, positionals } = parseArgs(rest, options, command?.name ?? '');

  if (values.help) {
    ctx.stdout(command ? commandHelp(command) : globalHelp());
    return;
  }
  if (values.version) {
    ctx.stdout(toolVersion);
    return;
  }
  if (!command) {
    // No command: the help, as a usage error so scripts notice.
    throw new UsageError('Name a command.', globalHelp());
  }
  if (positionals.length > 0) {
    throw new UsageError(`${command.name} takes no argument "${positionals[0]}".`, helpHint(command.name));
  }

  const json = values.json === true;
  if (json && command.noJson) throw new UsageError(`${command.name} has no JSON output.`, helpHint(command.name));
  const quiet = values.quiet === true;
  const silence = () => {};
  const commandCtx: Context = {
    ...ctx,
    stdout: quiet && !json && !command.answersOnStdout ? silence : ctx.stdout,
    stderr: quiet ? silence : ctx.stderr,
  };
  const cwd = typeof values.cwd === 'string' ? path.resolve(ctx.cwd, values.cwd) : ctx.cwd;
  await command.run({ ctx: commandCtx, args: values, project: { ...commandCtx, cwd }, json, quiet });
}

function optionLines(options: readonly OptionSpec[]): string[] {
  const left = options.map((o) => {
    const flag = o.type === 'boolean' && o.defaultValue === true ? `--no-${o.name}` : `--${o.name}`;
    const value = o.type === 'boolean' ? '' : ` ${o.choices ? o.choices.join('|') : (o.valueName ?? 'VALUE')}`;
    return `${o.short ? `-${o.short}, ` : '    '}${flag}${value}`;
  });
  const width = Math.max(...left.map((l) => l.length)) + 2;
  return options.map((o, i) => {
    const shown = o.defaultValue !== undefined && o.type !== 'boolean' ? ` (default: ${String(o.defaultValue)})` : '';
    return `  ${(left[i] as string).padEnd(width)}${o.describe}${shown}`;
  });
}

export function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    `Usage: ${toolName} <command> [options]`,
    '',
    'Scaffold Scalekit-backed session handling into your app.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Options (every command):',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    `Run ${toolName} <command> --help for a command's options.`,
    'Exit codes: 0 ok, 1 error, 2 usage, 3 drift (check, diff), 4 merge conflicts (generate), 130 interrupted.',
  ].join('\n');
}

function commandHelp(command: CommandSpec): string {
  return [
    `Usage: ${toolName} ${command.name} [options]`,
    '',
    command.summary,
    ...(command.options.length > 0 ? ['', 'Options:', ...optionLines(command.options)] : []),
    '',
    'Common options:',
    ...optionLines(GLOBAL_OPTIONS),
  ].join('\n');
}
