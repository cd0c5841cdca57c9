/**
 * Benchmark 6: where the time goes. A V8 CPU profile (the profiler behind
 * `node --cpu-prof`, started and stopped over `node:inspector` so it covers
 * only the load window) of the generated app on each framework while
 * autocannon loads `GET /api/me` behind `requireSession`, summarised as the
 * functions with the most self time.
 *
 * Also runnable alone to print the summary and keep the raw profiles:
 * `node --import tsx bench/profile.ts [outDir]` (after `npm run build`).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import autocannon from 'autocannon';

import { startEmulator } from '../src/emulator/index.js';
import { type BenchProject, checkGuarding, createBenchProject, startBenchApp, ungatedIndex } from './lib/apps.js';
import { cleanupAll, deferCleanup } from './lib/cleanup.js';
import { FRAMEWORKS, keyEntry } from './lib/project.js';
import type { Section, Table } from './lib/report.js';

const WARMUP_SECONDS = 1;
const PROFILE_SECONDS = Number(process.env.BENCH_PROFILE_SECONDS ?? 4);
const TOP = 8;

/** The parts of a `.cpuprofile` this reads. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** The framework, and which code when there is more than one run for it. */
  label: string;
  /** Samples that were not idle. */
  busySamples: number;
  top: { name: string; where: string; share: number }[];
  /** Busy samples by where the code lives. */
  areas: Record<string, number>;
  /** Busy samples in the `router` package (Express's router). */
  router: number;
}

export async function benchProfile(outDir?: string): Promise<Section> {
  const summaries: ProfileSummary[] = [];
  const emulator = await startEmulator();
  const closeEmulator = deferCleanup(() => emulator.close());
  const keys = keyEntry();
  try {
    const token = await emulator.controls.mintAccessToken({}, { ttlSeconds: 3600 });
    for (const framework of FRAMEWORKS) {
      const project = await createBenchProject(framework, emulator, keys, `sss-bench-profile-${framework}-`);
      // Express also without its routing gate: the profile before that change.
      const ungated = await ungatedIndex(project);
      const runs: [string, string][] = [[framework, project.file('index.ts')]];
      if (ungated) runs.push([`${framework}, routing gate off`, ungated]);
      try {
        for (const [label, index] of runs) summaries.push(await profileApp(project, label, index, token, outDir));
      } finally {
        await project.remove();
      }
    }
  } finally {
    await closeEmulator();
  }
  const express = summaries.find((s) => s.label === 'express');
  const expressOff = summaries.find((s) => s.label === 'express, routing gate off');
  const share = (s: ProfileSummary | undefined, of: number | undefined) => (s ? percent((of ?? 0) / s.busySamples) : 'n/a');
  return {
    title: 'Where the time goes (CPU profiles)',
    method: [
      `The generated app (default config, wired as the README shows) on each framework, and on Express the same with the routing gate off, loaded by autocannon on \`GET /api/me\` behind \`requireSession\` (10 connections, same sealed cookie, ${WARMUP_SECONDS} s warm-up, then ${PROFILE_SECONDS} s profiled). ` +
        'The profile is V8\'s sampling CPU profiler (the one `node --cpu-prof` runs; 200 µs interval), started and stopped through `node:inspector` inside the app so start-up and TypeScript compilation stay out of it. ' +
        '"Self" is the share of non-idle samples whose top frame is that function; "generated" is the code in the project\'s `src/session/`. `bench/profile.ts` produces this summary (and, run alone with a folder argument, keeps the raw `.cpuprofile` files for Chrome DevTools).',
    ],
    tables: [
      {
        headers: ['framework', 'busy samples', ...AREAS],
        rows: summaries.map((s) => [s.label, String(s.busySamples), ...AREAS.map((area) => percent((s.areas[area] ?? 0) / s.busySamples))]),
      },
      ...summaries.map((s): Table => ({
        headers: [`${s.label}: function`, 'where', 'self'],
        rows: s.top.map((t) => [t.name, t.where, percent(t.share)]),
      })),
    ],
    notes: [
      'Before any issue-13 change (recorded with this script on 2026-11-30 at commit cdb7d18, load average ~16 on 2 CPUs): the generated code was 4.8% (Express), 7.6% (Fastify) and 5.1% (Koa) of busy CPU; ' +
        'on every framework the top self time was the socket write (`writev`, 19–33%), then the framework itself (Express router `handle`/`next` 6.9%, Koa `parseurl` 2.4%), with `openVerified` (1.7–2.5%) and `parseCookies` (2.1% on Fastify) the largest generated functions.',
      `The one change made for speed here, the Express routing gate, side by side in this run: the \`router\` package (Express's router: the auth router's stack walk and the app's own routing) is ${share(expressOff, expressOff?.router)} of busy CPU with the gate off and ${share(express, express?.router)} with it on.`,
    ],
    headline: summaries
      .map((s) => `${s.label}: generated code ${percent((s.areas.generated ?? 0) / s.busySamples)} of busy CPU, top ${s.top[0]?.name ?? '?'} ${percent(s.top[0]?.share ?? 0)}`)
      .join('; '),
  };
}

