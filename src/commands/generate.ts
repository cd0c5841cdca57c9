import { readdir, realpath, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';

import type { Context } from '../context.js';
import { CliError, ExitCode } from '../errors.js';
import { resolveInside } from '../fs/paths.js';
import { fsError, removeFile, Steps, TEMP_FILE_RE, writeAtomic } from '../fs/write.js';
import { afterGenerate, guardOutDir } from '../project/next-steps.js';
import { unifiedDiff } from '../regen/diff.js';
import { baseStored, buildPlan, type Plan, type PlanEntry } from '../regen/plan.js';
import { withRunLock } from '../regen/runlock.js';
import {
  BASE_DIR,
  basePath,
  hashContent,
  hashText,
  type Journal,
  JOURNAL_FILE,
  type Lock,
  type LockEntry,
  LOCK_FILE,
  NO_BASE,
  readOptional,
  serializeLock,
  STATE_DIR,
  toLf,
} from '../regen/store.js';

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

/**
 * Regenerates, so that every prefix of the run on disk recovers: new merge
 * bases first (by content hash: they never replace one the old lock needs),
 * then a journal naming the lock this run will write, then each file (atomic),
 * then the lock, then the journal goes and unused bases are collected. A run
 * stopped anywhere leaves every file old or new, and the next run, reading the
 * journal, knows which files this one already finished.
 */
export async function generate(ctx: Context, options: GenerateOptions): Promise<void> {
  const policy: Policy = options.force ? 'force' : (options.onConflict ?? 'merge');
  if (options.dryRun) {
    const plan = await buildPlan(ctx, options.config);
    const decided = await decideAll(plan, policy, Boolean(options.restore));
    report(ctx, plan, decided, options);
    // The exit code the real run would have.
    const failing = unresolved(decided, policy);
    if (failing.length > 0) throw conflictError(failing, policy, 'dry run: nothing was written');
    return;
  }
  const root = await projectRoot(ctx, options.config);
  try {
    await withRunLock(root, ctx.env, () => run(ctx, options, policy));
  } catch (error) {
    throw fsError(error, root);
  }
}

async function projectRoot(ctx: Context, configPath: string | undefined): Promise<string> {
  const { loadConfig } = await import('../config/load.js');
  return (await loadConfig(ctx.cwd, configPath)).root;
}

async function run(ctx: Context, options: GenerateOptions, policy: Policy): Promise<void> {
  const plan = await buildPlan(ctx, options.config);
  await guardOutDir(ctx, options.config, plan, policy);
  const decided = await decideAll(plan, policy, Boolean(options.restore));
  report(ctx, plan, decided, options);
  const failing = unresolved(decided, policy);
  if (failing.length > 0 && policy === 'fail') throw conflictError(failing, policy, 'nothing was written (--on-conflict fail)');

  const steps = new Steps(ctx.env);
  const { root } = plan;
  const lock: Lock = { ...plan.lock, files: Object.fromEntries(decided.flatMap((entry) => (entry.lockEntry ? [[entry.path, entry.lockEntry]] : []))) };
  await removeStaleTempFiles(root, decided);

  // 1. Bases the new lock points at, each under its own hash.
  for (const hash of new Set(Object.values(lock.files).map((entry) => entry.hash))) {
    const content = plan.bases.get(hash);
    if (hash === NO_BASE || content === undefined || (await baseStored(root, hash))) continue;
    await writeAtomic(await resolveInside(root, basePath(hash)), content, steps);
  }
  // 2. The journal: what this run will leave, so a stop from here on is read back exactly.
  const moved = Object.fromEntries(decided.flatMap((entry) => (entry.movedFrom && entry.write !== undefined ? [[entry.movedFrom, entry.path]] : [])));
  const copies = decided.flatMap((entry) => [entry.backup, entry.movedTo].filter((name): name is string => name !== undefined));
  const journal: Journal = { lock, moved, copies: [...new Set([...plan.copiesFromStoppedRun, ...copies])] };
  await writeAtomic(await resolveInside(root, JOURNAL_FILE), `${JSON.stringify(journal, null, 2)}\n`, steps);
  // 3. The files: a backup (never over an earlier one) before anything replaces an edited file.
  for (const entry of decided) {
    if (entry.backup) await writeAtomic(await resolveInside(root, entry.backup), entry.current ?? '', steps);
    if (entry.movedTo) await writeAtomic(await resolveInside(root, entry.movedTo), entry.current ?? '', steps);
    if (entry.write !== undefined) await writeAtomic(entry.target, entry.write, steps);
    else if (entry.action === 'delete') await removeFile(entry.target, steps);
  }
  await removeEmptyFolders(root, decided);
  // 4. The lock, then the journal goes and bases nothing points at are collected.
  await writeAtomic(await resolveInside(root, LOCK_FILE), serializeLock(lock), steps);
  await removeFile(await resolveInside(root, JOURNAL_FILE), steps);
  await collectBases(root, lock);

  if (!options.json && !options.quiet) {
    const changed = decided.filter((entry) => entry.write !== undefined || entry.action === 'delete').length;
    ctx.stdout(changed === 0 ? 'Everything is up to date.' : `Wrote ${changed} file${changed === 1 ? '' : 's'} and ${LOCK_FILE}.`);
  }
  const keptConflicts = decided.filter((entry) => entry.keptConflict);
  if (keptConflicts.length > 0 && !options.json && !options.quiet) {
    for (const entry of keptConflicts) {
      ctx.stderr(`warning: ${entry.path} keeps your lines where they conflict with the new output; \`check\` reports it until you resolve it.`);
    }
  }
  await afterGenerate(ctx, options.config, plan, { install: options.install !== false, json: options.json, quiet: options.quiet });
  if (failing.length > 0) throw conflictError(failing, policy, 'they are listed below');
}

type Policy = ConflictPolicy | 'force';

interface Decided extends PlanEntry {
  /** The content to write, if any. */
  write: string | undefined;
  /** Where the user's file is copied before it is replaced (a fresh name). */
  backup?: string;
  /** The lock entry after this policy. */
  lockEntry: LockEntry | undefined;
  /** Conflicting regions left as the user's lines (--on-conflict keep). */
  keptConflict?: boolean;
}

async function decideAll(plan: Plan, policy: Policy, restore: boolean): Promise<Decided[]> {
  const taken = new Set<string>();
  const decided: Decided[] = [];
  for (const entry of plan.entries) {
    const choice = decide(entry, policy, restore);
    // The lock (and the journal) record what is really written: how a stopped run is read back.
    if (choice.write !== undefined && choice.lockEntry) choice.lockEntry = { ...choice.lockEntry, file: hashContent(choice.write) };
    if (choice.backup) choice.backup = await freeName(plan.root, choice.backup, entry.current ?? '', taken);
    if (choice.movedTo) choice.movedTo = await freeName(plan.root, choice.movedTo, entry.current ?? '', taken);
    decided.push(choice);
  }
  return decided;
}

/**
 * A name for a copy that never replaces an earlier copy: `name`, then
 * `name` with `.1`, `.2`, … before its last extension. A copy with exactly this
 * content already there is reused (a re-run after a crash makes no second copy).
 */
async function freeName(root: string, wanted: string, content: string, taken: Set<string>): Promise<string> {
  const ext = path.posix.extname(wanted);
  const stem = wanted.slice(0, wanted.length - ext.length);
  for (let n = 0; ; n++) {
    const candidate = n === 0 ? wanted : `${stem}.${n}${ext}`;
    if (taken.has(candidate)) continue;
    const existing = await readOptional(await resolveInside(root, candidate));
    if (existing === undefined || existing === content) {
      taken.add(candidate);
      return candidate;
    }
  }
}

/** Applies the conflict policy and --restore to one planned file. */
function decide(entry: PlanEntry, policy: Policy, restore: boolean): Decided {
  const gHash = entry.generated === undefined ? undefined : hashContent(entry.generated);
  const fresh: LockEntry | undefined = gHash && entry.lockEntry ? { hash: gHash, template: entry.lockEntry.template, file: gHash } : undefined;
  const same: Decided = { ...entry, write: undefined };
  const replace = (why: string): Decided => ({
    ...entry,
    write: entry.generated,
    lockEntry: fresh,
    backup: `${entry.path}.bak`,
    reason: `${entry.reason}; ${why}`,
  });
  switch (entry.action) {
    case 'create':
    case 'update':
      return { ...entry, write: entry.next };
    case 'merge':
    case 'move':
    case 'keep':
      if (policy === 'force' && entry.edited) return replace('replaced (--force)');
      return { ...entry, write: entry.action === 'keep' ? undefined : entry.next };
    case 'conflict': {
      if (policy === 'force' || policy === 'overwrite') return replace(`replaced (${policy === 'force' ? '--force' : '--on-conflict overwrite'})`);
      const choice = entry.conflict!;
      const moving = entry.movedFrom !== undefined;
      if (choice.marked === undefined) return { ...entry, write: moving ? entry.current : undefined };
      if (policy === 'keep') {
        const write = moving || toLf(choice.yours) !== toLf(entry.current ?? '') ? choice.yours : undefined;
        return {
          ...entry,
          write,
          keptConflict: true,
          lockEntry: { hash: choice.baseHash, template: entry.lockEntry!.template, file: hashText(toLf(choice.yours)), conflict: true },
          reason: `${entry.reason}; kept your lines there, applied the rest (--on-conflict keep)`,
        };
      }
      return { ...entry, write: choice.marked };
    }
    case 'missing':
      return restore ? { ...entry, action: 'create', reason: 'restored (--restore)', write: entry.generated, lockEntry: fresh } : same;
    case 'orphan':
      // A framework switch: the edited file moves aside and the new one takes its path.
      return entry.movedTo ? { ...entry, write: entry.generated, reason: `${entry.reason} as ${entry.movedTo}` } : same;
    default:
      return same;
  }
}

/** Conflicts that make `generate` exit 4 under this policy. */
function unresolved(entries: Decided[], policy: Policy): Decided[] {
  if (policy === 'force' || policy === 'overwrite') return [];
  return entries.filter((entry) => entry.action === 'conflict' && (policy !== 'keep' || entry.conflict?.marked === undefined));
}

function report(ctx: Context, plan: Plan, entries: Decided[], options: GenerateOptions): void {
  if (options.json) {
    const files = entries.map((entry) => ({
      path: entry.path,
      action: entry.action,
      reason: entry.reason,
      bytes: Buffer.byteLength(entry.write ?? entry.current ?? ''),
      ...(entry.movedFrom && { movedFrom: entry.movedFrom }),
      ...(entry.movedTo && { movedTo: entry.movedTo }),
      ...(entry.backup && { backup: entry.backup }),
    }));
    const copies = plan.copiesFromStoppedRun.length > 0 ? { copiesFromStoppedRun: plan.copiesFromStoppedRun } : {};
    ctx.stdout(JSON.stringify({ dryRun: Boolean(options.dryRun), files, ...copies, warnings: plan.warnings }, null, 2));
    return;
  }
  if (plan.copiesFromStoppedRun.length > 0) {
    ctx.stderr(`note: a generate that was stopped copied your files to ${plan.copiesFromStoppedRun.join(', ')}`);
  }
  if (options.quiet && !options.dryRun) return;
  for (const warning of plan.warnings) ctx.stderr(`warning: ${warning}`);
  const prefix = options.dryRun ? '[dry-run] ' : '';
  for (const entry of entries) {
    const note = entry.action === 'unchanged' ? '' : `  (${entry.reason}${entry.backup ? `; your file backed up to ${entry.backup}` : ''})`;
    ctx.stdout(`${prefix}${entry.action.padEnd(9)} ${entry.path}${note}`);
  }
  if (options.diff) {
    for (const entry of entries) {
      const after = entry.action === 'delete' ? '' : (entry.write ?? entry.current ?? '');
      const text = unifiedDiff(entry.path, entry.movedFrom ? '' : (entry.current ?? ''), after);
      if (text) ctx.stdout(text);
    }
  }
}

/** Temp files of a run stopped mid-write: with the run lock held, none belongs to a live run. */
async function removeStaleTempFiles(root: string, entries: PlanEntry[]): Promise<void> {
  const dirs = new Set([root, path.join(root, STATE_DIR), path.join(root, BASE_DIR)]);
  for (const entry of entries) {
    dirs.add(path.dirname(entry.target));
    if (entry.movedFrom) dirs.add(path.dirname(path.join(root, entry.movedFrom)));
  }
  for (const dir of dirs) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) if (TEMP_FILE_RE.test(name)) await rm(path.join(dir, name), { force: true });
  }
}

