/**
 * Issue #9, one test per numbered situation, each through the CLI (in-process
 * `runCli`, or the real bin where a process matters: kill -9, two runs at once).
 * After every situation, `check` answered from hashes and by planning agree.
 */
import { spawn } from 'node:child_process';
import { chmod, cp, readdir, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { binPath, runBin, runCli, writeConfig } from '../helpers/project.js';
import {
  actions,
  allFiles,
  checkBoth,
  cleanup,
  edit,
  hasMarkers,
  LOCK,
  planOf,
  read,
  readTree,
  S,
  scaffold,
  typecheck,
} from './helpers.js';

afterEach(cleanup);

const SAME_SITE_LAX = 'export const SAME_SITE = "Lax";';
const MY_SAME_SITE = 'export const SAME_SITE = "None"; // we embed in an iframe';

describe('1-2. a moved-aside file or a backup never replaces an earlier one', () => {
  it('1. express → fastify → koa → express → fastify, editing routes.ts each time: every edit survives in a named copy', async () => {
    const dir = await scaffold({ framework: 'express' });
    const edits: string[] = [];
    const named = new Set<string>();
    for (const [i, framework] of (['fastify', 'koa', 'express', 'fastify'] as const).entries()) {
      const line = `// my routes edit #${i}`;
      edits.push(line);
      await edit(dir, `${S}/routes.ts`, (text) => `${text}\n${line}\n`);
      await writeConfig(dir, { framework });
      const result = await runCli(['generate', '--json'], dir);
      expect(result.code).toBe(0);
      const routes = planOf(result).find((file) => file.path === `${S}/routes.ts`);
      expect(routes?.action).toBe('orphan');
      expect(routes?.movedTo).toBeDefined();
      expect(named.has(routes!.movedTo!), 'a second copy under the same name').toBe(false);
      named.add(routes!.movedTo!);
    }
    expect([...named]).toEqual([`${S}/routes.ts.express.orig`, `${S}/routes.ts.fastify.orig`, `${S}/routes.ts.koa.orig`, `${S}/routes.ts.express.1.orig`]);
    const copies = await Promise.all([...named].map((file) => read(dir, file)));
    for (const [i, line] of edits.entries()) expect(copies[i]).toContain(line);
    expect((await checkBoth(dir)).code).toBe(0);
  });

  it('2. a second --force backs up to a new name: both edits are kept, and the output names each backup', async () => {
    const dir = await scaffold({ framework: 'express' });
    const names: string[] = [];
    for (const n of [1, 2]) {
      await edit(dir, `${S}/keys.ts`, (text) => `${text}\n// my edit ${n}\n`);
      const result = await runCli(['generate', '--force'], dir);
      expect(result.code).toBe(0);
      const named = /backed up to (\S+)\)/.exec(result.stdout)?.[1];
      expect(named).toBeDefined();
      names.push(named!);
      expect(await read(dir, named!)).toContain(`// my edit ${n}`);
    }
    expect(names).toEqual([`${S}/keys.ts.bak`, `${S}/keys.ts.1.bak`]);
    expect(await read(dir, `${S}/keys.ts.bak`)).toContain('// my edit 1');
    expect((await checkBoth(dir)).code).toBe(0);
  });
});

