/**
 * Randomized regeneration: random edits to random generated files (inserted
 * lines, deleted comment lines, same-line changes, re-formatting, CRLF) ×
 * random config changes × random conflict policies × random stops (the
 * deterministic "crash after step N" hook). After each case:
 * - every line the user wrote is in a generated file (possibly inside a
 *   marker block), in a file kept as an orphan, or in a copy the output named;
 * - a CRLF file is still CRLF; no temp file, run lock or journal is left;
 * - `check` from hashes and `check` by planning agree, and `check` exits 0
 *   only when a further `generate` changes nothing; a sample of accepted
 *   trees typechecks.
 * Replay a failure with REGEN_SEED=<seed> (printed); REGEN_CASES sets the count.
 */
import { cp, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ConfigInput } from '../../src/config/schema.js';
import { type CliRun, runCli, writeConfig } from '../helpers/project.js';
import { allFiles, cleanup, emptyProject, LOCK, planOf, read, readTree, scaffold, typecheck } from './helpers.js';

const SEED = Number(process.env.REGEN_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CASES = Number(process.env.REGEN_CASES ?? 100);
const TYPECHECKS = 1;

/** mulberry32: small, seedable, good enough to pick cases. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { next, int, pick };
}
type Rng = ReturnType<typeof rng>;

const STARTS: ConfigInput[] = [
  { framework: 'express' },
  { framework: 'koa', refresh: { mode: 'transparent' } },
  { framework: 'fastify', routes: { login: '/signin' }, cookies: { sameSite: 'strict' } },
];

type Change = (config: Record<string, any>, r: Rng) => void; // eslint-disable-line @typescript-eslint/no-explicit-any
const CHANGES: [string, Change][] = [
  ['refresh.mode', (c) => (c.refresh = { ...c.refresh, mode: c.refresh?.mode === 'transparent' ? 'endpoint' : 'transparent' })],
  ['sameSite', (c) => (c.cookies = { ...c.cookies, sameSite: c.cookies?.sameSite === 'strict' ? 'lax' : 'strict' })],
  ['routes.login', (c, r) => (c.routes = { ...c.routes, login: r.pick(['/auth/login', '/signin', '/auth/start']) })],
  ['routes.logout', (c, r) => (c.routes = { ...c.routes, logout: r.pick(['/signout', '/auth/bye']) })],
  ['cookie name', (c, r) => (c.cookies = { ...c.cookies, names: { access: r.pick(['my_access', 'acc']) } })],
  ['storeIdToken', (c) => (c.cookies = { ...c.cookies, storeIdToken: c.cookies?.storeIdToken === false })],
  ['keySource', (c) => (c.encryption = { keySource: { type: 'file', path: '/run/secrets/session-keys' } })],
  ['framework', (c, r) => (c.framework = r.pick(['express', 'fastify', 'koa'].filter((f) => f !== c.framework)))],
  ['outDir', (c, r) => (c.outDir = r.pick(['src/auth', 'lib/session']))],
];

interface UserLine {
  token: string;
  file: string;
}

interface Case {
  start: number;
  edits: string[];
  changes: string[];
  policy: string[];
  crashAt: number | undefined;
}

const SAFE_BEFORE = /^\s*(export |import |const |let |function |async function |\/\/|\/\*\*|return |if \()/;

/** Applies one random edit; returns the user lines it introduced. */
async function randomEdit(r: Rng, dir: string, file: string, id: string, describe: string[]): Promise<{ lines: UserLine[]; risky?: boolean }> {
  const full = path.join(dir, file);
  const text = await read(dir, file);
  const lines = text.split('\n');
  // A person editing a CRLF file writes CRLF lines.
  const cr = text.includes('\r\n') ? '\r' : '';
  const stringLines = lines.map((line, i) => (/"[^"\n]+"/.test(line) && !/\b(import|from)\b/.test(line) ? i : -1)).filter((i) => i >= 0);
  let kind = r.pick(['insert', 'insert', 'append', 'delete', 'same-line', 'reformat', 'crlf'] as const);
  if (kind === 'same-line' && stringLines.length === 0) kind = 'append';
  describe.push(`${kind} ${file}`);
  switch (kind) {
    case 'insert': {
      const spots = lines.map((line, i) => (SAFE_BEFORE.test(line) ? i : -1)).filter((i) => i >= 0);
      const at = r.pick(spots);
      const indent = /^\s*/.exec(lines[at]!)![0];
      const token = `user note ${id}`;
      lines.splice(at, 0, `${indent}// ${token}${cr}`);
      await writeFile(full, lines.join('\n'));
      return { lines: [{ token, file }] };
    }
    case 'append': {
      const token = `user_${id.replace(/\W/g, '_')}`;
      await writeFile(full, `${text}${text.endsWith('\n') ? '' : `${cr}\n`}export const ${token} = ${r.int(1000)};${cr}\n`);
      return { lines: [{ token, file }] };
    }
    case 'delete': {
      const comments = lines.map((line, i) => (/^\s*(\/\/|\* )/.test(line) ? i : -1)).filter((i) => i >= 0);
      if (comments.length > 0) lines.splice(r.pick(comments), 1);
      await writeFile(full, lines.join('\n'));
      return { lines: [] };
    }
    case 'same-line': {
      const at = r.pick(stringLines);
      const token = `_u${id.replace(/\W/g, '_')}`;
      lines[at] = lines[at]!.replace(/"([^"\n]+)"/, `"$1${token}"`);
      await writeFile(full, lines.join('\n'));
      return { lines: [{ token, file }], risky: true };
    }
    case 'reformat': {
      const prettier = await import('prettier');
      const options = { printWidth: r.pick([60, 100, 140]), useTabs: r.next() < 0.5, singleQuote: r.next() < 0.5 };
      await writeFile(full, await prettier.format(text, { ...options, parser: 'typescript' }));
      return { lines: [] };
    }
    case 'crlf':
      await writeFile(full, text.replace(/\r?\n/g, '\r\n'));
      return { lines: [] };
  }
}

/** Paths the output named as holding the user's lines: backups, moved-aside copies, orphans. */
function namedCopies(result: CliRun): string[] {
  if (!result.stdout.trim().startsWith('{')) return [];
  const json = JSON.parse(result.stdout) as { copiesFromStoppedRun?: string[] };
  const files = planOf(result);
  return [
    ...(json.copiesFromStoppedRun ?? []),
    ...files.flatMap((file) => [file.backup, file.movedTo, file.action === 'orphan' ? file.path : undefined]).filter((name): name is string => !!name),
  ];
}

describe('randomized regeneration', () => {
  const starts: string[] = [];
  beforeAll(async () => {
    for (const config of STARTS) starts.push(await scaffold(config));
  });
  afterAll(cleanup);

  it(`${CASES} random cases (seed ${SEED}) keep every user line, and check tells the truth`, async () => {
    const r = rng(SEED);
    let typechecked = 0;
    const work = await emptyProject();
    for (let n = 0; n < CASES; n++) {
      const c: Case = { start: r.int(STARTS.length), edits: [], changes: [], policy: [], crashAt: undefined };
      const dir = path.join(work, `case-${n}`);
      try {
        await cp(starts[c.start]!, dir, { recursive: true });
        const lock = JSON.parse(await read(dir, LOCK)) as { files: Record<string, { template: string }> };
        const generated = Object.keys(lock.files);
        const userLines: UserLine[] = [];
        let risky = false;
        for (let e = 0, count = 1 + r.int(3); e < count; e++) {
          const file = r.pick(generated);
          const result = await randomEdit(r, dir, file, `${n}-${e}`, c.edits);
          userLines.push(...result.lines);
          risky ||= Boolean(result.risky);
        }
        // Files that are CRLF throughout after the edits must stay so.
        const crlfFiles = new Set<string>();
        for (const file of generated) {
          const text = await read(dir, file);
          if (text.includes('\r\n') && !/(^|[^\r])\n/.test(text)) crlfFiles.add(lock.files[file]!.template);
        }
        const config = structuredClone(STARTS[c.start]!) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        for (let k = 0, count = r.int(3); k < count; k++) {
          const [name, change] = r.pick(CHANGES);
          c.changes.push(name);
          change(config, r);
        }
        await writeConfig(dir, config);
        const policy = r.pick([[], [], [], ['--on-conflict', 'keep'], ['--on-conflict', 'overwrite'], ['--on-conflict', 'fail'], ['--force']]);
        c.policy = policy;
        c.crashAt = r.next() < 0.5 ? 1 + r.int(30) : undefined;

        const outputs: CliRun[] = [];
        if (c.crashAt) outputs.push(await runCli(['generate', '--json', ...policy], dir, { SCALEKIT_SCAFFOLD_CRASH_AT: String(c.crashAt) }));
        const last = await runCli(['generate', '--json', ...policy], dir);
        outputs.push(last);
        expect([0, 4], last.stderr).toContain(last.code);

        // Every user line is somewhere the user is told about.
        const finalLock = JSON.parse(await read(dir, LOCK)) as { files: Record<string, { template: string }> };
        const allowed = new Set([...Object.keys(finalLock.files), ...outputs.flatMap(namedCopies)]);
        const contents = await Promise.all([...allowed].map((file) => read(dir, file).catch(() => '')));
        for (const line of userLines) {
          expect(
            contents.some((text) => text.includes(line.token)),
            `"${line.token}" (${line.file}) is in none of ${[...allowed].join(', ')}`,
          ).toBe(true);
        }
        // A CRLF file stays CRLF wherever it went (a file of another framework's template is a new file).
        for (const [file, entry] of Object.entries(finalLock.files)) {
          if (!crlfFiles.has(entry.template)) continue;
          const text = await read(dir, file).catch(() => undefined);
          if (text !== undefined) expect(/(^|[^\r])\n/.test(text), `${file} lost its CRLF`).toBe(false);
        }
        expect((await allFiles(dir)).filter((file) => /\.tmp$|run\.lock$|journal\.json$/.test(file))).toEqual([]);

        // check: both ways agree; 0 only when a further generate changes nothing.
        const fast = await runCli(['check'], dir);
        const full = await runCli(['check'], dir, { SCALEKIT_SCAFFOLD_CHECK: 'plan' });
        expect(fast.code, `fast: ${fast.stderr} / plan: ${full.stderr}`).toBe(full.code);
        if (last.code === 4) expect(full.code).toBe(3);
        if (full.code === 0) {
          const tree = await readTree(dir);
          const again = await runCli(['generate', '--json'], dir);
          expect(again.code).toBe(0);
          expect(planOf(again).filter((file) => !['unchanged', 'keep'].includes(file.action))).toEqual([]);
          expect(await readTree(dir)).toEqual(tree);
          if (!risky && typechecked < TYPECHECKS && r.next() < 0.2) {
            typechecked++;
            const outDir = (config.outDir as string | undefined) ?? 'src/session';
            expect(await typecheck(dir, outDir)).toBe('');
          }
        } else {
          expect(full.code).toBe(3);
        }
      } catch (error) {
        (error as Error).message = `REGEN_SEED=${SEED} case ${n}: ${JSON.stringify(c)}\n${(error as Error).message}`;
        throw error;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    expect((await readdir(work)).filter((name) => name.startsWith('case-'))).toEqual([]);
  }, 600_000);
});
