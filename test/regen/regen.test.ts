import { execFile, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

import type { ConfigInput } from '../../src/config/schema.js';
import { binPath, type CliRun, readTree, repoRoot, runBin, runCli, writeConfig } from '../helpers/project.js';

const run = promisify(execFile);
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const S = 'src/session';
const read = (dir: string, file: string) => readFile(path.join(dir, file), 'utf8');
const edit = async (dir: string, file: string, change: (text: string) => string) => {
  const target = path.join(dir, file);
  await writeFile(target, change(await readFile(target, 'utf8')));
};

/** A scaffolded project (under the repo's .tmp, so the generated code resolves this repo's packages). */
async function scaffold(config: ConfigInput): Promise<string> {
  await mkdir(path.join(repoRoot, '.tmp'), { recursive: true });
  const dir = await mkdtemp(path.join(repoRoot, '.tmp', 'regen-'));
  dirs.push(dir);
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  await writeConfig(dir, config);
  const first = await runBin(['generate', '--quiet'], dir);
  expect(first.stderr).toBe('');
  expect(first.code).toBe(0);
  return dir;
}

function actions(result: CliRun): Record<string, string> {
  const plan = JSON.parse(result.stdout) as { files: { path: string; action: string }[] };
  return Object.fromEntries(plan.files.map((file) => [file.path, file.action]));
}

async function typecheck(dir: string): Promise<string> {
  const tsconfig = {
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] },
    include: ['src'],
  };
  await writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
  return run(process.execPath, [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', dir]).then(
    () => '',
    (error: { stdout: string }) => error.stdout,
  );
}

const MY_MIDDLEWARE = '\n/** My own helper, added by hand. */\nexport const myAuditTag = "audit-v1";\n';
const MY_POLICY = '\n// Our team: sessions are reviewed quarterly.\nexport const REVIEWED_BY = "security-team";\n';

