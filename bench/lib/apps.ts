/** Starting the benchmark app (bench/overhead-app.ts) inside a generated project. */
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { type RunningApp, startApp } from '../../src/demo/project.js';
import type { Emulator } from '../../src/emulator/index.js';
import { deferCleanup } from './cleanup.js';
import { applySessionEnv, createGeneratedProject, type Framework, type GeneratedCrypto, type GeneratedPolicy, type GeneratedProject, sessionEnv } from './project.js';

export type Variant = 'none' | 'generated' | 'sdk';

/** What an app reports about itself at `/__bench/stats`. */
export interface AppStats {
  rss: number;
  heapUsed: number;
  /** User + system CPU time since the process started, µs. */
  cpuUs: number;
}

export interface BenchProject extends GeneratedProject {
  framework: Framework;
  env: Record<string, string>;
  /** `name=value` of a sealed access cookie for `token`, as the generated code would set it. */
  sessionCookie(token: string): string;
}

/**
 * A generated project for `framework` whose `app.ts` is the benchmark app.
 * `keys` is shared by every project in one benchmark, so one process can seal
 * cookies that all their apps open.
 */
export async function createBenchProject(
  framework: Framework,
  emulator: Emulator,
  keys: string,
  prefix: string,
  config: Record<string, unknown> = {},
): Promise<BenchProject> {
  const project = await createGeneratedProject({ framework, ...config }, prefix);
  const env = sessionEnv(emulator, keys);
  applySessionEnv(env);
  const { seal } = await project.load<GeneratedCrypto>('crypto.ts');
  const { COOKIES } = await project.load<GeneratedPolicy>('policy.ts');
  const appModule = fileURLToPath(new URL('../overhead-app.ts', import.meta.url));
  await writeFile(path.join(project.dir, 'app.ts'), `import ${JSON.stringify(pathToFileURL(appModule).href)};\n`);
  return { ...project, framework, env, sessionCookie: (token) => `${COOKIES.access.name}=${seal('access', token)}` };
}

export interface BenchApp extends RunningApp {
  framework: Framework;
  variant: Variant;
}

/** Starts one variant (the app always gets `--expose-gc`); `env` is added to the app's environment. */
export async function startBenchApp(project: BenchProject, variant: Variant, env: Record<string, string> = {}, sessionIndex = project.file('index.ts')): Promise<BenchApp> {
  const app = await startApp(
    project.dir,
    {
      ...project.env,
      BENCH_FRAMEWORK: project.framework,
      BENCH_VARIANT: variant,
      BENCH_SESSION_INDEX: sessionIndex,
      NODE_OPTIONS: [process.env.NODE_OPTIONS, '--expose-gc'].filter(Boolean).join(' '),
      ...env,
    },
    60_000,
  );
  const stop = deferCleanup(() => app.stop());
  return { ...app, stop, framework: project.framework, variant };
}

export async function appStats(url: string, collectFirst: boolean): Promise<AppStats> {
  const response = await fetch(`${url}/__bench/stats${collectFirst ? '?gc=1' : ''}`, { signal: AbortSignal.timeout(10_000) });
  const { memory, cpu } = (await response.json()) as { memory: NodeJS.MemoryUsage; cpu: NodeJS.CpuUsage };
  return { rss: memory.rss, heapUsed: memory.heapUsed, cpuUs: cpu.user + cpu.system };
}

/** Fails unless the app answers 200 with `headers` and (when it guards) 401 without. */
export async function checkGuarding(app: BenchApp, headers: Record<string, string>): Promise<void> {
  const ok = await fetch(`${app.url}/api/me`, { headers, signal: AbortSignal.timeout(10_000) });
  if (ok.status !== 200) throw new Error(`${app.framework} ${app.variant}: /api/me answered ${ok.status} with the session cookie`);
  if (app.variant !== 'none') {
    const refused = await fetch(`${app.url}/api/me`, { signal: AbortSignal.timeout(10_000) });
    if (refused.status !== 401) throw new Error(`${app.framework} ${app.variant}: /api/me answered ${refused.status} without a cookie`);
  }
}

/**
 * A copy of the project's generated code whose routing gate (`mayBeAuthRoute`
 * in the Express routes.ts) always says "maybe", so every request walks
 * the auth router as it did before the gate: its `index.ts`, or undefined when
 * this framework's routes have no gate.
 */
export async function ungatedIndex(project: BenchProject): Promise<string | undefined> {
  const dir = path.dirname(project.file('index.ts'));
  const gate = 'function mayBeAuthRoute(path: string): boolean {';
  const source = await readFile(path.join(dir, 'routes.ts'), 'utf8');
  if (!source.includes(gate)) return undefined;
  const copy = `${dir}-ungated`;
  await cp(dir, copy, { recursive: true });
  await writeFile(path.join(copy, 'routes.ts'), source.replace(gate, `${gate}\n  if (path !== undefined) return true;`));
  return path.join(copy, 'index.ts');
}
