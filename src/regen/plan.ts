import { access } from 'node:fs/promises';
import path from 'node:path';

import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { Context } from '../context.js';
import { resolveInside } from '../fs/paths.js';
import { toolName, toolVersion } from '../version.js';
import { canonicalJson } from './canonical.js';
import { formatHash, inputsHash } from './inputs.js';
import { hasConflictMarkers, threeWayMerge } from './merge.js';
import {
  basePath,
  hashContent,
  hashText,
  type Lock,
  type LockEntry,
  lineEnding,
  NO_BASE,
  readBase,
  readBaseByHash,
  readJournal,
  readLock,
  readOptional,
  toLf,
  withLineEnding,
} from './store.js';

/**
 * What regenerating does to one file:
 * - create: not there, never generated before
 * - unchanged: already the new output (line endings aside)
 * - update: untouched since we wrote it (or only re-formatted); the output changed
 * - merge: edited by the user and the output changed; the merge is clean
 * - conflict: edited and changed in the same places, or holding unresolved markers
 * - keep: edited; the output did not change (or the file already has the change)
 * - move: generated before at another path (outDir changed); moves with its edits
 * - delete: no longer generated and untouched (or moved)
 * - orphan: no longer generated (or generated for another framework) but edited; kept, reported
 * - missing: generated before, deleted by the user; re-created only with --restore
 */
export type Action = 'create' | 'unchanged' | 'update' | 'merge' | 'conflict' | 'keep' | 'move' | 'delete' | 'orphan' | 'missing';

/** What the conflict policy may choose for a conflicting file. */
export interface ConflictChoice {
  /** The file with markers (undefined: it already holds markers and is never merged into). */
  marked: string | undefined;
  /** Conflicting regions resolved to your lines, the non-conflicting generated changes applied. */
  yours: string;
  /** Hash of the base the next merge must use: the one this merge used, so the unapplied change stays visible. */
  baseHash: string;
}

export interface PlanEntry {
  path: string;
  action: Action;
  /** One line saying why, for `check` and the report. */
  reason: string;
  /** Absolute path, proven to be inside the project. */
  target: string;
  /** The file on disk now (undefined when absent); for a move, the file at its old path. */
  current: string | undefined;
  /** What `generate` (default policy) would leave in the file (undefined: removed, or left alone). */
  next: string | undefined;
  /** The new generated output, in the file's line endings; undefined when no longer generated. */
  generated: string | undefined;
  /** The lock entry when the planned action is taken (undefined: no longer generated). */
  lockEntry: LockEntry | undefined;
  /** Present for conflicts. */
  conflict?: ConflictChoice;
  /** The file holds edits of the user (a backup is due before replacing it). */
  edited: boolean;
  /** Where an orphan moves when a new file takes its path (framework switch): a fresh name, never an existing file. */
  movedTo?: string;
  /** For a move: the old path (deleted once this one is written). */
  movedFrom?: string;
}

export interface Plan {
  root: string;
  entries: PlanEntry[];
  warnings: string[];
  /** The lock `generate` writes last (entries as planned; the writer adjusts them for its policy). */
  lock: Lock;
  previous: Lock | undefined;
  configChanged: boolean;
  /** Base contents (LF) by hash that the new lock may point at. */
  bases: Map<string, string>;
  /** Copies of your files a stopped run made (named again so no copy goes unmentioned). */
  copiesFromStoppedRun: string[];
}

/** Prettier and Handlebars load only here, when a plan is really built (never on `check`'s fast path). */
async function loadRenderer() {
  const [{ renderProject }, { formatLikeProject }, prettier] = await Promise.all([
    import('../render/plan.js'),
    import('../render/format.js'),
    import('prettier'),
  ]);
  // Prettier caches config lookups per process; a .prettierrc added since must count.
  await prettier.clearConfigCache();
  return { renderProject, formatLikeProject };
}