describe('regenerating after a policy change', () => {
  it('keeps hand edits, applies the new policy, still typechecks, and a second run is a no-op', async () => {
    const dir = await scaffold({ framework: 'express' });
    await edit(dir, `${S}/middleware.ts`, (text) => text + MY_MIDDLEWARE);
    await edit(dir, `${S}/policy.ts`, (text) => text + MY_POLICY);
    await writeConfig(dir, {
      framework: 'express',
      refresh: { mode: 'transparent' },
      routes: { login: '/signin' },
      cookies: { sameSite: 'strict' },
    });

    const result = await runBin(['generate', '--json'], dir);
    expect(result.code).toBe(0);
    const byFile = actions(result);
    expect(byFile[`${S}/policy.ts`]).toBe('merge');
    expect(byFile[`${S}/middleware.ts`]).toBe('merge');
    expect(byFile[`${S}/session.ts`]).toBe('update');

    const policy = await read(dir, `${S}/policy.ts`);
    expect(policy).toContain(MY_POLICY.trim().split('\n')[1]);
    expect(policy).toContain('export const SAME_SITE = "Strict";');
    expect(policy).toContain('mode: "transparent"');
    expect(policy).toContain('login: "/signin"');
    expect(await read(dir, `${S}/middleware.ts`)).toContain('export const myAuditTag = "audit-v1";');
    expect(await read(dir, `${S}/session.ts`)).toContain('refreshInline');
    expect(await typecheck(dir)).toBe('');

    const tree = await readTree(dir);
    // The merge base is the new output, kept where no compiler or linter looks.
    const lock = JSON.parse(tree['scalekit-session.lock.json'] ?? '') as { files: Record<string, { hash: string }> };
    expect(tree[`.scalekit-session/base/${lock.files[`${S}/policy.ts`]?.hash}.base`]).toContain('export const SAME_SITE = "Strict";');
    expect(Object.keys(tree).filter((file) => file.startsWith('.scalekit-session/') && !/^\.scalekit-session\/base\/sha256-[\w-]+\.base$/.test(file))).toEqual([]);
    const again = await runBin(['generate', '--json'], dir);
    expect(again.code).toBe(0);
    // Nothing to write: the merged files are the user's ("keep"), the rest already current.
    const second = actions(again);
    expect(Object.entries(second).filter(([, action]) => action !== 'unchanged')).toEqual([
      [`${S}/policy.ts`, 'keep'],
      [`${S}/middleware.ts`, 'keep'],
    ]);
    expect(await readTree(dir)).toEqual(tree);
    expect((await runBin(['check'], dir)).code).toBe(0);
  });

  it('a conflicting edit: markers, exit 4, and nothing else touched', async () => {
    const dir = await scaffold({ framework: 'express' });
    await edit(dir, `${S}/policy.ts`, (text) => text.replace('export const SAME_SITE = "Lax";', 'export const SAME_SITE = "None"; // we embed in an iframe'));
    const before = await readTree(dir);
    await writeConfig(dir, { framework: 'express', cookies: { sameSite: 'strict' } });

    const result = await runBin(['generate'], dir);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('1 file could not be merged cleanly');
    expect(result.stderr).toContain(`${S}/policy.ts: edited by you; 1 conflicting region`);
    const policy = await read(dir, `${S}/policy.ts`);
    expect(policy).toMatch(/<<<<<<< yours\nexport const SAME_SITE = "None"; \/\/ we embed in an iframe\n=======\nexport const SAME_SITE = "Strict";\n>>>>>>> generated/);

    const after = await readTree(dir);
    for (const [file, content] of Object.entries(before)) {
      if (file === `${S}/policy.ts` || file === 'scalekit-session.config.json' || file.startsWith('.scalekit-session/') || file === 'scalekit-session.lock.json') continue;
      expect(after[file], file).toBe(content);
    }
    // The markers are the user's to resolve: the next run never merges into them (exit 4), check reports them.
    const again = await runCli(['generate', '--json'], dir);
    expect(again.code).toBe(4);
    expect(actions(again)[`${S}/policy.ts`]).toBe('conflict');
    expect(await read(dir, `${S}/policy.ts`)).toBe(policy);
    const checked = await runCli(['check'], dir);
    expect(checked.code).toBe(3);
    expect(checked.stderr).toContain(`${S}/policy.ts: would conflict: holds unresolved conflict markers`);
  });

  it('--on-conflict fail writes nothing; keep keeps yours; --force overwrites after a backup', async () => {
    const dir = await scaffold({ framework: 'express' });
    const mine = (text: string) => text.replace('export const SAME_SITE = "Lax";', 'export const SAME_SITE = "None";');
    await edit(dir, `${S}/policy.ts`, mine);
    await writeConfig(dir, { framework: 'express', cookies: { sameSite: 'strict' } });
    const before = await readTree(dir);

    const failed = await runCli(['generate', '--on-conflict', 'fail'], dir);
    expect(failed.code).toBe(4);
    expect(failed.stderr).toContain('nothing was written (--on-conflict fail)');
    expect(await readTree(dir)).toEqual(before);

    const kept = await runCli(['generate', '--on-conflict', 'keep'], dir);
    expect(kept.code).toBe(0);
    expect(await read(dir, `${S}/policy.ts`)).toContain('export const SAME_SITE = "None";');

    const edited = await read(dir, `${S}/policy.ts`);
    const forced = await runCli(['generate', '--force'], dir);
    expect(forced.code).toBe(0);
    expect(await read(dir, `${S}/policy.ts`)).toContain('export const SAME_SITE = "Strict";');
    expect(await read(dir, `${S}/policy.ts.bak`)).toBe(edited);
  });
});

describe('check and diff', () => {
  it('check exits 0 in sync, 3 on a config change, a missing file or changed templates; diff shows the change', async () => {
    const dir = await scaffold({ framework: 'express' });
    expect((await runCli(['check'], dir)).code).toBe(0);
    expect((await runCli(['diff'], dir)).code).toBe(0);

    // A hand edit is not drift: regenerating would keep it.
    await edit(dir, `${S}/keys.ts`, (text) => `${text}\n// mine\n`);
    expect((await runCli(['check'], dir)).code).toBe(0);

    await writeConfig(dir, { framework: 'express', routes: { logout: '/signout' } });
    const drift = await runCli(['check'], dir);
    expect(drift.code).toBe(3);
    expect(drift.stderr).toContain('scalekit-session.lock.json: the config changed since the last generate');
    expect(drift.stderr).toMatch(new RegExp(`${S}/policy.ts: would update: config changed`));
    const json = await runCli(['check', '--json'], dir);
    expect(json.code).toBe(3);
    expect((JSON.parse(json.stdout) as { inSync: boolean }).inSync).toBe(false);

    const shown = await runCli(['diff'], dir);
    expect(shown.code).toBe(3);
    expect(shown.stdout).toContain(`--- a/${S}/policy.ts`);
    expect(shown.stdout).toContain('-  logout: "/auth/logout",');
    expect(shown.stdout).toContain('+  logout: "/signout",');
    expect(await readTree(dir)).toMatchObject({ [`${S}/policy.ts`]: expect.stringContaining('logout: "/auth/logout"') });

    await runCli(['generate'], dir);
    expect((await runCli(['check'], dir)).code).toBe(0);
    await unlink(path.join(dir, `${S}/crypto.ts`));
    const missing = await runCli(['check'], dir);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain(`${S}/crypto.ts: would missing: deleted since the last generate`);

    await runCli(['generate', '--restore'], dir);
    const lock = JSON.parse(await read(dir, 'scalekit-session.lock.json')) as { version: string };
    await writeFile(path.join(dir, 'scalekit-session.lock.json'), JSON.stringify({ ...lock, version: '0.0.1' }));
    // Another tool version alone is not drift: only output that would change is.
    expect(await runCli(['check'], dir)).toMatchObject({ code: 0, stderr: '' });
  });

  it('a deleted file is reported and re-created only with --restore', async () => {
    const dir = await scaffold({ framework: 'express' });
    const original = await read(dir, `${S}/client.ts`);
    await unlink(path.join(dir, `${S}/client.ts`));
    const plain = await runCli(['generate'], dir);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^missing {3}src\/session\/client\.ts {2}\(deleted since the last generate; --restore re-creates it\)$/m);
    await expect(read(dir, `${S}/client.ts`)).rejects.toThrow();
    expect((await runCli(['generate', '--restore'], dir)).code).toBe(0);
    expect(await read(dir, `${S}/client.ts`)).toBe(original);
  });
});

