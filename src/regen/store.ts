import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { CliError } from '../errors.js';

export const LOCK_FILE = 'scalekit-session.lock.json';
/** The tool's own folder beside the lock: merge bases, the journal of a run in progress, the run lock. */
export const STATE_DIR = '.scalekit-session';
/**
 * Merge bases, addressed by the hash of their content (`<hash>.base`): a new
 * base never replaces one the current lock still points at, so a run stopped
 * at any point leaves the old lock with all of its bases. The `.base` suffix
 * keeps these copies out of the user's `tsc`, linters and test globs.
 */
export const BASE_DIR = `${STATE_DIR}/base`;
/** Written before the first file and removed after the lock: what an interrupted run meant to leave. */
export const JOURNAL_FILE = `${STATE_DIR}/journal.json`;

export function basePath(hash: string): string {
  return path.posix.join(BASE_DIR, `${hash}.base`);
}

/** Where bases lived before they were content-addressed (read as a fallback). */
function legacyBasePath(file: string): string {
  return path.posix.join(BASE_DIR, `${file}.base`);
}

/** What the last `generate` wrote; with the bases, the evidence for "did the user edit this?". */
export interface Lock {
  tool: string;
  version: string;
  /** Hash of the validated config (key order ignored). */
  configHash: string;
  /** The validated config itself: re-rendered to rebuild bases when `.scalekit-session/` is lost. */
  config?: unknown;
  /** Hash of everything besides the config the output depends on: tool version, templates, config file name. */
  inputsHash?: string;
  /** Hash of the project's formatting configuration files (Prettier, .editorconfig). */
  formatHash?: string;
  files: Record<string, LockEntry>;
}

export interface LockEntry {
  /**
   * Hash of the merge base: what this tool generated and the file is known to
   * contain. Normally the latest output; while a conflict is unresolved (or
   * kept with `--on-conflict keep`) it stays the older output, so the change
   * the file does not have yet keeps being reported. `none` when there is no base.
   */
  hash: string;
  /** The template it came from, e.g. `express/routes`: a framework switch changes it. */
  template: string;
  /** Hash of the file as `generate` left it (line endings ignored): the `check` fast path. */
  file?: string;
  /** The file was left with a conflict (markers, or kept with `--on-conflict keep`). */
  conflict?: boolean;
}

export const NO_BASE = 'none';

export function hashText(text: string): string {
  return `sha256-${createHash('sha256').update(text).digest('base64url')}`;
}

/** Line endings never count as an edit: every comparison and merge runs on LF text. */
export function toLf(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

/** The line ending a file uses (CRLF when most of its line breaks are CRLF). */
export function lineEnding(text: string): '\n' | '\r\n' {
  const crlf = text.match(/\r\n/g)?.length ?? 0;
  const all = text.match(/\n/g)?.length ?? 0;
  return crlf > 0 && crlf * 2 >= all ? '\r\n' : '\n';
}

export function withLineEnding(text: string, eol: '\n' | '\r\n'): string {
  const lf = toLf(text);
  return eol === '\n' ? lf : lf.replace(/\n/g, '\r\n');
}

/** Hash of a file's content, line endings ignored. */
export function hashContent(text: string): string {
  return hashText(toLf(text));
}

export async function readLock(root: string): Promise<Lock | undefined> {
  const text = await readOptional(path.join(root, LOCK_FILE));
  if (text === undefined) return undefined;
  return parseLock(text, LOCK_FILE);
}

function parseLock(text: string, name: string): Lock {
  const fail = (why: string) =>
    new CliError(`${name} is not a lock file this tool wrote: ${why}.`, {
      suggestion: 'Restore it from version control, or delete it and run generate (edited files then merge without a base, as conflicts).',
    });
  let lock: Lock;
  try {
    lock = JSON.parse(text) as Lock;
  } catch (error) {
    throw fail((error as Error).message);
  }
  if (typeof lock !== 'object' || lock === null || Array.isArray(lock)) throw fail('not a JSON object');
  for (const field of ['tool', 'version', 'configHash'] as const) {
    if (typeof lock[field] !== 'string') throw fail(`"${field}" is missing or not a string`);
  }
  if (typeof lock.files !== 'object' || lock.files === null || Array.isArray(lock.files)) throw fail('"files" is missing or not an object');
  for (const [file, entry] of Object.entries(lock.files)) {
    if (typeof entry !== 'object' || entry === null) throw fail(`files["${file}"] is not an object`);
    for (const field of ['hash', 'template'] as const) {
      if (typeof entry[field] !== 'string') throw fail(`files["${file}"].${field} is missing or not a string`);
    }
    if (entry.file !== undefined && typeof entry.file !== 'string') throw fail(`files["${file}"].file is not a string`);
  }
  return lock;
}

export function serializeLock(lock: Lock): string {
  return `${JSON.stringify(lock, null, 2)}\n`;
}

/** The journal of a run: the lock it will write and what it moved, so a run stopped half-way can be read back. */
export interface Journal {
  lock: Lock;
  /** Old path → new path, for files carried to a new outDir. */
  moved: Record<string, string>;
  /** Copies of the user's files this run makes (backups, moved-aside files): named again if it is stopped. */
  copies: string[];
}

export async function readJournal(root: string): Promise<Journal | undefined> {
  const text = await readOptional(path.join(root, JOURNAL_FILE));
  if (text === undefined) return undefined;
  try {
    const journal = JSON.parse(text) as Journal;
    return { lock: parseLock(JSON.stringify(journal.lock), JOURNAL_FILE), moved: journal.moved ?? {}, copies: journal.copies ?? [] };
  } catch {
    // A journal is only a hint; one that cannot be read is ignored (the lock still holds).
    return undefined;
  }
}

/** A merge base by its hash, if it is still stored and intact (LF text). */
export async function readBaseByHash(root: string, hash: string): Promise<string | undefined> {
  if (hash === NO_BASE) return undefined;
  const text = await readOptional(path.join(root, basePath(hash)));
  return text !== undefined && hashContent(text) === hash ? toLf(text) : undefined;
}

/** The base a merge needs: what we generated last, if it is still here and intact. */
export async function readBase(root: string, file: string, entry: LockEntry | undefined): Promise<string | undefined> {
  if (!entry || entry.hash === NO_BASE) return undefined;
  const byHash = await readBaseByHash(root, entry.hash);
  if (byHash !== undefined) return byHash;
  const legacy = await readOptional(path.join(root, legacyBasePath(file)));
  return legacy !== undefined && hashContent(legacy) === entry.hash ? toLf(legacy) : undefined;
}

export async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new CliError(`Cannot read ${file}: ${code ?? (error as Error).message}.`, { cause: error });
  }
}
