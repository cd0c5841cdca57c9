import type { Machine } from './machine.js';
import { renderSection, type Section } from './report.js';

/** BENCHMARKS.md: intro, machine, summary, noise note, then one section per benchmark. */
export interface RunInfo {
  totalSeconds: number;
  /** 1-minute load average when the last benchmark finished. */
  loadAtEnd: number;
}

export function renderMarkdown(machine: Machine, sections: Section[], run: RunInfo): string {
  const parts = [
    '# Benchmarks',
    '',
    '<!-- Written by `npm run bench` (bench/run.ts). Edit the benchmarks, not this file. -->',
    '',
    'How the code this tool **generates** compares with the obvious alternatives, measured side by side in the same process or on the same machine in the same run: ' +
      'the Scalekit SDK\'s own token validation and refresh, iron-session\'s sealing, and the same Express, Fastify and Koa routes with no auth at all. ' +
      'Everything runs offline against the local Scalekit emulator, on 127.0.0.1.',
    '',
    'Results are **ratios** between things measured together, and medians over rounds. Absolute numbers are included for scale only: they belong to this machine on this day.',
    '',
    '## Machine',
    '',
    `- Date: ${machine.date}`,
    `- Node.js: ${machine.node}`,
    `- OS: ${machine.platform}`,
    `- CPUs: ${machine.cpus} × ${machine.cpuModel}`,
    `- Memory: ${machine.memory}`,
    `- Whole run: ${Math.round(run.totalSeconds)} s; 1-minute load average ${machine.loadAtStart.toFixed(1)} at the start, ${run.loadAtEnd.toFixed(1)} at the end (on ${machine.cpus} CPUs)`,
    '',
    '## Summary',
    '',
    ...sections.map((section, i) => `${i + 1}. **${section.title}**: ${section.headline}.`),
    '',
    '## About noise',
    '',
    'These machines are shared: other workloads, CPU frequency changes and GC land in the middle of a measurement. To keep that out of the comparisons, ' +
      'each benchmark runs its contenders in the same run, interleaved in rounds with the order rotated, and reports the median of per-round ratios next to the range of those ratios. ' +
      'When that range is wide or includes 1.00×, this run did not resolve the difference. Nothing here is asserted: no test fails on a timing, and a slower result is reported as it came out. ' +
      'Re-run `npm run bench` on your own machine before relying on a number.',
    '',
    ...sections.map((section, i) => renderSection(section, i + 1)),
    '## Reproduce',
    '',
    '```sh',
    'npm ci',
    'npm run bench                       # every benchmark, rewrites BENCHMARKS.md',
    'npm run bench -- seal verify        # some of them, printed only',
    '```',
    '',
    'Benchmarks: `bench/verify.ts`, `bench/seal.ts`, `bench/overhead.ts` (+ `bench/overhead-app.ts`), `bench/handler.ts`, `bench/memory.ts`, `bench/refresh-storm.ts`, `bench/generator.ts`, `bench/cli-startup.ts`, `bench/profile.ts`. ' +
      'Each creates its own throwaway project with `createThrowawayProject`, generates into it with the project\'s own `generate`, starts its own emulator, and removes all of it when done.',
    '',
  ];
  return parts.join('\n');
}
