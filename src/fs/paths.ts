import { realpath } from 'node:fs/promises';
import path from 'node:path';

import { CliError } from '../errors.js';

/**
 * Resolves a project-relative path and proves it stays inside the project,
 * following symlinks in the part that already exists: `src/session` being a
 * link to `/etc` is as much an escape as `../../etc`.
 */
export async function resolveInside(root: string, relative: string): Promise<string> {
  const realRoot = await realpath(root);
  const target = path.resolve(realRoot, relative);
  if (!isInside(realRoot, target)) {
    throw new CliError(`Refusing to write ${relative}: it resolves outside the project (${realRoot}).`);
  }
  let existing = target;
  let rest = '';
  for (;;) {
    try {
      const real = await realpath(existing);
      if (!isInside(realRoot, path.join(real, rest))) {
        throw new CliError(`Refusing to write ${relative}: ${path.relative(realRoot, existing)} is a link that leaves the project.`);
      }
      return path.join(real, rest);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      rest = path.join(path.basename(existing), rest);
      existing = path.dirname(existing);
    }
  }
}

function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}
