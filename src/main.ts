import type { Context } from './context.js';
import { CliError, ExitCode } from './errors.js';
import { buildCli } from './cli.js';

/** Runs the CLI and returns the exit code; the only place errors become codes. */
export async function main(argv: string[], ctx: Context): Promise<number> {
  try {
    await buildCli(argv, ctx).parseAsync();
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CliError) {
      ctx.stderr(`error: ${error.message}`);
      for (const detail of error.details) ctx.stderr(`  ${detail}`);
      if (error.suggestion) ctx.stderr(error.suggestion);
      return error.exitCode;
    }
    ctx.stderr(`internal error: ${(error as Error)?.stack ?? String(error)}`);
    return ExitCode.error;
  }
}
