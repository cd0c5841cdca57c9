/**
 * `npm run bench`: runs every benchmark in turn and writes BENCHMARKS.md.
 *
 * `npm run bench -- seal verify` runs only those (by name) and prints their
 * results without touching BENCHMARKS.md, which always holds a full run.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

import { benchCliStartup } from './cli-startup.js';
import { benchGenerator } from './generator.js';
import { benchHandler } from './handler.js';
import { cleanupAll } from './lib/cleanup.js';
import { describeMachine } from './lib/machine.js';
import { renderMarkdown } from './lib/markdown.js';
import { renderSection, type Section } from './lib/report.js';
import { benchMemory } from './memory.js';
import { benchOverhead } from './overhead.js';
import { benchProfile } from './profile.js';
import { benchRedisStore } from './redis-store.js';
import { benchRefreshStorm } from './refresh-storm.js';
import { benchSeal } from './seal.js';
import { benchVerify } from './verify.js';

const BENCHMARKS: Record<string, () => Promise<Section>> = {
  verify: benchVerify,
  seal: benchSeal,
  overhead: benchOverhead,
  handler: benchHandler,
  memory: benchMemory,
  'refresh-storm': benchRefreshStorm,
  'redis-store': benchRedisStore,
  generator: benchGenerator,
  'cli-startup': benchCliStartup,
  profile: () => benchProfile(),
};

/** Far above a normal run (about 5–8 minutes, more on a busy machine); only a hung benchmark gets here. */
const RUN_LIMIT_MS = 20 * 60_000;

async function main(): Promise<number> {
  const requested = process.argv.slice(2);
  const unknown = requested.filter((name) => !(name in BENCHMARKS));
  if (unknown.length > 0) {
    console.error(`unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(BENCHMARKS).join(', ')}`);
    return 2;
  }
  const names = requested.length > 0 ? requested : Object.keys(BENCHMARKS);
  const machine = describeMachine();
  console.log(`node ${machine.node}, ${machine.cpus} × ${machine.cpuModel}, load average ${machine.loadAtStart.toFixed(1)}`);

  const started = performance.now();
  const sections: Section[] = [];
  for (const name of names) {
    const run = BENCHMARKS[name] as () => Promise<Section>;
    const t0 = performance.now();
    console.log(`\n▶ ${name}`);
    const section = await run();
    sections.push(section);
    console.log(`  ${section.headline}  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  const totalSeconds = (performance.now() - started) / 1000;

  if (requested.length === 0) {
    const target = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));
    await writeFile(target, renderMarkdown(machine, sections, { totalSeconds, loadAtEnd: os.loadavg()[0] ?? 0 }));
    console.log(`\nwrote BENCHMARKS.md (${totalSeconds.toFixed(0)} s)`);
  } else {
    sections.forEach((section, i) => console.log(`\n${renderSection(section, i + 1)}`));
    console.log(`\n(partial run, ${totalSeconds.toFixed(0)} s: BENCHMARKS.md not written)`);
  }
  return 0;
}

const watchdog = setTimeout(() => {
  console.error(`benchmarks still running after ${RUN_LIMIT_MS / 60_000} minutes; stopping`);
  void cleanupAll().finally(() => process.exit(1));
}, RUN_LIMIT_MS);
watchdog.unref();

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: cleaning up`);
    void cleanupAll().finally(() => process.exit(130));
  });
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error(error);
} finally {
  await cleanupAll();
}
// Keep-alive sockets (SDK, fetch) would hold the process open for a few seconds more.
process.exit(code);
