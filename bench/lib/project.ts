import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';

import { generate } from '../../src/commands/generate.js';
import type { ConfigInput } from '../../src/config/schema.js';
import type { Context } from '../../src/context.js';
import { createThrowawayProject } from '../../src/demo/project.js';
import type { Emulator } from '../../src/emulator/index.js';
import { deferCleanup } from './cleanup.js';

// The generated modules' types, taken from the default-variant snapshots (as
// test/core does): the benchmarks import the real generated files at run time.
export type GeneratedCrypto = typeof import('../../test/__snapshots__/express/default/crypto.js');
export type GeneratedScalekit = typeof import('../../test/__snapshots__/express/default/scalekit.js');
export type GeneratedSession = typeof import('../../test/__snapshots__/express/default/session.js');
export type GeneratedPolicy = typeof import('../../test/__snapshots__/express/default/policy.js');
export type GeneratedIndex = typeof import('../../test/__snapshots__/express/default/index.js');
export type GeneratedIndexFastify = typeof import('../../test/__snapshots__/fastify/default/index.js');
export type GeneratedIndexKoa = typeof import('../../test/__snapshots__/koa/default/index.js');

export const FRAMEWORKS = ['express', 'fastify', 'koa'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

export interface GeneratedProject {
  /** The throwaway project's root. */
  dir: string;
  /** Imports one generated file (`crypto.ts`, …) through tsx. */
  load<T>(file: string): Promise<T>;
  /** Absolute path of one generated file. */
  file(name: string): string;
  remove(): Promise<void>;
}

/** The context `generate` runs with: quiet, non-interactive, never aborted. */
export function quietContext(dir: string): Context {
  return {
    cwd: dir,
    env: process.env,
    stdout: () => {},
    stderr: (text) => console.error(text),
    interactive: false,
    signal: new AbortController().signal,
  };
}

/**
 * A throwaway project (linked node_modules, config, demo `app.ts`) with the
 * session code generated into it by the project's own `generate`.
 */
export async function createGeneratedProject(config: ConfigInput, prefix: string): Promise<GeneratedProject> {
  const dir = await createThrowawayProject(config, prefix);
  const remove = deferCleanup(() => rm(dir, { recursive: true, force: true }));
  await generate(quietContext(dir), { quiet: true });
  const outDir = path.join(dir, config.outDir ?? 'src/session');
  return {
    dir,
    load: <T>(file: string) => import(path.join(outDir, file)) as Promise<T>,
    file: (name) => path.join(outDir, name),
    remove,
  };
}

/** A keyring entry as `keygen` prints it: `kid:<32 random bytes, base64url>`. */
export function keyEntry(kid = 'bench'): string {
  return `${kid}:${randomBytes(32).toString('base64url')}`;
}

/** The environment the generated code reads, pointed at an emulator. */
export function sessionEnv(emulator: Emulator, keys: string): Record<string, string> {
  return {
    SCALEKIT_ENVIRONMENT_URL: emulator.url,
    SCALEKIT_CLIENT_ID: emulator.clientId,
    SCALEKIT_CLIENT_SECRET: emulator.clientSecret,
    SESSION_ENCRYPTION_KEYS: keys,
  };
}

/**
 * Sets that environment in this process, for generated modules imported
 * in-process. They read it once, on first use, so set it before the first call.
 */
export function applySessionEnv(env: Record<string, string>, appUrl = 'http://127.0.0.1:3000'): void {
  Object.assign(process.env, { APP_URL: appUrl, ...env });
}
