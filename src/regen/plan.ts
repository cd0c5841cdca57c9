import path from 'node:path';

import { loadConfig } from '../config/load.js';
import type { Context } from '../context.js';
import { resolveInside } from '../fs/paths.js';
import { formatLikeProject } from '../render/format.js';
import { renderProject } from '../render/plan.js';
import { toolName, toolVersion } from '../version.js';
import { canonicalJson } from './canonical.js';
import { threeWayMerge } from './merge.js';
import { hashText, type Lock, readBase, readLock, readOptional } from './store.js';

/**
 * What regenerating does to one file:
 * - create: not there, never generated before
 * - unchanged: already exactly the new output
 * - update: untouched since we wrote it; the output changed
 * - merge: edited by the user and the output changed; the merge is clean
 * - conflict: edited and changed in the same places; written with markers
 * - keep: edited, the output did not change; the user's file stays
 * - delete: no longer generated and untouched
 * - orphan: no longer generated (or generated for another framework) but edited; kept, reported
 * - missing: generated before, deleted by the user; re-created only with --restore
 */
export type Action = 'create' | 'unchanged' | 'update' | 'merge' | 'conflict' | 'keep' | 'delete' | 'orphan' | 'missing';

export interface PlanEntry {
  path: string;
  action: Action;
  /** One line saying why, for `check` and the report. */
  reason: string;
  /** Absolute path, proven to be inside the project. */
  target: string;
  /** The file on disk now (undefined when absent). */
  current: string | undefined;
  /** What `generate` would leave in the file (undefined: removed, or left alone). */
  next: string | undefined;
  /** The new generated output (the next merge base); undefined when no longer generated. */
  generated: string | undefined;
  /** Where an orphan moves when a new file takes its path (framework switch). */
  movedTo?: string;
}

export interface Plan {
  root: string;
  entries: PlanEntry[];
  warnings: string[];
  /** The lock `generate` writes last. */
  lock: Lock;
  previous: Lock | undefined;
  configChanged: boolean;
}

/** Builds the whole change in memory: reads the disk, never writes it. */
export async function buildPlan(ctx: Context, configPath: string | undefined): Promise<Plan> {
  const { config, root } = await loadConfig(ctx.cwd, configPath);
  const rendering = await renderProject(config, root);
  const previous = await readLock(root);
  const configHash = hashText(canonicalJson(config));
  const configChanged = previous !== undefined && previous.configHash !== configHash;
  const entries: PlanEntry[] = [];

  for (const file of rendering.files) {
    const target = await resolveInside(root, file.path);
    const current = await readOptional(target);
    const entry = previous?.files[file.path];
    const base = { path: file.path, target, current, generated: file.content };
    const untouched = entry !== undefined && current !== undefined && hashText(current) === entry.hash;

    if (current === undefined) {
      entries.push(
        entry
          ? { ...base, action: 'missing', next: undefined, reason: 'deleted since the last generate; --restore re-creates it' }
          : { ...base, action: 'create', next: file.content, reason: 'new file' },
      );
    } else if (current === file.content) {
      entries.push({ ...base, action: 'unchanged', next: current, reason: 'up to date' });
    } else if (untouched) {
      const why = entry.template !== file.template ? `now generated from ${file.template}` : changeReason(configChanged, previous);
      entries.push({ ...base, action: 'update', next: file.content, reason: why });
    } else if (entry && entry.template !== file.template) {
      // Another framework's file, edited: it cannot be merged with this one.
      const movedTo = `${file.path}.${entry.template.split('/')[0]}.orig`;
      entries.push({ ...base, action: 'orphan', next: file.content, movedTo, reason: `edited ${entry.template} file; kept as ${movedTo}` });
    } else {
      const previousOutput = await readBase(root, file.path, entry);
      if (previousOutput === file.content) {
        entries.push({ ...base, action: 'keep', next: current, reason: 'edited by you; the generated output did not change' });
        continue;
      }
      // Merge on formatted text, so re-formatting is not mistaken for an edit.
      const yours = await formatOrKeep(current, path.join(root, file.path));
      const merged = threeWayMerge(previousOutput ?? '', yours, file.content);
      if (merged.conflicts === 0) {
        const next = await formatOrKeep(merged.text, path.join(root, file.path));
        entries.push({ ...base, action: 'merge', next, reason: `edited by you; merged with the new output (${changeReason(configChanged, previous)})` });
      } else {
        const why = previousOutput === undefined ? 'not written by this tool (no merge base)' : `${merged.conflicts} conflicting region${merged.conflicts === 1 ? '' : 's'}`;
        entries.push({ ...base, action: 'conflict', next: merged.text, reason: `edited by you; ${why}` });
      }
    }
  }

  const generatedPaths = new Set(rendering.files.map((file) => file.path));
  for (const [file, entry] of Object.entries(previous?.files ?? {})) {
    if (generatedPaths.has(file)) continue;
    const target = await resolveInside(root, file);
    const current = await readOptional(target);
    if (current === undefined) continue;
    const base = { path: file, target, current, next: undefined, generated: undefined };
    entries.push(
      hashText(current) === entry.hash
        ? { ...base, action: 'delete', reason: 'no longer generated' }
        : { ...base, action: 'orphan', next: current, reason: 'no longer generated, but edited by you: kept' },
    );
  }

  const lock: Lock = {
    tool: toolName,
    version: toolVersion,
    configHash,
    files: Object.fromEntries(rendering.files.map((file) => [file.path, { hash: hashText(file.content), template: file.template }])),
  };
  return { root, entries, warnings: rendering.warnings, lock, previous, configChanged };
}

function changeReason(configChanged: boolean, previous: Lock | undefined): string {
  if (configChanged) return 'config changed';
  if (previous && previous.version !== toolVersion) return `templates changed (v${previous.version} → v${toolVersion})`;
  return 'generated output changed';
}

async function formatOrKeep(text: string, filePath: string): Promise<string> {
  try {
    return await formatLikeProject(text, filePath);
  } catch {
    // Code Prettier cannot parse is merged as it is.
    return text;
  }
}
