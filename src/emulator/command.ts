import { startEmulator } from './start.js';

export interface EmulatorCommandOptions {
  port?: number;
  clientId?: string;
  clientSecret?: string;
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
    const variables = {
      SCALEKIT_ENVIRONMENT_URL: emulator.url,
      SCALEKIT_CLIENT_ID: emulator.clientId,
      SCALEKIT_CLIENT_SECRET: emulator.clientSecret,
    };
    if (options.json) stdout(JSON.stringify(variables));
    else {
      for (const [name, value] of Object.entries(variables)) stdout(`export ${name}=${shellQuote(value)}`);
      if (!options.quiet) stdout(`# Scalekit emulator running at ${emulator.url}: set these in your app's environment; Ctrl+C stops it.`);
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
