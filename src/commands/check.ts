import path from 'node:path';

import { loadConfig } from '../config/load.js';
import type { Context } from '../context.js';
import { CliError, ExitCode } from '../errors.js';
import { resolveInside } from '../fs/paths.js';
import { canonicalJson } from '../regen/canonical.js';
import { formatHash, inputsHash } from '../regen/inputs.js';
import { hasConflictMarkers } from '../regen/merge.js';
import type { Action, Plan } from '../regen/plan.js';
import { hashContent, hashText, JOURNAL_FILE, type Lock, LOCK_FILE, readLock, readOptional } from '../regen/store.js';
import { toolVersion } from '../version.js';

/** Actions that mean "generate would change the tree". */
const DRIFT: readonly Action[] = ['create', 'update', 'merge', 'conflict', 'move', 'delete', 'missing'];

export interface Finding {
  path: string;
  reason: string;
}

/** Why the tree differs from what `generate` would leave, one line per file. */
export function findings(plan: Plan): Finding[] {
  const found: Finding[] = [];
  if (!plan.previous) found.push({ path: LOCK_FILE, reason: 'missing: generate has not run here' });
  else if (plan.configChanged) found.push({ path: LOCK_FILE, reason: 'the config changed since the last generate' });
  // A different tool version alone is not drift: only output that would change is (each file below).
  else if (canonicalJson({ ...plan.previous, version: '' }) !== canonicalJson({ ...plan.lock, version: '' })) {
    found.push({ path: LOCK_FILE, reason: 'out of date: generate would rewrite it' });
  }
  for (const entry of plan.entries) {
    if (DRIFT.includes(entry.action)) found.push({ path: entry.path, reason: `would ${entry.action}: ${entry.reason}` });
    else if (entry.current !== undefined && hasConflictMarkers(entry.current)) {
      found.push({ path: entry.path, reason: 'holds unresolved conflict markers' });
    }
  }
  return found;
}

/**
 * Whether the tree is in sync, answered from hashes alone: the config, the
 * templates, the formatting configuration and every generated file are
 * exactly as the lock recorded them after a run that left no conflict. Loads
 * neither Handlebars nor Prettier. `undefined` means "cannot tell: plan it".
 */
export async function inSyncByHashes(ctx: Context, configPath: string | undefined): Promise<boolean | undefined> {
  const { config, root, file } = await loadConfig(ctx.cwd, configPath);
  let lock: Lock | undefined;
  try {
    lock = await readLock(root);
  } catch {
    return undefined;
  }
  if (!lock || lock.version !== toolVersion || lock.configHash !== hashText(canonicalJson(config))) return undefined;
  if ((await readOptional(path.join(root, JOURNAL_FILE))) !== undefined) return undefined;
  if (lock.inputsHash !== (await inputsHash(path.relative(root, file).split(path.sep).join('/')))) return undefined;
  if (lock.formatHash !== (await formatHash(root, config.outDir))) return undefined;
  for (const [relative, entry] of Object.entries(lock.files)) {
    if (entry.conflict || entry.file === undefined) return undefined;
    const current = await readOptional(await resolveInside(root, relative));
    if (current === undefined || hashContent(current) !== entry.file) return undefined;
  }
  return true;
}

export interface CheckOptions {
  config?: string;
  json?: boolean;
}

async function planFindings(ctx: Context, options: CheckOptions): Promise<{ plan: Plan; found: Finding[] }> {
  const { buildPlan } = await import('../regen/plan.js');
  const plan = await buildPlan(ctx, options.config);
  return { plan, found: findings(plan) };
}

/** `check`: writes nothing; exit 0 when in sync, 3 (drift) otherwise. For CI. */
export async function check(ctx: Context, options: CheckOptions): Promise<void> {
  // SCALEKIT_SCAFFOLD_CHECK=plan skips the fast path (tests compare both answers).
  const fast = ctx.env.SCALEKIT_SCAFFOLD_CHECK === 'plan' ? undefined : await inSyncByHashes(ctx, options.config);
  const found = fast ? [] : (await planFindings(ctx, options)).found;
  const checkedBy = fast ? 'hashes' : 'plan';
  if (options.json) ctx.stdout(JSON.stringify({ inSync: found.length === 0, checkedBy, findings: found }, null, 2));
  if (found.length === 0) {
    if (!options.json) ctx.stdout('In sync: the generated files match the config and the lock.');
    return;
  }
  throw new CliError(`${found.length} difference${found.length === 1 ? '' : 's'} from what the config generates.`, {
    exitCode: ExitCode.drift,
    details: options.json ? [] : found.map((finding) => `${finding.path}: ${finding.reason}`),
    suggestion: 'Run `npx scalekit-session-scaffold generate` (see the changes first with `diff`).',
  });
}

/** `diff`: the unified diff of what `generate` would write; exits 3 exactly when `check` would. */
export async function diff(ctx: Context, options: CheckOptions): Promise<void> {
  const fast = ctx.env.SCALEKIT_SCAFFOLD_CHECK !== 'plan' && (await inSyncByHashes(ctx, options.config));
  const files: { path: string; action: Action; diff: string }[] = [];
  let found: Finding[] = [];
  if (!fast) {
    const { unifiedDiff } = await import('../regen/diff.js');
    const planned = await planFindings(ctx, options);
    found = planned.found;
    for (const entry of planned.plan.entries) {
      const after = entry.action === 'delete' || entry.action === 'missing' ? '' : (entry.next ?? entry.current ?? '');
      const text = unifiedDiff(entry.path, entry.movedFrom ? '' : (entry.current ?? ''), after);
      if (!text) continue;
      files.push({ path: entry.path, action: entry.action, diff: text });
      if (!options.json) ctx.stdout(text);
    }
  }
  if (options.json) ctx.stdout(JSON.stringify({ changed: files.length, files, findings: found }, null, 2));
  if (found.length > 0) {
    throw new CliError(`${found.length} difference${found.length === 1 ? '' : 's'} from what the config generates.`, {
      exitCode: ExitCode.drift,
      details: options.json ? [] : found.map((finding) => `${finding.path}: ${finding.reason}`),
    });
  }
}