/** Profiles one app under load (`index`: the generated index.ts it runs) and summarises it. */
async function profileApp(project: BenchProject, label: string, index: string, token: string, outDir: string | undefined): Promise<ProfileSummary> {
  const app = await startBenchApp(project, 'generated', { BENCH_PROFILE: '1' }, index);
  try {
    const headers = { cookie: project.sessionCookie(token) };
    await checkGuarding(app, headers);
    const run = (duration: number) => autocannon({ url: `${app.url}/api/me`, connections: 10, duration, headers });
    await run(WARMUP_SECONDS);
    await fetch(`${app.url}/__bench/profile`, { method: 'POST' });
    const result = await run(PROFILE_SECONDS);
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`${label}: ${result.non2xx} non-2xx and ${result.errors} errors while profiling`);
    const profile = (await (await fetch(`${app.url}/__bench/profile`)).json()) as CpuProfile;
    if (outDir) {
      await mkdir(outDir, { recursive: true });
      await writeFile(path.join(outDir, `${label.replace(/[^a-z]+/g, '-')}.cpuprofile`), JSON.stringify(profile));
    }
    return summarise(label, profile);
  } finally {
    await app.stop();
  }
}

const AREAS = ['generated', 'framework', 'other packages', 'node internals', 'GC', 'program / native'] as const;

const GENERATED_DIR = /\/src\/session(?:-[a-z0-9]+)?\//;

function area(url: string, name: string): (typeof AREAS)[number] {
  if (name === '(garbage collector)') return 'GC';
  if (url === '') return 'program / native';
  // The project's src/session/, or a copy of it beside it (src/session-ungated/).
  if (GENERATED_DIR.test(url)) return 'generated';
  if (/node_modules\/(express|router|fastify|find-my-way|light-my-request|avvio|koa|@koa|@fastify|body-parser|finalhandler|send|on-finished|path-to-regexp|koa-compose)/.test(url)) return 'framework';
  if (url.includes('node_modules/')) return 'other packages';
  return 'node internals';
}

export function summarise(label: string, profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const counts = new Map<number, number>();
  for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
  const byFunction = new Map<string, { name: string; where: string; samples: number }>();
  const areas: Record<string, number> = {};
  let busy = 0;
  let router = 0;
  for (const [id, samples] of counts) {
    const frame = byId.get(id)?.callFrame;
    if (!frame || frame.functionName === '(idle)') continue;
    busy += samples;
    const kind = area(frame.url, frame.functionName);
    areas[kind] = (areas[kind] ?? 0) + samples;
    if (frame.url.includes('node_modules/router/')) router += samples;
    // tsx compiles each generated file to one line, so a line number there says nothing.
    const line = kind === 'generated' ? '' : `:${frame.lineNumber + 1}`;
    const where = frame.url === '' ? '' : `${shortUrl(frame.url)}${line}`;
    const key = `${frame.functionName}@${where}`;
    const entry = byFunction.get(key) ?? { name: frame.functionName || '(anonymous)', where, samples: 0 };
    entry.samples += samples;
    byFunction.set(key, entry);
  }
  const top = [...byFunction.values()]
    .sort((a, b) => b.samples - a.samples)
    .slice(0, TOP)
    .map((entry) => ({ name: entry.name, where: entry.where, share: entry.samples / busy }));
  return { label, busySamples: busy, top, areas, router };
}

function shortUrl(url: string): string {
  const generated = GENERATED_DIR.exec(url);
  if (generated) return `generated ${url.slice(generated.index + generated[0].length)}`;
  const modules = url.lastIndexOf('node_modules/');
  if (modules !== -1) return url.slice(modules + 'node_modules/'.length);
  return url.replace(/^node:/, 'node:');
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { renderSection } = await import('./lib/report.js');
  try {
    console.log(renderSection(await benchProfile(process.argv[2]), 6));
  } finally {
    await cleanupAll();
  }
  process.exit(0);
}
