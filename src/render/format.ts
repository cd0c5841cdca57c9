import path from 'node:path';

import { CliError } from '../errors.js';

/**
 * Formats generated code the way the user's project formats its own: their
 * Prettier config (and .editorconfig) resolved from where the file will live.
 */
export async function formatLikeProject(source: string, filePath: string): Promise<string> {
  // Loaded on first use: commands that never format (check's fast path, --help) do not pay for Prettier.
  const prettier = await import('prettier');
  let options: Awaited<ReturnType<typeof prettier.resolveConfig>>;
  try {
    options = (await prettier.resolveConfig(filePath, { editorconfig: true })) ?? {};
  } catch (error) {
    throw prettierConfigError(error, filePath);
  }
  try {
    return await prettier.format(source, { ...options, filepath: filePath, parser: 'typescript' });
  } catch (error) {
    // A syntax error (it has a location) is in our output: a bug. Anything else is the
    // project's options or plugins, which the user can fix.
    if ((error as { loc?: unknown }).loc !== undefined) throw error;
    throw prettierConfigError(error, filePath);
  }
}

function prettierConfigError(error: unknown, filePath: string): CliError {
  const [first = 'unknown error', ...rest] = String((error as Error)?.message ?? error).split('\n').filter((line) => line.trim() !== '');
  return new CliError(`Your Prettier config (as it applies to ${path.basename(filePath)}) cannot be used: ${first}`, {
    details: rest.slice(0, 5),
    suggestion: 'Fix the Prettier config (or plugin) it names; `npx prettier --find-config-path <file>` shows which file applies. Nothing was written.',
    cause: error,
  });
}
