import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { CliError } from '../errors.js';

type Prettier = Pick<typeof import('prettier'), 'format' | 'resolveConfig'>;

// One lookup per folder: a project's Prettier does not change while the tool runs.
const byFolder = new Map<string, Promise<Prettier>>();

// Loaded on first use: commands that never format (check's fast path, --help) do not pay for Prettier.
let bundledPrettier: Promise<Prettier> | undefined;
function bundled(): Promise<Prettier> {
  bundledPrettier ??= import('prettier');
  return bundledPrettier;
}

let ownFolder: string | undefined;
function bundledFolder(): string {
  ownFolder ??= path.dirname(realpathSync(createRequire(import.meta.url).resolve('prettier')));
  return ownFolder;
}

/**
 * The project's own Prettier when it has one installed (resolved from where
 * the file will live, as the project's `prettier --check` would find it), so
 * its CI agrees with what was written; this tool's bundled copy otherwise.
 */
function prettierFor(filePath: string): Promise<Prettier> {
  const folder = path.dirname(filePath);
  let found = byFolder.get(folder);
  if (!found) {
    found = (async () => {
      try {
        const resolved = realpathSync(createRequire(path.join(folder, 'noop.js')).resolve('prettier'));
        // The very copy this tool bundles (e.g. a linked node_modules): no second load.
        if (path.dirname(resolved) === bundledFolder()) return bundled();
        const loaded = (await import(pathToFileURL(resolved).href)) as Partial<Prettier> & { default?: Partial<Prettier> };
        const api = typeof loaded.format === 'function' ? loaded : loaded.default;
        if (api && typeof api.format === 'function' && typeof api.resolveConfig === 'function') return api as Prettier;
      } catch {
        // Not installed in the project (or unloadable): the bundled copy formats.
      }
      return bundled();
    })();
    byFolder.set(folder, found);
  }
  return found;
}

/**
 * Formats generated code the way the user's project formats its own: their
 * Prettier, their Prettier config (and .editorconfig) resolved from where the
 * file will live.
 */
export async function formatLikeProject(source: string, filePath: string): Promise<string> {
  const prettier = await prettierFor(filePath);
  let options: Awaited<ReturnType<Prettier['resolveConfig']>>;
  try {
    options = (await prettier.resolveConfig(filePath, { editorconfig: true })) ?? {};
  } catch (error) {
    throw prettierConfigError(error, filePath);
  }
  try {
    const parser = /\.[mc]?js$/.test(filePath) ? 'babel' : 'typescript';
    return await prettier.format(source, { ...options, filepath: filePath, parser });
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
