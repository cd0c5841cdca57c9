import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

import { CliError } from '../errors.js';

/** Thrown by the test hook that stops a run as `kill -9` would: no clean-up runs after it. */
export class SimulatedCrash extends Error {
  constructor(step: number, label: string) {
    super(`simulated crash at step ${step} (${label})`);
    this.name = 'SimulatedCrash';
  }
}

/**
 * Counts the durable steps of a run (each temp file written, each rename, each
 * removal) so tests can stop it deterministically after any one of them:
 * `SCALEKIT_SCAFFOLD_CRASH_AT=N` stops at step N (`SCALEKIT_SCAFFOLD_CRASH_MODE=kill`
 * sends SIGKILL to the process itself; otherwise a `SimulatedCrash` skips all
 * clean-up), `SCALEKIT_SCAFFOLD_FAIL_AT=N:CODE` makes step N fail with an
 * errno such as ENOSPC, and `SCALEKIT_SCAFFOLD_WRITE_PAUSE_MS` pauses before each.
 */
export class Steps {
  count = 0;
  private readonly crashAt: number;
  private readonly kill: boolean;
  private readonly failAt: number;
  private readonly failCode: string;
  private readonly pauseMs: number;

  constructor(env: NodeJS.ProcessEnv = {}) {
    this.crashAt = Number(env.SCALEKIT_SCAFFOLD_CRASH_AT ?? 0);
    this.kill = env.SCALEKIT_SCAFFOLD_CRASH_MODE === 'kill';
    const [at, code] = (env.SCALEKIT_SCAFFOLD_FAIL_AT ?? '').split(':');
    this.failAt = Number(at ?? 0);
    this.failCode = code || 'EIO';
    this.pauseMs = Number(env.SCALEKIT_SCAFFOLD_WRITE_PAUSE_MS ?? 0);
  }

  async step(label: string, file?: string): Promise<void> {
    this.count++;
    if (this.pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, this.pauseMs));
    if (this.count === this.crashAt) {
      if (this.kill) process.kill(process.pid, 'SIGKILL');
      throw new SimulatedCrash(this.count, label);
    }
    if (this.count === this.failAt) {
      throw Object.assign(new Error(`${this.failCode}: injected failure, ${label}`), { code: this.failCode, path: file });
    }
  }
}

const NO_STEPS: Pick<Steps, 'step'> = { step: async () => {} };

/**
 * Writes a file so that a reader (or a crash) sees the old content or the
 * new, never half: write a temp file beside it, flush it, rename over. The
 * file keeps its mode (read-only, executable) when it already exists.
 */
export async function writeAtomic(target: string, content: string, steps: Pick<Steps, 'step'> = NO_STEPS): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const mode = await stat(target).then(
    (stats) => stats.mode & 0o7777,
    () => 0o644,
  );
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
    await handle.chmod(mode);
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await steps.step(`wrote ${path.basename(temp)}`, target);
    await rename(temp, target);
  } catch (error) {
    if (!(error instanceof SimulatedCrash)) await rm(temp, { force: true });
    throw error;
  }
  await steps.step(`renamed to ${path.basename(target)}`, target);
}

/** Removes a file (absent is fine), as one counted step. */
export async function removeFile(target: string, steps: Pick<Steps, 'step'> = NO_STEPS): Promise<void> {
  await rm(target, { force: true });
  await steps.step(`removed ${path.basename(target)}`, target);
}

// Temp files of a run stopped mid-write (see writeAtomic): never a user's file.
export const TEMP_FILE_RE = /^\..+\.\d+\.[0-9a-f]{8}\.tmp$/;

const ERRNO_WORDS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  EISDIR: 'a folder is in the way',
  ENOTDIR: 'a file is in the way of a folder',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
  EBUSY: 'the file is busy',
};

/**
 * A file-system error as one clear line (no stack): what failed, why, and
 * that nothing is lost. Anything else passes through unchanged.
 */
export function fsError(error: unknown, root: string): unknown {
  if (error instanceof CliError || error instanceof SimulatedCrash) return error;
  const errno = error as NodeJS.ErrnoException;
  if (typeof errno?.code !== 'string' || !/^E[A-Z]+$/.test(errno.code)) return error;
  const where = errno.path ? ` ${path.relative(root, errno.path) || errno.path}` : '';
  const why = ERRNO_WORDS[errno.code] ?? errno.message;
  return new CliError(`Cannot write${where}: ${why} (${errno.code}).`, {
    cause: error,
    suggestion: 'Nothing is lost: every file is either as before or complete, and the next generate finishes the job once the cause is fixed.',
  });
}