/*
 * Within one process (tests, the demo) the same config and formatting setup
 * render the same files, and the same text formats the same way: both are
 * remembered, keyed by everything they depend on (the formatting hash covers
 * every Prettier and .editorconfig file that applies).
 */
const memo = new Map<string, Promise<unknown>>();
function remember<T>(key: string, make: () => Promise<T>): Promise<T> {
  let value = memo.get(key) as Promise<T> | undefined;
  if (!value) {
    if (memo.size > 2000) memo.clear();
    value = make();
    memo.set(key, value);
    value.catch(() => memo.delete(key));
  }
  return value;
}

/** Builds the whole change in memory: reads the disk, never writes it. */
export async function buildPlan(ctx: Context, configPath: string | undefined): Promise<Plan> {
  const { config, root, file: configFile } = await loadConfig(ctx.cwd, configPath);
  const loaded = await loadRenderer();
  const previous = await readLock(root);
  const configHash = hashText(canonicalJson(config));
  const configChanged = previous !== undefined && previous.configHash !== configHash;
  const inputs = await inputsHash(path.relative(root, configFile).split(path.sep).join('/'));
  const formatting = await formatHash(root, config.outDir);
  const renderProject = (cfg: Config) =>
    remember(`render ${formatting} ${inputs} ${canonicalJson(cfg)}`, () => loaded.renderProject(cfg, root));
  const rendering = await renderProject(config);
  const bases = new Map<string, string>();

  /** Canonical form: formatted with the project's options, LF. Code Prettier cannot parse is merged as it is. */
  const canonical = (text: string, file: string): Promise<string> =>
    remember(`format ${formatting} ${file} ${hashText(text)}`, async () => {
      try {
        return toLf(await loaded.formatLikeProject(toLf(text), path.join(root, file)));
      } catch {
        return toLf(text);
      }
    });

  // What the last run left: the lock, corrected by the journal of a run that stopped before writing it.
  const known: Record<string, LockEntry> = { ...previous?.files };
  const journal = await readJournal(root);
  const movedDone = new Map<string, string>();
  const copiesFromStoppedRun: string[] = [];
  if (journal) {
    for (const copy of journal.copies) if ((await readOptional(await resolveInside(root, copy))) !== undefined) copiesFromStoppedRun.push(copy);
    for (const [file, entry] of Object.entries(journal.lock.files)) {
      const current = await readOptional(await resolveInside(root, file));
      if (current !== undefined && entry.file !== undefined && hashContent(current) === entry.file) known[file] = entry;
    }
    for (const [from, to] of Object.entries(journal.moved)) if (known[to] === journal.lock.files[to]) movedDone.set(from, to);
  }

  // Bases the lock names but the store lost: rebuilt from the recorded config when the templates are the same.
  let rerendered: Map<string, string> | undefined;
  const baseOf = async (file: string, entry: LockEntry): Promise<string | undefined> => {
    const stored = await readBase(root, file, entry);
    if (stored !== undefined) return stored;
    if (!previous?.config || previous.inputsHash !== inputs) return undefined;
    if (!rerendered) {
      rerendered = new Map();
      try {
        const old = await renderProject(previous.config as Config);
        for (const out of old.files) rerendered.set(out.template, toLf(out.content));
      } catch {
        // An old config this version cannot render: no base.
      }
    }
    return rerendered.get(entry.template);
  };

  const entries: PlanEntry[] = [];
  const generatedPaths = new Set(rendering.files.map((file) => file.path));
  const movedFrom = new Map<string, string>();
  for (const file of rendering.files) {
    if (known[file.path]) continue;
    const source = Object.entries(known).find(
      // Same template and same file name in another folder: an outDir change (a language switch is not a move).
      ([old, entry]) =>
        !generatedPaths.has(old) &&
        entry.template === file.template &&
        path.posix.basename(old) === path.posix.basename(file.path) &&
        ![...movedFrom.values()].includes(old),
    );
    if (source && (await readOptional(await resolveInside(root, source[0]))) !== undefined) {
      if ((await readOptional(await resolveInside(root, file.path))) === undefined) movedFrom.set(file.path, source[0]);
    }
  }

  for (const file of rendering.files) {
    const target = await resolveInside(root, file.path);
    const from = movedFrom.get(file.path);
    const current = await readOptional(from ? await resolveInside(root, from) : target);
    const entry = from ? known[from] : known[file.path];
    const G = toLf(file.content);
    const gHash = hashText(G);
    const eol = current !== undefined ? lineEnding(current) : lineEnding(file.content);
    const out = (text: string) => withLineEnding(text, eol);
    const fresh: LockEntry = { hash: gHash, template: file.template, file: gHash };
    const kept = (hash: string): LockEntry => ({
      hash,
      template: file.template,
      file: entry?.file ?? (current === undefined ? gHash : hashContent(current)),
    });
    const base = { path: file.path, target, current, generated: out(G), edited: false, ...(from && { movedFrom: from }) };
    const push = (planned: Omit<PlanEntry, keyof typeof base> & { edited?: boolean }) => entries.push({ ...base, ...planned });
    bases.set(gHash, G);

    if (current === undefined) {
      if (entry) push({ action: 'missing', next: undefined, lockEntry: kept(entry.hash), reason: 'deleted since the last generate; --restore re-creates it' });
      else push({ action: 'create', next: out(G), lockEntry: fresh, reason: 'new file' });
      continue;
    }
    const Y = toLf(current);
    const moved = from ? `moved from ${from} (outDir changed)` : undefined;
    const because = (why: string) => (moved ? `${moved}; ${why}` : why);
    if (Y === G) {
      if (moved) push({ action: 'move', next: out(G), lockEntry: fresh, reason: moved });
      else push({ action: 'unchanged', next: current, lockEntry: kept(gHash), reason: 'up to date' });
      continue;
    }
    let known0 = entry;
    if (!known0 && (await readBaseByHash(root, hashText(Y))) !== undefined) {
      // No lock, but the file is exactly something this tool generated: untouched.
      known0 = { hash: hashText(Y), template: file.template };
    }
    const untouched = known0 !== undefined && hashText(Y) === known0.hash;
    if (untouched) {
      const why = known0!.template !== file.template ? `now generated from ${file.template}` : changeReason(configChanged, previous);
      push({ action: moved ? 'move' : 'update', next: out(G), lockEntry: fresh, reason: because(why) });
      continue;
    }
    if (known0 && known0.template !== file.template && !moved) {
      // Another framework's file, edited: it cannot be merged with this one.
      push({
        action: 'orphan',
        next: out(G),
        lockEntry: fresh,
        edited: true,
        movedTo: `${file.path}.${known0.template.split('/')[0]}.orig`,
        reason: `edited ${known0.template} file; kept aside`,
      });
      continue;
    }
    if (hasConflictMarkers(Y)) {
      push({
        action: 'conflict',
        next: moved ? current : undefined,
        lockEntry: { ...kept(known0?.hash ?? NO_BASE), conflict: true },
        edited: true,
        conflict: { marked: undefined, yours: Y, baseHash: known0?.hash ?? NO_BASE },
        reason: because('holds unresolved conflict markers (never merged into: resolve them first)'),
      });
      continue;
    }
    const O = known0 ? await baseOf(from ?? file.path, known0) : undefined;
    if (O === undefined && known0?.hash === gHash) {
      // The base is lost, but the lock proves the output did not change.
      push({ action: moved ? 'move' : 'keep', next: moved ? current : undefined, lockEntry: kept(gHash), edited: true, reason: because('edited by you; the generated output did not change') });
      continue;
    }
    if (O === G) {
      push({ action: moved ? 'move' : 'keep', next: moved ? current : undefined, lockEntry: kept(gHash), edited: true, reason: because('edited by you; the generated output did not change') });
      continue;
    }
    const [cO, cY, cG] = await Promise.all([canonical(O ?? '', file.path), canonical(Y, file.path), canonical(G, file.path)]);
    if (cY === cG) {
      push({ action: moved ? 'move' : 'keep', next: moved ? current : undefined, lockEntry: kept(gHash), edited: true, reason: because('edited by you; already has the new output') });
      continue;
    }
    if (O !== undefined) {
      const merged = threeWayMerge(cO, cY, cG);
      if (merged.conflicts === 0) {
        const result = await canonical(merged.text, file.path);
        if (result === Y) {
          push({ action: moved ? 'move' : 'keep', next: moved ? current : undefined, lockEntry: kept(gHash), edited: true, reason: because('edited by you; already has the new output') });
        } else if (cY === cO) {
          push({ action: moved ? 'move' : 'update', next: out(result), lockEntry: { ...fresh, file: hashText(result) }, edited: true, reason: because(`only re-formatted by you; ${changeReason(configChanged, previous)}`) });
        } else {
          push({ action: moved ? 'move' : 'merge', next: out(result), lockEntry: { ...fresh, file: hashText(result) }, edited: true, reason: because(`edited by you; merged with the new output (${changeReason(configChanged, previous)})`) });
        }
        continue;
      }
      const baseHash = hashText(O);
      bases.set(baseHash, O);
      const yours = await canonical(merged.yours, file.path);
      push({
        action: 'conflict',
        next: out(merged.text),
        lockEntry: { hash: baseHash, template: file.template, file: hashText(merged.text), conflict: true },
        edited: true,
        conflict: { marked: out(merged.text), yours: out(yours), baseHash },
        reason: because(`edited by you; ${merged.conflicts} conflicting region${merged.conflicts === 1 ? '' : 's'}`),
      });
      continue;
    }
    // No base at all: one whole-file conflict; once you resolve it, your file is the merge.
    const whole = threeWayMerge('', cY, cG);
    push({
      action: 'conflict',
      next: out(whole.text),
      lockEntry: { hash: gHash, template: file.template, file: hashText(whole.text), conflict: true },
      edited: true,
      conflict: { marked: out(whole.text), yours: current, baseHash: NO_BASE },
      reason: because('not written by this tool, or its merge base is lost (no base to merge with)'),
    });
  }

  const movedSources = new Map([...movedFrom].map(([to, from]) => [from, to]));
  for (const [file, entry] of Object.entries(known)) {
    if (generatedPaths.has(file)) continue;
    const target = await resolveInside(root, file);
    const current = await readOptional(target);
    if (current === undefined) continue;
    const base = { path: file, target, current, next: undefined, generated: undefined, lockEntry: undefined, edited: false };
    const to = movedSources.get(file) ?? movedDone.get(file);
    if (to) entries.push({ ...base, action: 'delete', reason: `moved to ${to}` });
    else if (hashContent(current) === entry.hash) entries.push({ ...base, action: 'delete', reason: 'no longer generated' });
    else entries.push({ ...base, action: 'orphan', next: current, edited: true, reason: 'no longer generated, but edited by you: kept' });
  }

  const lock: Lock = {
    tool: toolName,
    version: toolVersion,
    configHash,
    config,
    inputsHash: inputs,
    formatHash: formatting,
    files: Object.fromEntries(entries.flatMap((entry) => (entry.lockEntry ? [[entry.path, entry.lockEntry]] : []))),
  };
  return { root, entries, warnings: rendering.warnings, lock, previous, configChanged, bases, copiesFromStoppedRun };
}

function changeReason(configChanged: boolean, previous: Lock | undefined): string {
  if (configChanged) return 'config changed';
  if (previous && previous.version !== toolVersion) return `templates changed (v${previous.version} → v${toolVersion})`;
  return 'generated output changed';
}

/** Whether a base is already stored (a new one is written before the journal, never over an old one). */
export async function baseStored(root: string, hash: string): Promise<boolean> {
  return access(path.join(root, basePath(hash))).then(
    () => true,
    () => false,
  );
}