/** Folders a move or a delete emptied (an old outDir) go too; never the project root, never a folder with anything left. */
async function removeEmptyFolders(projectRoot: string, entries: PlanEntry[]): Promise<void> {
  const root = await realpath(projectRoot);
  for (const entry of entries) {
    if (entry.action !== 'delete') continue;
    for (let dir = path.dirname(entry.target); dir.startsWith(`${root}${path.sep}`); dir = path.dirname(dir)) {
      if ((await readdir(dir).catch(() => ['?'])).length > 0) break;
      await rmdir(dir).catch(() => {});
    }
  }
}

/** Removes bases the lock no longer points at (and bases stored by path, the old layout). */
async function collectBases(root: string, lock: Lock): Promise<void> {
  const wanted = new Set(Object.values(lock.files).map((entry) => `${entry.hash}.base`));
  const dir = path.join(root, BASE_DIR);
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) if (!wanted.has(name)) await rm(path.join(dir, name), { recursive: true, force: true });
}

function conflictError(conflicts: PlanEntry[], policy: Policy, what: string): CliError {
  const marked = conflicts.some((entry) => entry.conflict?.marked !== undefined) && policy === 'merge';
  return new CliError(`${conflicts.length} file${conflicts.length === 1 ? '' : 's'} could not be merged cleanly; ${what}.`, {
    exitCode: ExitCode.conflict,
    details: conflicts.map((entry) => `${entry.path}: ${entry.reason}`),
    suggestion: `${marked ? 'Markers: <<<<<<< yours / ======= / >>>>>>> generated. ' : ''}Resolve them and run generate again, or re-run with --on-conflict keep (keeps your lines, check keeps reporting) or overwrite (backs your file up first).`,
  });
}
