import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { CONFIG_FILE, loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { Context } from '../context.js';
import { CliError } from '../errors.js';
import { hashText, LOCK_FILE, type Lock, readLock, serializeLock } from '../fs/lock.js';
import { resolveInside } from '../fs/paths.js';
import { writeAtomic } from '../fs/write.js';
import { renderProject } from '../render/plan.js';
import { toolName, toolVersion } from '../version.js';

export interface GenerateOptions {
  config?: string;
  dryRun?: boolean;
  force?: boolean;
  json?: boolean;
  quiet?: boolean;
}

/**
 * - create: not on disk yet
 * - update: on disk as we last wrote it, and the output changed
 * - unchanged: already exactly the output
 * - edited: changed by the user since we wrote it (or not written by us);
 *   never overwritten without --force, and then backed up first
 */
export type Action = 'create' | 'update' | 'unchanged' | 'edited';

export interface PlanEntry {
  path: string;
  action: Action;
  content: string;
  /** Absolute path, proven to be inside the project. */
  target: string;
}

export interface Plan {
  root: string;
  entries: PlanEntry[];
  warnings: string[];
  lock: Lock;
}

/** Builds the whole change in memory; reads the disk, never writes it. */
export async function buildPlan(ctx: Context, options: GenerateOptions): Promise<Plan> {
  const { config, root } = await loadConfig(ctx.cwd, options.config);
  const rendering = await renderProject(config, root);
  const previous = await readLock(root);
  const entries: PlanEntry[] = [];
  for (const file of rendering.files) {
    const target = await resolveInside(root, file.path);
    const onDisk = await readIfExists(target);
    let action: Action;
    if (onDisk === undefined) action = 'create';
    else if (onDisk === file.content) action = 'unchanged';
    else if (previous?.files[file.path]?.hash === hashText(onDisk)) action = 'update';
    else action = 'edited';
    entries.push({ path: file.path, action, content: file.content, target });
  }
  const lock: Lock = {
    tool: toolName,
    version: toolVersion,
    configHash: hashText(canonicalJson(config)),
    files: Object.fromEntries(rendering.files.map((file) => [file.path, { hash: hashText(file.content) }])),
  };
  return { root, entries, warnings: rendering.warnings, lock };
}

export async function generate(ctx: Context, options: GenerateOptions): Promise<void> {
  const plan = await buildPlan(ctx, options);
  const edited = plan.entries.filter((entry) => entry.action === 'edited');

  if (options.json) {
    ctx.stdout(JSON.stringify(describePlan(plan, options), null, 2));
  } else if (!options.quiet || options.dryRun) {
    for (const warning of plan.warnings) ctx.stderr(`warning: ${warning}`);
    for (const entry of plan.entries) ctx.stdout(`${label(entry.action, options)} ${entry.path}`);
  }
  if (options.dryRun) return;

  if (edited.length > 0 && !options.force) {
    throw new CliError(`${edited.length} generated file${edited.length === 1 ? ' was' : 's were'} edited since the last generate; nothing was written.`, {
      details: edited.map((entry) => `${entry.path}: edited, would be overwritten`),
      suggestion: 'Re-run with --force to overwrite them (each is backed up to <file>.bak first).',
    });
  }
  for (const entry of edited) {
    await writeAtomic(`${entry.target}.bak`, (await readIfExists(entry.target)) ?? '');
  }
  for (const entry of plan.entries) {
    if (entry.action !== 'unchanged') await writeAtomic(entry.target, entry.content);
  }
  // Written last: an interrupted run leaves the previous lock, and the next
  // run sees finished files as "unchanged" and completes the rest.
  await writeAtomic(await resolveInside(plan.root, LOCK_FILE), serializeLock(plan.lock));
  if (!options.json && !options.quiet) {
    const changed = plan.entries.filter((entry) => entry.action !== 'unchanged').length;
    ctx.stdout(changed === 0 ? 'Everything is up to date.' : `Wrote ${changed} file${changed === 1 ? '' : 's'} and ${LOCK_FILE}.`);
  }
}

function label(action: Action, options: GenerateOptions): string {
  const verb = { create: 'create', update: 'update', unchanged: 'same  ', edited: options.force ? 'force ' : 'edited' }[action];
  return options.dryRun ? `[dry-run] ${verb}` : verb;
}

function describePlan(plan: Plan, options: GenerateOptions) {
  return {
    dryRun: Boolean(options.dryRun),
    configFile: CONFIG_FILE,
    files: plan.entries.map((entry) => ({ path: entry.path, action: entry.action, bytes: Buffer.byteLength(entry.content) })),
    warnings: plan.warnings,
  };
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(`Cannot read ${path.basename(file)}: ${(error as Error).message}`, { cause: error });
  }
}

/** JSON with sorted keys, so the config hash ignores key order. */
export function canonicalJson(value: Config | unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}
