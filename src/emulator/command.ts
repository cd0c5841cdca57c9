import { randomBytes } from 'node:crypto';

import { loadConfig } from '../config/load.js';
import { startEmulator } from './start.js';

export interface EmulatorCommandOptions {
  port?: number;
  clientId?: string;
  clientSecret?: string;
  /** The app's origin, printed as APP_URL (default http://localhost:3000). */
  appUrl?: string;
  /** A project folder: its config's variable names are printed instead of the defaults. */
  cwd?: string;
  /** Receives each output line, without a trailing newline. */
  stdout: (line: string) => void;
  /** Aborting stops the emulator; the CLI wires SIGINT to it. */
  signal?: AbortSignal;
  /** One JSON line with the variables instead of `export` lines. */
  json?: boolean;
  /** The `export` lines only, without the comment. */
  quiet?: boolean;
}

/** Shell-safe single quoting, so the printed lines can be pasted or `eval`ed as they are. */
function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

interface VariableNames {
  envUrl: string;
  clientId: string;
  clientSecret: string;
  appUrl: string;
  /** Undefined when the keyring comes from a file. */
  keys: string | undefined;
}

/** The names the project's config reads (the defaults without a valid config). */
async function variableNames(cwd: string | undefined): Promise<VariableNames> {
  const config = cwd === undefined ? undefined : await loadConfig(cwd).then((loaded) => loaded.config, () => undefined);
  if (!config) {
    return { envUrl: 'SCALEKIT_ENVIRONMENT_URL', clientId: 'SCALEKIT_CLIENT_ID', clientSecret: 'SCALEKIT_CLIENT_SECRET', appUrl: 'APP_URL', keys: 'SESSION_ENCRYPTION_KEYS' };
  }
  const { scalekit, encryption } = config;
  return {
    envUrl: scalekit.envUrlVar,
    clientId: scalekit.clientIdVar,
    clientSecret: scalekit.clientSecretVar,
    appUrl: scalekit.appUrlVar,
    keys: encryption.keySource.type === 'env' ? encryption.keySource.name : undefined,
  };
}

/**
 * The `emulator` command: starts the emulator, prints the environment an app needs to use it,
 * and runs until `signal` aborts, then closes it. Never exits the process itself.
 */
export async function runEmulatorCommand(options: EmulatorCommandOptions): Promise<void> {
  const { stdout, signal } = options;
  if (signal?.aborted) return;
  const emulator = await startEmulator({
    ...(options.port !== undefined && { port: options.port }),
    ...(options.clientId !== undefined && { clientId: options.clientId }),
    ...(options.clientSecret !== undefined && { clientSecret: options.clientSecret }),
  });
  try {
    const names = await variableNames(options.cwd);
    // A throwaway key for local development: cookies sealed with it die with this shell.
    const devKey = `dev:${randomBytes(32).toString('base64url')}`;
    const variables: Record<string, string> = {
      [names.envUrl]: emulator.url,
      [names.clientId]: emulator.clientId,
      [names.clientSecret]: emulator.clientSecret,
      [names.appUrl]: options.appUrl ?? 'http://localhost:3000',
      ...(names.keys !== undefined && { [names.keys]: devKey }),
    };
    if (options.json) stdout(JSON.stringify(variables));
    else {
      for (const [name, value] of Object.entries(variables)) stdout(`export ${name}=${shellQuote(value)}`);
      if (!options.quiet) {
        if (names.keys === undefined) stdout(`# Your config reads the keyring from a file: put this development entry in it: ${devKey}`);
        stdout(
          `# Scalekit emulator running at ${emulator.url}: set these in your app's environment (${names.appUrl} is your app's origin: --app-url to change it); Ctrl+C stops it.`,
        );
      }
    }
    await new Promise<void>((resolve) => {
      if (!signal) return; // No signal: run until the process ends.
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    await emulator.close();
  }
}
