/**
 * Everything a benchmark starts (emulators, apps, temp projects) registers how
 * to stop it here. Benchmarks release what they started in `finally`; the
 * runner releases whatever is left if a benchmark throws or the run is
 * interrupted, so no server or temp folder outlives `npm run bench`.
 */
const pending = new Set<() => Promise<void>>();

/** Registers `release`; the returned function runs it once and forgets it. */
export function deferCleanup(release: () => Promise<void> | void): () => Promise<void> {
  let done = false;
  const once = async () => {
    if (done) return;
    done = true;
    pending.delete(once);
    await release();
  };
  pending.add(once);
  return once;
}

/** Releases everything still registered, newest first; one failure does not stop the rest. */
export async function cleanupAll(): Promise<void> {
  for (const release of [...pending].reverse()) {
    try {
      await release();
    } catch (error) {
      console.error(`cleanup failed: ${(error as Error).message}`);
    }
  }
}
