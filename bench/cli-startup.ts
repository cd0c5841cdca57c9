/**
 * Benchmark 6: how long the CLI takes to start and answer, as users run it
 * (`node bin/scalekit-session-scaffold.js …`, a child process each time),
 * against bare `node -e 0` on the same machine in the same rounds. `check`
 * runs in pre-commit hooks and CI; it should feel instant.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import { generate } from '../src/commands/generate.js';
import { createThrowawayProject } from '../src/demo/project.js';
import { buildPlan } from '../src/regen/plan.js';
import { deferCleanup } from './lib/cleanup.js';
import { quietContext } from './lib/project.js';
import type { Section } from './lib/report.js';
import { median, milliseconds, ratio, spread } from './lib/stats.js';

const ROUNDS = 15;
const BIN = fileURLToPath(new URL('../bin/scalekit-session-scaffold.js', import.meta.url));

interface Case {
  name: string;
  /** Bare-Node multiple this should stay within (issue #11). */
  target: number | undefined;
  args: (round: number) => { args: string[]; cwd: string; expectCode: number };
  times: number[];
  ratios: number[];
}

export async function benchCliStartup(): Promise<Section> {
  const created: string[] = [];
  const removeAll = deferCleanup(async () => {
    for (const dir of created) await rm(dir, { recursive: true, force: true });
  });
  const project = async () => {
    const dir = await createThrowawayProject({ framework: 'express' }, 'sss-bench-cli-');
    created.push(dir);
    return dir;
  };
  try {
    // `check` runs in a project generated once (in sync); each `generate` gets a fresh, never-generated project.
    const inSync = await project();
    await generate(quietContext(inSync), { quiet: true });
    const fileCount = (await buildPlan(quietContext(inSync), undefined)).entries.length;
    const cold: string[] = [];
    for (let i = 0; i < ROUNDS + 1; i++) cold.push(await project());

    const specs: Omit<Case, 'times' | 'ratios'>[] = [
      { name: '`node -e 0` (baseline)', target: undefined, args: () => ({ args: ['-e', '0'], cwd: inSync, expectCode: 0 }) },
      { name: '`--version`', target: 2, args: () => ({ args: [BIN, '--version'], cwd: inSync, expectCode: 0 }) },
      { name: '`--help`', target: 2, args: () => ({ args: [BIN, '--help'], cwd: inSync, expectCode: 0 }) },
      { name: '`check` (in sync)', target: 3, args: () => ({ args: [BIN, 'check', '--quiet'], cwd: inSync, expectCode: 0 }) },
      {
        name: `\`generate\` (cold, ${fileCount} files)`,
        target: 4,
        args: (round) => ({ args: [BIN, 'generate', '--quiet'], cwd: cold[round] as string, expectCode: 0 }),
      },
    ];
    const cases: Case[] = specs.map((c) => ({ ...c, times: [], ratios: [] }));

    // Round 0 warms the disk cache and is discarded; every later round runs each case once, in a rotating order.
    for (let round = 0; round <= ROUNDS; round++) {
      const times = new Map<Case, number>();
      for (let i = 0; i < cases.length; i++) {
        const c = cases[(i + round) % cases.length] as Case;
        times.set(c, await timedRun(c.args(round)));
      }
      if (round === 0) continue;
      const baseline = times.get(cases[0] as Case) as number;
      for (const c of cases) {
        c.times.push(times.get(c) as number);
        c.ratios.push((times.get(c) as number) / baseline);
      }
    }

    const rows = cases.map((c) => {
      const r = median(c.ratios);
      return [c.name, milliseconds(median(c.times)), ratio(r), spread(c.ratios), c.target === undefined ? '—' : `≤ ${c.target}×`, c.target === undefined ? '' : r <= c.target ? 'met' : 'missed'];
    });
    const missed = cases.filter((c) => c.target !== undefined && median(c.ratios) > c.target);
    return {
      title: 'CLI start-up',
      method: [
        `Each command as users run it: \`node bin/scalekit-session-scaffold.js …\` as a child process (built \`dist/\`), wall time from spawn to exit, next to bare \`node -e 0\`. ` +
          `${ROUNDS} rounds after one discarded warm-up round; each round runs every case once, in an order that rotates from round to round, and each ratio is that case ÷ the baseline *in the same round*, so machine load affects both sides. Medians.`,
        `\`check\` runs in a project generated once (everything in sync); \`generate\` runs in a fresh throwaway project each round with no generated files and no lock (the default Express config, ${fileCount} files). Project creation is not timed.`,
      ],
      tables: [{ headers: ['command', 'median', '× bare Node (median)', 'per-round range', 'target', ''], rows }],
      notes: [
        'Each command loads only its own code (`import()` per command) and the argument parser is a few hundred lines with no dependencies, so `--version` and `--help` load no third-party module at all. ' +
          '`check` loads the config schema (zod) and the regeneration plan; `generate` also loads Handlebars and Prettier and formats every file.',
        ...(missed.length > 0 ? [`Missed: ${missed.map((c) => c.name).join(', ')}.`] : []),
      ],
      headline: cases
        .slice(1)
        .map((c) => `${c.name.replace(/`/g, '').replace(/ \(.*\)$/, '')} ${ratio(median(c.ratios))}`)
        .join(', ') + ' of bare Node',
    };
  } finally {
    await removeAll();
  }
}

function timedRun({ args, cwd, expectCode }: { args: string[]; cwd: string; expectCode: number }): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    execFile(process.execPath, args, { cwd, timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } }, (error, _stdout, stderr) => {
      const elapsed = performance.now() - start;
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      if (code !== expectCode) reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`));
      else resolve(elapsed);
    });
  });
}
