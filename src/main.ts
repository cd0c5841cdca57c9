import { runCli } from './cli.js';
import type { Context } from './context.js';
import { CliError, ExitCode } from './errors.js';

/** Node's system errors (a file that cannot be read or written, a port in use): the user's environment, not a bug. */
interface SystemError extends Error {
  code: string;
  syscall: string;
  path?: string;
}

function isSystemError(error: unknown): error is SystemError {
  return error instanceof Error && typeof (error as Partial<SystemError>).code === 'string' && typeof (error as Partial<SystemError>).syscall === 'string';
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error as { code?: unknown }).code === 'ABORT_ERR');
}

/** Whether `flag` appears among the options (before any `--`). */
function hasFlag(argv: readonly string[], flag: string): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes(flag);
}

/**
 * Runs the CLI and returns the exit code; the only place errors become codes.
 * Whatever a user can cause (bad flags, bad config, an unwritable folder, a
 * port in use, Ctrl-C) is one line without a stack trace; only a bug in this
 * tool prints "internal error", and its stack only with `--debug`.
 */
export async function main(argv: string[], ctx: Context): Promise<number> {
  const json = hasFlag(argv, '--json');
  const debug = hasFlag(argv, '--debug');
  try {
    await runCli(argv, ctx);
    return ExitCode.ok;
  } catch (error) {
    const report = describe(error, debug);
    if (json) {
      const { message, exitCode, details, suggestion } = report;
      ctx.stderr(JSON.stringify({ error: { message, exitCode, ...(details.length > 0 && { details }), ...(suggestion && { suggestion }) } }));
    } else {
      ctx.stderr(`${report.label}: ${report.message}`);
      for (const detail of report.details) ctx.stderr(`  ${detail}`);
      if (report.suggestion) ctx.stderr(report.suggestion);
    }
    if (debug && error instanceof Error && error.stack) ctx.stderr(error.stack);
    return report.exitCode;
  }
}

interface Report {
  label: 'error' | 'internal error';
  message: string;
  exitCode: number;
  details: readonly string[];
  suggestion: string | undefined;
}

function describe(error: unknown, debug: boolean): Report {
  if (error instanceof CliError) {
    return { label: 'error', message: error.message, exitCode: error.exitCode, details: error.details, suggestion: error.suggestion };
  }
  if (isAbort(error)) {
    return { label: 'error', message: 'Interrupted.', exitCode: ExitCode.interrupted, details: [], suggestion: undefined };
  }
  if (isSystemError(error)) {
    return {
      label: 'error',
      message: error.message,
      exitCode: ExitCode.error,
      details: [],
      suggestion: error.code === 'EADDRINUSE' ? 'Pick another port, or 0 for a free one.' : undefined,
    };
  }
  const message = error instanceof Error ? error.message.split('\n')[0] || error.name : String(error);
  return {
    label: 'internal error',
    message,
    exitCode: ExitCode.error,
    details: [],
    suggestion: debug ? undefined : 'This is a bug in scalekit-session-scaffold. Re-run with --debug for the stack trace and include it when you report it.',
  };
}