describe('3-4. conflict policies decide conflicts only, and never drop a change silently', () => {
  const CHANGED = { framework: 'express', refresh: { mode: 'transparent' }, cookies: { sameSite: 'strict' }, routes: { login: '/signin' } } as const;

  it('3. --on-conflict keep keeps your SAME_SITE line but applies the rest, and check keeps reporting the conflict', async () => {
    const dir = await scaffold({ framework: 'express' });
    await edit(dir, `${S}/policy.ts`, (text) => text.replace(SAME_SITE_LAX, MY_SAME_SITE));
    await writeConfig(dir, CHANGED);
    const kept = await runCli(['generate', '--on-conflict', 'keep'], dir);
    expect(kept.code).toBe(0);
    expect(kept.stderr).toContain(`${S}/policy.ts keeps your lines where they conflict`);
    const policy = await read(dir, `${S}/policy.ts`);
    expect(policy).toContain(MY_SAME_SITE);
    expect(policy).toContain('mode: "transparent"');
    expect(policy).toContain('login: "/signin"');
    expect(hasMarkers(policy)).toBe(false);
    const checked = await checkBoth(dir);
    expect(checked.code).toBe(3);
    expect(checked.stderr).toContain(`${S}/policy.ts: would conflict`);
    // Running keep again is stable, and still reported.
    expect((await runCli(['generate', '--on-conflict', 'keep'], dir)).code).toBe(0);
    expect(await read(dir, `${S}/policy.ts`)).toBe(policy);
    expect((await checkBoth(dir)).code).toBe(3);
    // Taking the generated line resolves it.
    await edit(dir, `${S}/policy.ts`, (text) => text.replace(MY_SAME_SITE, 'export const SAME_SITE = "Strict";'));
    expect((await runCli(['generate'], dir)).code).toBe(0);
    expect((await checkBoth(dir)).code).toBe(0);
  });

  it('3b. restoring your own version of a conflicted file and re-running re-applies the change instead of dropping it', async () => {
    const dir = await scaffold({ framework: 'express' });
    await edit(dir, `${S}/policy.ts`, (text) => text.replace(SAME_SITE_LAX, MY_SAME_SITE));
    const mine = await read(dir, `${S}/policy.ts`);
    await writeConfig(dir, CHANGED);
    expect((await runCli(['generate'], dir)).code).toBe(4);
    await writeFile(path.join(dir, `${S}/policy.ts`), mine);
    expect((await checkBoth(dir)).code).toBe(3);
    const again = await runCli(['generate', '--on-conflict', 'keep'], dir);
    expect(again.code).toBe(0);
    const policy = await read(dir, `${S}/policy.ts`);
    expect(policy).toContain(MY_SAME_SITE);
    expect(policy).toContain('mode: "transparent"');
    expect((await checkBoth(dir)).code).toBe(3);
  });

  it('4. --on-conflict overwrite replaces (with a backup) only the conflicting file; an edit the change does not touch stays', async () => {
    const dir = await scaffold({ framework: 'express' });
    await edit(dir, `${S}/keys.ts`, (text) => `${text}\n// my keys note\n`);
    await edit(dir, `${S}/policy.ts`, (text) => text.replace(SAME_SITE_LAX, MY_SAME_SITE));
    await writeConfig(dir, { framework: 'express', cookies: { sameSite: 'strict' } });
    const result = await runCli(['generate', '--on-conflict', 'overwrite', '--json'], dir);
    expect(result.code).toBe(0);
    const byFile = actions(result);
    expect(byFile[`${S}/keys.ts`]).toBe('keep');
    expect(await read(dir, `${S}/keys.ts`)).toContain('// my keys note');
    expect(await read(dir, `${S}/policy.ts`)).toContain('export const SAME_SITE = "Strict";');
    expect(planOf(result).find((file) => file.path === `${S}/policy.ts`)?.backup).toBe(`${S}/policy.ts.bak`);
    expect(await read(dir, `${S}/policy.ts.bak`)).toContain(MY_SAME_SITE);
    expect(await readdir(path.join(dir, S))).not.toContain('keys.ts.bak');
    expect((await checkBoth(dir)).code).toBe(0);
  });
});

