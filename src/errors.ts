/** Exit codes, as contract §2 defines them. */
export const ExitCode = {
  ok: 0,
  error: 1,
  usage: 2,
  drift: 3,
  conflict: 4,
  /** Ctrl-C or Ctrl-D where an answer was needed: 128 + SIGINT, as shells report it. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

interface CliErrorOptions {
  exitCode?: ExitCode;
  /** What the user can do about it, printed under the message. */
  suggestion?: string;
  /** One line each, printed as a list (e.g. every config problem). */
  details?: readonly string[];
  cause?: unknown;
}

/**
 * The one error type handlers throw. The top-level handler in `main.ts`
 * prints it and maps `exitCode` to the process exit code; nothing else exits.
 */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  readonly suggestion: string | undefined;
  readonly details: readonly string[];

  constructor(message: string, options: CliErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'CliError';
    this.exitCode = options.exitCode ?? ExitCode.error;
    this.suggestion = options.suggestion;
    this.details = options.details ?? [];
  }
}

export class UsageError extends CliError {
  constructor(message: string, suggestion?: string) {
    super(message, { exitCode: ExitCode.usage, suggestion });
    this.name = 'UsageError';
  }
}

/** The user stopped the command (Ctrl-C, or Ctrl-D at a prompt); nothing more is done. */
export class InterruptedError extends CliError {
  constructor(message = 'Interrupted.') {
    super(message, { exitCode: ExitCode.interrupted });
    this.name = 'InterruptedError';
  }
}
