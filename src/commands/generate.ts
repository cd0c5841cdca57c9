import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';

import type { Context } from '../context.js';
import { CliError, ExitCode } from '../errors.js';
import { resolveInside } from '../fs/paths.js';
import { writeAtomic } from '../fs/write.js';
import { afterGenerate, guardOutDir } from '../project/next-steps.js';
import { unifiedDiff } from '../regen/diff.js';
import { type Action, buildPlan, type Plan, type PlanEntry } from '../regen/plan.js';
import { basePath, LOCK_FILE, serializeLock } from '../regen/store.js';

export type ConflictPolicy = 'fail' | 'merge' | 'keep' | 'overwrite';

export interface GenerateOptions {
  config?: string;
  dryRun?: boolean;
  diff?: boolean;
  force?: boolean;
  onConflict?: ConflictPolicy;
  restore?: boolean;
  json?: boolean;
  quiet?: boolean;
  /** Install what a framework switch newly needs (default); false prints the command instead. */
  install?: boolean;
}

/** Edited files a policy would overwrite: each gets a `.bak` first. */
const EDITED: readonly Action[] = ['merge', 'conflict', 'keep'];

/**
 * Regenerates: applies the plan file by file (each write atomic), then the
 * merge bases, then the lock, last, so an interrupted run leaves every file
 * old or new and the next run finishes the job.
 */
export async function generate(ctx: Context, options: GenerateOptions): Promise<void> {
  const policy: ConflictPolicy = options.force ? 'overwrite' : (options.onConflict ?? 'merge');
  const plan = await buildPlan(ctx, options.config);
  await guardOutDir(ctx, options.config, plan, policy);
  const decided = plan.entries.map((entry) => decide(entry, policy, Boolean(options.restore)));
  const conflicts = decided.filter((entry) => entry.action === 'conflict');

  report(ctx, plan, decided, options);
  if (options.dryRun) return;
  if (conflicts.length > 0 && policy === 'fail') {
    throw conflictError(conflicts, 'nothing was written (--on-conflict fail)');
  }

  await removeStaleTempFiles(decided);
  // Test hook: a pause before each file, so a test can kill the process mid-run.
  const pauseMs = Number(ctx.env.SCALEKIT_SCAFFOLD_WRITE_PAUSE_MS ?? 0);
  for (const entry of decided) {
    if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    if (entry.backup) await writeAtomic(`${entry.target}.bak`, entry.current ?? '');
    if (entry.movedTo) await writeAtomic(await resolveInside(plan.root, entry.movedTo), entry.current ?? '');
    if (entry.write !== undefined) await writeAtomic(entry.target, entry.write);
    else if (entry.action === 'delete') await rm(entry.target, { force: true });
  }
  await writeBases(plan);
  await writeAtomic(await resolveInside(plan.root, LOCK_FILE), serializeLock(plan.lock));

  if (!options.json && !options.quiet) {
    const changed = decided.filter((entry) => entry.write !== undefined || entry.action === 'delete').length;
    ctx.stdout(changed === 0 ? 'Everything is up to date.' : `Wrote ${changed} file${changed === 1 ? '' : 's'} and ${LOCK_FILE}.`);
  }
  if (conflicts.length > 0 && policy === 'merge') {
    throw conflictError(conflicts, 'they were written with conflict markers (<<<<<<< yours / >>>>>>> generated)');
  }
  await afterGenerate(ctx, options.config, plan, { install: options.install !== false, json: options.json, quiet: options.quiet });
}

interface Decided extends PlanEntry {
  /** The content to write, if any. */
  write: string | undefined;
  backup: boolean;
}

/** Applies the conflict policy and --restore to one planned file. */
function decide(entry: PlanEntry, policy: ConflictPolicy, restore: boolean): Decided {
  const same = { ...entry, write: undefined, backup: false };
  switch (entry.action) {
    case 'create':
    case 'update':
    case 'merge':
      if (policy === 'overwrite' && entry.action === 'merge') return { ...entry, write: entry.generated, backup: true };
      return { ...entry, write: entry.next, backup: false };
    case 'conflict':
      if (policy === 'overwrite') return { ...entry, write: entry.generated, backup: true };
      if (policy === 'keep') return { ...same, action: 'keep', reason: `${entry.reason}; kept yours (--on-conflict keep)` };
      return { ...entry, write: entry.next, backup: false };
    case 'keep':
      return policy === 'overwrite' ? { ...entry, write: entry.generated, backup: true } : same;
    case 'missing':
      return restore ? { ...entry, action: 'create', reason: 'restored (--restore)', write: entry.generated, backup: false } : same;
    case 'orphan':
      // A framework switch: the edited file moves aside and the new one takes its path.
      return entry.movedTo ? { ...entry, write: entry.generated, backup: false } : same;
    default:
      return same;
  }
}

function report(ctx: Context, plan: Plan, entries: Decided[], options: GenerateOptions): void {
  if (options.json) {
    const files = entries.map((entry) => ({
      path: entry.path,
      action: entry.action,
      reason: entry.reason,
      bytes: Buffer.byteLength(entry.write ?? entry.current ?? ''),
      ...(entry.movedTo && { movedTo: entry.movedTo }),
      ...(EDITED.includes(entry.action) && entry.backup && { backup: `${entry.path}.bak` }),
    }));
    ctx.stdout(JSON.stringify({ dryRun: Boolean(options.dryRun), files, warnings: plan.warnings }, null, 2));
    return;
  }
  if (options.quiet && !options.dryRun) return;
  for (const warning of plan.warnings) ctx.stderr(`warning: ${warning}`);
  const prefix = options.dryRun ? '[dry-run] ' : '';
  for (const entry of entries) {
    const note = entry.action === 'unchanged' ? '' : `  (${entry.reason}${entry.backup ? `; backup in ${path.basename(entry.path)}.bak` : ''})`;
    ctx.stdout(`${prefix}${entry.action.padEnd(9)} ${entry.path}${note}`);
  }
  if (options.diff) {
    for (const entry of entries) {
      const after = entry.action === 'delete' ? '' : (entry.write ?? entry.current ?? '');
      const text = unifiedDiff(entry.path, entry.current ?? '', after);
      if (text) ctx.stdout(text);
    }
  }
}

// Temp files of a run killed mid-write (see writeAtomic): never a user's file.
const TEMP_FILE_RE = /^\..+\.\d+\.[0-9a-f]{8}\.tmp$/;

async function removeStaleTempFiles(entries: PlanEntry[]): Promise<void> {
  for (const dir of new Set(entries.map((entry) => path.dirname(entry.target)))) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) if (TEMP_FILE_RE.test(name)) await rm(path.join(dir, name), { force: true });
  }
}

/** Copies of what was generated, the base for the next three-way merge. */
async function writeBases(plan: Plan): Promise<void> {
  for (const entry of plan.entries) {
    const target = await resolveInside(plan.root, basePath(entry.path));
    if (entry.generated === undefined) await rm(target, { force: true });
    else await writeAtomic(target, entry.generated);
  }
}

function conflictError(conflicts: PlanEntry[], what: string): CliError {
  return new CliError(`${conflicts.length} file${conflicts.length === 1 ? '' : 's'} could not be merged cleanly; ${what}.`, {
    exitCode: ExitCode.conflict,
    details: conflicts.map((entry) => `${entry.path}: ${entry.reason}`),
    suggestion: 'Resolve them, or re-run with --on-conflict keep|overwrite (overwrite backs up your file to .bak).',
  });
}