describe('5. a run stopped at any step recovers', () => {
  it('stopped after each durable step in turn (and by ENOSPC / EACCES): the next run ends exactly where an uninterrupted one does', async () => {
    const dir = await scaffold({ framework: 'express' });
    await edit(dir, `${S}/policy.ts`, (text) => `${text}\n// our review note\nexport const REVIEWED = true;\n`);
    await edit(dir, `${S}/session.ts`, (text) => `// session tweaks below\n${text}`);
    await writeConfig(dir, { framework: 'express', refresh: { mode: 'transparent' }, routes: { logout: '/signout' } });
    const before = await readTree(dir);

    const complete = `${dir}-complete`;
    await cp(dir, complete, { recursive: true });
    const straight = await runCli(['generate'], complete);
    expect(straight.code).toBe(0);
    const after = await readTree(complete);
    await rm(complete, { recursive: true, force: true });

    const stops: Record<string, string>[] = [
      ...Array.from({ length: 60 }, (_, i) => ({ SCALEKIT_SCAFFOLD_CRASH_AT: String(i + 1) })),
      { SCALEKIT_SCAFFOLD_FAIL_AT: '1:ENOSPC' },
      { SCALEKIT_SCAFFOLD_FAIL_AT: '9:EACCES' },
    ];
    let finished = false;
    for (const env of stops) {
      if (finished && env.SCALEKIT_SCAFFOLD_CRASH_AT) continue;
      const copy = `${dir}-stop`;
      await rm(copy, { recursive: true, force: true });
      await cp(dir, copy, { recursive: true });
      try {
        const stopped = await runCli(['generate'], copy, env);
        if (stopped.code === 0) {
          finished = true;
          continue;
        }
        if (env.SCALEKIT_SCAFFOLD_FAIL_AT) {
          expect(stopped.stderr).toMatch(/^error: Cannot write .*: (no space left on the device \(ENOSPC\)|permission denied \(EACCES\))\.$/m);
          expect(stopped.stderr).not.toContain('internal error');
          expect(stopped.stderr).not.toMatch(/\n\s+at /);
        }
        const interrupted = await readTree(copy);
        for (const file of Object.keys(after).filter((f) => f.startsWith(S))) {
          expect([before[file], after[file]], `${JSON.stringify(env)} ${file}`).toContain(interrupted[file]);
        }
        const resumed = await runCli(['generate'], copy);
        expect(resumed.code, `${JSON.stringify(env)}: ${resumed.stderr}`).toBe(0);
        expect(await readTree(copy), JSON.stringify(env)).toEqual(after);
        expect((await allFiles(copy)).filter((file) => file.endsWith('.tmp') || file.endsWith('run.lock'))).toEqual([]);
        expect((await checkBoth(copy)).code).toBe(0);
      } finally {
        await rm(copy, { recursive: true, force: true });
      }
    }
    expect(finished).toBe(true);
  }, 600_000);

  it('kill -9 of the real process at a step leaves a tree the next run completes', async () => {
    const dir = await scaffold({ framework: 'express' });
    await edit(dir, `${S}/policy.ts`, (text) => `${text}\n// our review note\n`);
    await writeConfig(dir, { framework: 'express', refresh: { mode: 'transparent' } });
    const child = spawn(process.execPath, [binPath, 'generate'], {
      cwd: dir,
      env: { ...process.env, SCALEKIT_SCAFFOLD_CRASH_AT: '6', SCALEKIT_SCAFFOLD_CRASH_MODE: 'kill' },
      stdio: 'ignore',
    });
    const signal = await new Promise((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
    expect(signal).toBe('SIGKILL');
    expect((await allFiles(dir)).some((file) => file.endsWith('run.lock'))).toBe(true);
    const resumed = await runBin(['generate'], dir);
    expect(resumed.code).toBe(0);
    expect(await read(dir, `${S}/policy.ts`)).toContain('// our review note');
    expect(await read(dir, `${S}/policy.ts`)).toContain('mode: "transparent"');
    expect((await allFiles(dir)).filter((file) => file.endsWith('.tmp') || file.endsWith('run.lock'))).toEqual([]);
    expect((await checkBoth(dir)).code).toBe(0);
  });
});

describe('6. formatting is never an edit', () => {
  for (const [name, files] of [
    ['.prettierrc', { '.prettierrc': JSON.stringify({ printWidth: 120, singleQuote: true, semi: false }) }],
    ['a prettier key in package.json', { 'package.json': JSON.stringify({ type: 'module', prettier: { tabWidth: 4, trailingComma: 'none' } }) }],
    ['.editorconfig', { '.editorconfig': 'root = true\n[*]\nindent_style = tab\n' }],
  ] as const) {
    it(`${name} added later, prettier --write, one real edit and a config change: merged, no conflict`, async () => {
      const dir = await scaffold({ framework: 'express' });
      for (const [file, content] of Object.entries(files)) await writeFile(path.join(dir, file), content);
      const prettier = await import('prettier');
      await prettier.clearConfigCache();
      for (const file of await readdir(path.join(dir, S))) {
        const full = path.join(dir, S, file);
        const options = (await prettier.resolveConfig(full, { editorconfig: true })) ?? {};
        await writeFile(full, await prettier.format(await read(dir, `${S}/${file}`), { ...options, filepath: full }));
      }
      await edit(dir, `${S}/policy.ts`, (text) => `${text}\n// our review note\n`);
      await writeConfig(dir, { framework: 'express', cookies: { sameSite: 'strict' }, routes: { logout: '/signout' } });
      const result = await runCli(['generate', '--json'], dir);
      expect(result.code, result.stderr).toBe(0);
      expect(Object.values(actions(result))).not.toContain('conflict');
      const policy = await read(dir, `${S}/policy.ts`);
      expect(policy).toContain('// our review note');
      expect(policy).toMatch(/SAME_SITE = ["']Strict["']/);
      expect((await checkBoth(dir)).code).toBe(0);
    });
  }
});

describe('7. line endings are never an edit, and a file keeps its own', () => {
  const toCrlf = (text: string) => text.replace(/\r?\n/g, '\r\n');
  const lfOnly = (text: string) => /(^|[^\r])\n/.test(text);

  for (const prettierrc of [undefined, JSON.stringify({ endOfLine: 'auto' })]) {
    it(`a CRLF checkout${prettierrc ? ' with endOfLine: auto' : ''}: unchanged, then merged as CRLF; markers in CRLF; check sees them`, async () => {
      const dir = await scaffold({ framework: 'express' }, prettierrc ? { '.prettierrc': prettierrc } : {});
      for (const file of await readdir(path.join(dir, S))) await edit(dir, `${S}/${file}`, toCrlf);
      const crlfTree = await readTree(dir);
      const same = await runCli(['generate', '--json'], dir);
      expect(same.code).toBe(0);
      expect(new Set(Object.values(actions(same)))).toEqual(new Set(['unchanged']));
      for (const file of Object.keys(crlfTree).filter((f) => f.startsWith(S))) expect((await readTree(dir))[file]).toBe(crlfTree[file]);
      expect((await checkBoth(dir)).code).toBe(0);

      await edit(dir, `${S}/keys.ts`, (text) => `${text}// my keys note\r\n`);
      await edit(dir, `${S}/policy.ts`, (text) => text.replace(SAME_SITE_LAX, MY_SAME_SITE));
      await writeConfig(dir, { framework: 'express', refresh: { mode: 'transparent' }, cookies: { sameSite: 'strict' }, encryption: { keySource: { type: 'file', path: '/run/keys' } } });
      const result = await runCli(['generate', '--json'], dir);
      expect(result.code).toBe(4);
      expect(actions(result)[`${S}/keys.ts`]).toBe('merge');
      expect(actions(result)[`${S}/session.ts`]).toBe('update');
      for (const file of ['keys.ts', 'policy.ts', 'session.ts']) expect(lfOnly(await read(dir, `${S}/${file}`)), file).toBe(false);
      expect(await read(dir, `${S}/keys.ts`)).toContain('// my keys note\r\n');
      expect(await read(dir, `${S}/policy.ts`)).toContain(`<<<<<<< yours\r\n${MY_SAME_SITE}\r\n=======\r\n`);
      const checked = await checkBoth(dir);
      expect(checked.code).toBe(3);
      expect(checked.stderr).toContain(`${S}/policy.ts: would conflict: holds unresolved conflict markers`);
    });
  }
});

describe('8. outDir changed after editing', () => {
  it('the whole set moves, the edit carried and merged at the new path; reported; the lock follows; it typechecks', async () => {
    const dir = await scaffold({ framework: 'express' });
    await edit(dir, `${S}/routes.ts`, (text) => `${text}\n// my routes note\n`);
    await writeConfig(dir, { framework: 'express', outDir: 'src/auth', routes: { logout: '/signout' } });
    const result = await runCli(['generate', '--json'], dir);
    expect(result.code).toBe(0);
    const routes = planOf(result).find((file) => file.path === 'src/auth/routes.ts');
    expect(routes).toMatchObject({ action: 'move', movedFrom: `${S}/routes.ts` });
    expect(planOf(result).find((file) => file.path === `${S}/routes.ts`)).toMatchObject({ action: 'delete', reason: 'moved to src/auth/routes.ts' });
    expect(await read(dir, 'src/auth/routes.ts')).toContain('// my routes note');
    expect(await read(dir, 'src/auth/policy.ts')).toContain('logout: "/signout"');
    expect(await readdir(path.join(dir, 'src'))).toEqual(['auth']);
    const lock = JSON.parse(await read(dir, LOCK)) as { files: Record<string, unknown> };
    expect(Object.keys(lock.files).every((file) => file.startsWith('src/auth/'))).toBe(true);
    expect((await checkBoth(dir)).code).toBe(0);
    expect(await typecheck(dir)).toBe('');
  });
});

describe('9. .scalekit-session/ or the lock lost', () => {
  it('bases lost, no config change: edited files are kept, not whole-file conflicts', async () => {
    const dir = await scaffold({ framework: 'express' });
    await edit(dir, `${S}/keys.ts`, (text) => `${text}\n// mine\n`);
    await rm(path.join(dir, '.scalekit-session'), { recursive: true });
    const result = await runCli(['generate', '--json'], dir);
    expect(result.code).toBe(0);
    expect(actions(result)[`${S}/keys.ts`]).toBe('keep');
    expect((await checkBoth(dir)).code).toBe(0);
  });

  it('bases lost, then a config change: the base is re-rendered from the config the lock recorded, so the edit merges', async () => {
    const dir = await scaffold({ framework: 'express' });
    await edit(dir, `${S}/policy.ts`, (text) => `${text}\n// our review note\n`);
    await rm(path.join(dir, '.scalekit-session'), { recursive: true });
    await writeConfig(dir, { framework: 'express', cookies: { sameSite: 'strict' } });
    const result = await runCli(['generate', '--json'], dir);
    expect(result.code).toBe(0);
    expect(actions(result)[`${S}/policy.ts`]).toBe('merge');
    expect(await read(dir, `${S}/policy.ts`)).toContain('// our review note');
    expect((await checkBoth(dir)).code).toBe(0);
  });

  it('lock lost, then a config change: untouched files are recognised by their stored base and updated, not called edited', async () => {
    const dir = await scaffold({ framework: 'express' });
    await unlink(path.join(dir, LOCK));
    await writeConfig(dir, { framework: 'express', cookies: { sameSite: 'strict' } });
    const result = await runCli(['generate', '--json'], dir);
    expect(result.code).toBe(0);
    expect(actions(result)[`${S}/policy.ts`]).toBe('update');
    expect(Object.values(actions(result))).not.toContain('conflict');
    expect((await checkBoth(dir)).code).toBe(0);
  });
});

describe('10. two generate runs at once', () => {
  it('the second waits for the first: no markers anywhere, and the tree is in sync', async () => {
    const dir = await scaffold({ framework: 'express' });
    await edit(dir, `${S}/policy.ts`, (text) => `${text}\n// our review note\n`);
    await writeConfig(dir, { framework: 'express', refresh: { mode: 'transparent' } });
    const runs = await Promise.all([runBin(['generate'], dir), runBin(['generate'], dir)]);
    expect(runs.map((run) => run.code)).toEqual([0, 0]);
    for (const file of await readdir(path.join(dir, S))) expect(hasMarkers(await read(dir, `${S}/${file}`)), file).toBe(false);
    expect(await read(dir, `${S}/policy.ts`)).toContain('// our review note');
    expect((await checkBoth(dir)).code).toBe(0);
  });

  it('a live run holding the lock: a clear one-line error after the wait, nothing written; a dead one is taken over', async () => {
    const dir = await scaffold({ framework: 'express' });
    await writeConfig(dir, { framework: 'express', refresh: { mode: 'transparent' } });
    const before = await readTree(dir);
    const lockFile = path.join(dir, '.scalekit-session/run.lock');
    // This test's own process is alive (and it is not the bin's pid).
    await writeFile(lockFile, JSON.stringify({ pid: process.pid, started: Date.now(), token: 'x' }));
    const blocked = await runBin(['generate'], dir, { SCALEKIT_SCAFFOLD_LOCK_WAIT_MS: '300' });
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain(`error: Another generate is running in this project (pid ${process.pid}`);
    expect(await readTree(dir)).toEqual({ ...before, '.scalekit-session/run.lock': expect.any(String) });

    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => dead.on('exit', resolve));
    await writeFile(lockFile, JSON.stringify({ pid: dead.pid, started: Date.now(), token: 'y' }));
    expect((await runBin(['generate'], dir)).code).toBe(0);
    expect((await checkBoth(dir)).code).toBe(0);
  });
});

describe('11. a file with unresolved markers is never merged into', () => {
  for (const [name, leftover] of [
    ['a full marker block', `<<<<<<< yours\n${MY_SAME_SITE}\n=======\nexport const SAME_SITE = "Strict";\n>>>>>>> generated`],
    ['a lone =======', `${MY_SAME_SITE}\n=======\nexport const SAME_SITE = "Strict";`],
  ]) {
    it(`${name} plus a config change: generate exits 4 and leaves the file, check and diff exit 3`, async () => {
      const dir = await scaffold({ framework: 'express' });
      await edit(dir, `${S}/policy.ts`, (text) => text.replace(SAME_SITE_LAX, leftover!));
      const marked = await read(dir, `${S}/policy.ts`);
      await writeConfig(dir, { framework: 'express', refresh: { mode: 'transparent' } });
      for (const policy of ['merge', 'keep']) {
        const result = await runCli(['generate', '--on-conflict', policy], dir);
        expect(result.code).toBe(4);
        expect(result.stderr).toContain(`${S}/policy.ts: holds unresolved conflict markers`);
        expect(await read(dir, `${S}/policy.ts`)).toBe(marked);
      }
      expect((await checkBoth(dir)).code).toBe(3);
      expect((await runCli(['diff'], dir)).code).toBe(3);
      const dry = await runCli(['generate', '--dry-run'], dir);
      expect(dry.code).toBe(4);
    });
  }
});

describe('12. the smaller ones', () => {
  it('a file keeps its mode (read-only, executable) when rewritten', async () => {
    const dir = await scaffold({ framework: 'express' });
    await chmod(path.join(dir, `${S}/policy.ts`), 0o444);
    await chmod(path.join(dir, `${S}/session.ts`), 0o755);
    await writeConfig(dir, { framework: 'express', refresh: { mode: 'transparent' } });
    expect((await runCli(['generate'], dir)).code).toBe(0);
    expect(await read(dir, `${S}/policy.ts`)).toContain('mode: "transparent"');
    expect((await stat(path.join(dir, `${S}/policy.ts`))).mode & 0o777).toBe(0o444);
    expect((await stat(path.join(dir, `${S}/session.ts`))).mode & 0o777).toBe(0o755);
  });

  it('temp files of a stopped run are removed from the project root, the base folder and outDir', async () => {
    const dir = await scaffold({ framework: 'express' });
    await writeConfig(dir, { framework: 'express', refresh: { mode: 'transparent' } });
    // Step 1 is the temp file of the first new base, stopped before its rename.
    expect((await runCli(['generate'], dir, { SCALEKIT_SCAFFOLD_CRASH_AT: '1' })).code).toBe(1);
    await writeFile(path.join(dir, `.${LOCK}.123.deadbeef.tmp`), 'half');
    await writeFile(path.join(dir, S, '.policy.ts.456.0badc0de.tmp'), 'half');
    expect((await allFiles(dir)).filter((file) => file.endsWith('.tmp'))).toHaveLength(3);
    expect((await runCli(['generate'], dir)).code).toBe(0);
    expect((await allFiles(dir)).filter((file) => file.endsWith('.tmp'))).toEqual([]);
  });

  it('a lock entry missing a field: one clear line, exit 1, no stack', async () => {
    const dir = await scaffold({ framework: 'express' });
    const lock = JSON.parse(await read(dir, LOCK)) as { files: Record<string, { hash?: string }> };
    delete lock.files[`${S}/keys.ts`]!.hash;
    await writeFile(path.join(dir, LOCK), JSON.stringify(lock));
    for (const command of ['generate', 'check', 'diff']) {
      const result = await runCli([command], dir);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^error: ${LOCK} is not a lock file this tool wrote: files\\["${S}/keys.ts"\\]\\.hash is missing or not a string\\.$`, 'm'));
      expect(result.stderr).not.toContain('internal error');
    }
  });

  it('diff exits 3 exactly when check does (a missing file; kept markers) and generate --dry-run exits as the run would', async () => {
    const dir = await scaffold({ framework: 'express' });
    await unlink(path.join(dir, `${S}/crypto.ts`));
    expect((await checkBoth(dir)).code).toBe(3);
    expect((await runCli(['diff'], dir)).code).toBe(3);
    expect((await runCli(['generate', '--restore'], dir)).code).toBe(0);
    expect((await runCli(['diff'], dir)).code).toBe(0);

    await edit(dir, `${S}/policy.ts`, (text) => text.replace(SAME_SITE_LAX, MY_SAME_SITE));
    await writeConfig(dir, { framework: 'express', cookies: { sameSite: 'strict' } });
    const before = await readTree(dir);
    const dry = await runCli(['generate', '--dry-run'], dir);
    expect(dry.code).toBe(4);
    expect(dry.stderr).toContain('dry run: nothing was written');
    expect((await runCli(['generate', '--dry-run', '--on-conflict', 'keep'], dir)).code).toBe(0);
    expect((await runCli(['generate', '--dry-run', '--on-conflict', 'fail'], dir)).code).toBe(4);
    expect(await readTree(dir)).toEqual(before);
    expect((await runCli(['generate'], dir)).code).toBe(4);
    expect((await runCli(['diff'], dir)).code).toBe(3);
    expect((await checkBoth(dir)).code).toBe(3);
  });
});

describe('check fast path', () => {
  it('in sync: answered from hashes; any change to the config, formatting, templates input or a file falls back to planning', async () => {
    const dir = await scaffold({ framework: 'express' });
    expect(await checkBoth(dir)).toMatchObject({ code: 0, checkedBy: 'hashes' });
    await edit(dir, `${S}/keys.ts`, (text) => `${text}\n// mine\n`);
    expect(await checkBoth(dir)).toMatchObject({ code: 0, checkedBy: 'plan' });
    await writeFile(path.join(dir, '.prettierrc'), JSON.stringify({ semi: false }));
    expect(await checkBoth(dir)).toMatchObject({ code: 3, checkedBy: 'plan' });
    await rm(path.join(dir, '.prettierrc'));
    await writeConfig(dir, { framework: 'express', cookies: { sameSite: 'strict' } });
    expect(await checkBoth(dir)).toMatchObject({ code: 3, checkedBy: 'plan' });
  });

  it('loads neither Prettier nor Handlebars when in sync (the real bin, with an import hook that refuses them)', async () => {
    const dir = await scaffold({ framework: 'express' });
    const hooks = path.join(dir, 'hooks.mjs');
    const register = path.join(dir, 'register.mjs');
    await writeFile(
      hooks,
      "export async function resolve(specifier, context, next) {\n  if (/^(prettier|handlebars)(\\/|$)/.test(specifier)) throw new Error(`check loaded ${specifier}`);\n  return next(specifier, context);\n}\n",
    );
    await writeFile(register, "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n");
    const inSync = await runBin(['check'], dir, { NODE_OPTIONS: `--import=${register}` });
    expect(inSync.stderr).toBe('');
    expect(inSync.code).toBe(0);
    // The hook works: a check that must plan loads Prettier and fails on it.
    await writeConfig(dir, { framework: 'express', cookies: { sameSite: 'strict' } });
    const planned = await runBin(['check'], dir, { NODE_OPTIONS: `--import=${register}` });
    expect(planned.stderr).toContain('check loaded');
  });
});
