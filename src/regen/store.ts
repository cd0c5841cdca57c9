import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { CliError } from '../errors.js';

export const LOCK_FILE = 'scalekit-session.lock.json';
/** Beside the lock: the exact content last generated, the base of the next three-way merge. */
export const BASE_DIR = '.scalekit-session/base';

/**
 * Where the base of one generated file is kept. The `.base` suffix keeps
 * these copies out of the user's `tsc`, linters and test globs, which would
 * otherwise see every declaration twice.
 */
export function basePath(file: string): string {
  return path.posix.join(BASE_DIR, `${file}.base`);
}

/** What the last `generate` wrote; with the base copies, the evidence for "did the user edit this?". */
export interface Lock {
  tool: string;
  version: string;
  configHash: string;
  files: Record<string, LockEntry>;
}

export interface LockEntry {
  /** Hash of the content generated (and, unless a merge changed it, written). */
  hash: string;
  /** The template it came from, e.g. `express/routes`: a framework switch changes it. */
  template: string;
}

export function hashText(text: string): string {
  return `sha256-${createHash('sha256').update(text).digest('base64url')}`;
}

export async function readLock(root: string): Promise<Lock | undefined> {
  const text = await readOptional(path.join(root, LOCK_FILE));
  if (text === undefined) return undefined;
  try {
    const lock = JSON.parse(text) as Lock;
    if (typeof lock.files !== 'object' || lock.files === null) throw new Error('no "files" entry');
    return lock;
  } catch (error) {
    throw new CliError(`${LOCK_FILE} is not a lock file this tool wrote: ${(error as Error).message}`, {
      suggestion: 'Restore it from version control, or delete it and run generate --force (edited files are backed up).',
    });
  }
}

export function serializeLock(lock: Lock): string {
  return `${JSON.stringify(lock, null, 2)}\n`;
}

/** The base a merge needs: what we generated last, if it is still here and intact. */
export async function readBase(root: string, file: string, entry: LockEntry | undefined): Promise<string | undefined> {
  if (!entry) return undefined;
  const text = await readOptional(path.join(root, basePath(file)));
  return text !== undefined && hashText(text) === entry.hash ? text : undefined;
}

export async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(`Cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}
