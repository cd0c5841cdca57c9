import { randomBytes } from 'node:crypto';
import { mkdir, open, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';

import { CliError } from '../errors.js';
import { SimulatedCrash } from '../fs/write.js';
import { readOptional, STATE_DIR } from './store.js';

/** Held while `generate` writes: a second run waits for it, then plans on what the first left. */
export const RUN_LOCK = `${STATE_DIR}/run.lock`;

interface Holder {
  pid: number;
  started: number;
  token: string;
}

// Tokens of run locks this process holds now (a lock with our pid but another token is left from a crashed in-process run).
const held = new Set<string>();

/** A lock older than this is stale whatever its pid says (pids are reused). */
const MAX_AGE_MS = 60 * 60 * 1000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isStale(file: string, holder: Holder | undefined): Promise<boolean> {
  if (!holder) {
    // Unreadable: a run died between creating and filling it, or it is being written right now.
    const age = await stat(file).then((s) => Date.now() - s.mtimeMs, () => Infinity);
    return age > 5_000;
  }
  if (Date.now() - holder.started > MAX_AGE_MS) return true;
  if (holder.pid === process.pid) return !held.has(holder.token);
  return !alive(holder.pid);
}

/**
 * Runs `fn` holding the project's run lock. Another live run makes this one
 * wait (up to `SCALEKIT_SCAFFOLD_LOCK_WAIT_MS`, default 30 s) and then fail
 * with a clear message; a lock whose process is gone is taken over.
 */
export async function withRunLock<T>(root: string, env: NodeJS.ProcessEnv, fn: () => Promise<T>): Promise<T> {
  const file = path.join(root, RUN_LOCK);
  // mkdir returns the first folder it created: a run that fails before writing anything leaves no trace.
  const created = await mkdir(path.dirname(file), { recursive: true });
  const waitMs = Number(env.SCALEKIT_SCAFFOLD_LOCK_WAIT_MS ?? 30_000);
  const deadline = Date.now() + waitMs;
  const token = randomBytes(8).toString('hex');
  for (;;) {
    try {
      const handle = await open(file, 'wx', 0o644);
      try {
        await handle.writeFile(JSON.stringify({ pid: process.pid, started: Date.now(), token } satisfies Holder));
      } finally {
        await handle.close();
      }
      held.add(token);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const text = await readOptional(file);
    let holder: Holder | undefined;
    try {
      holder = JSON.parse(text ?? '') as Holder;
    } catch {
      holder = undefined;
    }
    if (await isStale(file, holder)) {
      // Only the lock judged stale is removed, not one another run took over in between.
      if ((await readOptional(file)) === text) await rm(file, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      const who = holder ? `pid ${holder.pid}, started ${new Date(holder.started).toISOString()}` : 'starting';
      throw new CliError(`Another generate is running in this project (${who}); nothing was written.`, {
        suggestion: `Wait for it to finish and run generate again. If that process no longer exists, delete ${RUN_LOCK}.`,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  let crashed = false;
  try {
    return await fn();
  } catch (error) {
    crashed = error instanceof SimulatedCrash;
    throw error;
  } finally {
    held.delete(token);
    // A simulated crash leaves the lock behind, as a killed process would.
    if (!crashed) {
      await rm(file, { force: true });
      if (created) await rmdir(created).catch(() => {});
    }
  }
}