describe('switching framework', () => {
  it('express → koa: untouched Express files are replaced, edited ones kept aside as orphans', async () => {
    const dir = await scaffold({ framework: 'express' });
    await edit(dir, `${S}/routes.ts`, (text) => `${text}\n// my express tweak\n`);
    const editedRoutes = await read(dir, `${S}/routes.ts`);
    await writeConfig(dir, { framework: 'koa' });

    const result = await runCli(['generate', '--json'], dir);
    expect(result.code).toBe(0);
    const byFile = actions(result);
    expect(byFile[`${S}/middleware.ts`]).toBe('update');
    expect(byFile[`${S}/routes.ts`]).toBe('orphan');
    expect(byFile[`${S}/policy.ts`]).toBe('unchanged');
    expect(await read(dir, `${S}/middleware.ts`)).toContain("from \"koa\"");
    expect(await read(dir, `${S}/routes.ts`)).toContain('sessionRoutes');
    expect(await read(dir, `${S}/routes.ts.express.orig`)).toBe(editedRoutes);
    const tree = await readTree(dir);
    expect(Object.keys(tree).filter((file) => file.startsWith(S) && /express/.test(tree[file] ?? '') && !file.endsWith('.orig'))).toEqual([]);
    expect(await typecheck(dir)).toBe('');
  });
});

describe('an interrupted run', () => {
  it('kill -9 mid-write leaves every file old or new, and the next run completes the job', async () => {
    const dir = await scaffold({ framework: 'express' });
    const before = await readTree(dir);
    await writeConfig(dir, { framework: 'express', refresh: { mode: 'transparent' }, routes: { apiPrefix: '/v1', sessions: '/v1/sessions' } });

    // What a complete run produces, in a copy of the project.
    const complete = `${dir}-complete`;
    dirs.push(complete);
    await cp(dir, complete, { recursive: true });
    expect((await runCli(['generate'], complete)).code).toBe(0);
    const after = await readTree(complete);

    const child = spawn(process.execPath, [binPath, 'generate'], {
      cwd: dir,
      env: { ...process.env, SCALEKIT_SCAFFOLD_WRITE_PAUSE_MS: '300' },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    // Kill once the first file has changed and before the lock is written.
    await expect
      .poll(async () => (await read(dir, `${S}/policy.ts`)) !== before[`${S}/policy.ts`], { timeout: 15_000, interval: 20 })
      .toBe(true);
    child.kill('SIGKILL');
    await exited;

    const interrupted = await readTree(dir);
    expect(interrupted['scalekit-session.lock.json']).toBe(before['scalekit-session.lock.json']);
    const changed = Object.keys(after).filter((file) => file.startsWith(S) && interrupted[file] !== before[file]);
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.length).toBeLessThan(Object.keys(after).filter((file) => file.startsWith(S)).length);
    for (const file of Object.keys(after).filter((f) => f.startsWith(S))) {
      expect([before[file], after[file]], file).toContain(interrupted[file]);
    }

    const resumed = await runBin(['generate'], dir);
    expect(resumed.code).toBe(0);
    const final = await readTree(dir);
    for (const file of Object.keys(after)) expect(final[file], file).toBe(after[file]);
    expect(Object.keys(final).filter((file) => file.endsWith('.tmp'))).toEqual([]);
    expect((await runBin(['check'], dir)).code).toBe(0);
  });
});
