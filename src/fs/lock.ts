import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { CliError } from '../errors.js';

export const LOCK_FILE = 'scalekit-session.lock.json';

/** What the last `generate` wrote: the evidence for "did the user edit this?". */
export interface Lock {
  tool: string;
  version: string;
  configHash: string;
  files: Record<string, { hash: string }>;
}

export function hashText(text: string): string {
  return `sha256-${createHash('sha256').update(text).digest('base64url')}`;
}

export async function readLock(root: string): Promise<Lock | undefined> {
  const file = path.join(root, LOCK_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const lock = JSON.parse(text) as Lock;
    if (typeof lock.files !== 'object' || lock.files === null) throw new Error('no "files" entry');
    return lock;
  } catch (error) {
    throw new CliError(`${LOCK_FILE} is not a lock file this tool wrote: ${(error as Error).message}`, {
      suggestion: `Restore it from version control, or delete it and run generate --force (edited files are backed up).`,
    });
  }
}

export function serializeLock(lock: Lock): string {
  return `${JSON.stringify(lock, null, 2)}\n`;
}
