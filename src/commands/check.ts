import type { Context } from '../context.js';
import { CliError, ExitCode } from '../errors.js';
import { unifiedDiff } from '../regen/diff.js';
import { hasConflictMarkers } from '../regen/merge.js';
import { type Action, buildPlan, type Plan } from '../regen/plan.js';
import { LOCK_FILE } from '../regen/store.js';

/** Actions that mean "generate would change the tree". */
const DRIFT: readonly Action[] = ['create', 'update', 'merge', 'conflict', 'delete', 'missing'];

export interface Finding {
  path: string;
  reason: string;
}

/** Why the tree differs from what the config and the lock say, one line per file. */
export function findings(plan: Plan): Finding[] {
  const found: Finding[] = [];
  if (!plan.previous) found.push({ path: LOCK_FILE, reason: 'missing: generate has not run here' });
  else if (plan.configChanged) found.push({ path: LOCK_FILE, reason: 'the config changed since the last generate' });
  // A different tool version alone is not drift: only output that would change is (each file below).
  for (const entry of plan.entries) {
    if (DRIFT.includes(entry.action)) found.push({ path: entry.path, reason: `would ${entry.action}: ${entry.reason}` });
    else if (entry.current !== undefined && hasConflictMarkers(entry.current)) {
      found.push({ path: entry.path, reason: 'holds unresolved conflict markers' });
    }
  }
  return found;
}

export interface CheckOptions {
  config?: string;
  json?: boolean;
}

/** `check`: writes nothing; exit 0 when in sync, 3 (drift) otherwise. For CI. */
export async function check(ctx: Context, options: CheckOptions): Promise<void> {
  const found = findings(await buildPlan(ctx, options.config));
  if (options.json) ctx.stdout(JSON.stringify({ inSync: found.length === 0, findings: found }, null, 2));
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

/** `diff`: the unified diff of what `generate` would write; exit 3 when there is one. */
export async function diff(ctx: Context, options: CheckOptions): Promise<void> {
  const plan = await buildPlan(ctx, options.config);
  let changed = 0;
  for (const entry of plan.entries) {
    const after = entry.action === 'delete' ? '' : entry.action === 'missing' ? '' : (entry.next ?? entry.current ?? '');
    const text = unifiedDiff(entry.path, entry.current ?? '', after);
    if (!text) continue;
    changed++;
    ctx.stdout(text);
  }
  if (changed > 0) {
    throw new CliError(`${changed} file${changed === 1 ? '' : 's'} would change.`, { exitCode: ExitCode.drift });
  }
}
