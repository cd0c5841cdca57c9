/**
 * Benchmark 5: how long `generate` takes for the default config, into a
 * project that has none of the files yet (cold) and again with everything
 * already up to date (warm). In-process through the exported `generate`, and
 * as users run it, `node bin/scalekit-session-scaffold.js generate`.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { generate } from '../src/commands/generate.js';
import { createThrowawayProject } from '../src/demo/project.js';
import { buildPlan } from '../src/regen/plan.js';
import { deferCleanup } from './lib/cleanup.js';
import { quietContext } from './lib/project.js';
import type { Section } from './lib/report.js';
import { median, milliseconds, ratio } from './lib/stats.js';

const IN_PROCESS_RUNS = 9;
const CLI_RUNS = 3;
const BIN = fileURLToPath(new URL('../bin/scalekit-session-scaffold.js', import.meta.url));

interface Timings {
  cold: number[];
  warm: number[];
}

export async function benchGenerator(): Promise<Section> {
  const created: string[] = [];
  const removeAll = deferCleanup(async () => {
    for (const dir of created) await rm(dir, { recursive: true, force: true });
  });
  const freshProject = async () => {
    const dir = await createThrowawayProject({ framework: 'express' }, 'sss-bench-generate-');
    created.push(dir);
    return dir;
  };
  try {
    // A first call loads Prettier, Handlebars and the templates (unless an earlier benchmark did): reported on its own.
    const firstDir = await freshProject();
    const first = await timed(() => generate(quietContext(firstDir), { quiet: true }));
    const plan = await buildPlan(quietContext(firstDir), undefined);
    if (plan.entries.some((entry) => entry.action !== 'unchanged')) throw new Error('a second plan right after generate is not all "unchanged"');
    const fileCount = plan.entries.length;

    const inProcess: Timings = { cold: [], warm: [] };
    for (let i = 0; i < IN_PROCESS_RUNS; i++) {
      const dir = await freshProject();
      inProcess.cold.push(await timed(() => generate(quietContext(dir), { quiet: true })));
      inProcess.warm.push(await timed(() => generate(quietContext(dir), { quiet: true })));
    }

    const cli: Timings = { cold: [], warm: [] };
    for (let i = 0; i < CLI_RUNS; i++) {
      const dir = await freshProject();
      cli.cold.push(await timed(() => runBin(dir)));
      cli.warm.push(await timed(() => runBin(dir)));
    }

    const row = (name: string, t: Timings, runs: number) => [
      name,
      String(runs),
      milliseconds(median(t.cold)),
      milliseconds(median(t.warm)),
      ratio(median(t.warm) / median(t.cold)),
      `${milliseconds(Math.min(...t.cold))} – ${milliseconds(Math.max(...t.cold))}`,
    ];
    return {
      title: 'Generator wall time',
      method: [
        `Default config (\`{"framework":"express"}\`, ${fileCount} files). **Cold**: a fresh throwaway project with no generated files and no lock file; **warm**: \`generate\` again in the same project, everything unchanged (it reads, renders, formats and compares every file, then rewrites only the lock file).`,
        `In-process: the exported \`generate(ctx, { quiet: true })\`, ${IN_PROCESS_RUNS} cold/warm pairs, each in a new project, after one discarded warm-up call (${milliseconds(first)}; in a fresh process that call also loads Prettier, Handlebars and the templates). ` +
          `CLI: \`node bin/scalekit-session-scaffold.js generate --quiet\` as a child process (built \`dist/\`), ${CLI_RUNS} pairs, so it includes Node start-up and module loading every time. Medians; project creation is not timed.`,
      ],
      tables: [
        {
          headers: ['how', 'pairs', 'cold (median)', 'warm (median)', 'warm ÷ cold', 'cold range'],
          rows: [row('in-process `generate`', inProcess, IN_PROCESS_RUNS), row('CLI child process', cli, CLI_RUNS)],
        },
      ],
      notes: [
        'Warm is not free: to know that nothing changed it renders, formats and compares every file, which is all of a cold run\'s work except the writes. ' +
          'A cold run also writes each file atomically (temp file, fsync, rename), so the gap between the two depends mostly on the disk; with few runs on a busy machine, read the two as the same order of magnitude rather than as a precise ratio.',
      ],
      headline: `generate: cold ${milliseconds(median(inProcess.cold))}, warm ${milliseconds(median(inProcess.warm))} (${ratio(median(inProcess.warm) / median(inProcess.cold))}) in-process; CLI ${milliseconds(median(cli.cold))} / ${milliseconds(median(cli.warm))}`,
    };
  } finally {
    await removeAll();
  }
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

function runBin(cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, 'generate', '--quiet'], { cwd, timeout: 60_000 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`generate in ${path.basename(cwd)} failed: ${stderr || error.message}`));
      else resolve();
    });
  });
}
