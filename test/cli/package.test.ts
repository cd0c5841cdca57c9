/**
 * What `npm pack` ships: the built CLI, templates, schema, LICENSE and type
 * declarations, no source maps pointing at sources it does not ship, and an
 * `exports` map a strict TypeScript consumer resolves with types.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

import { afterAll, describe, expect, it } from 'vitest';

import { removeProject, repoRoot } from '../helpers/project.js';

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map(removeProject));
});

interface Manifest {
  bin: Record<string, string>;
  exports: Record<string, string | { types: string; default: string }>;
  scripts: Record<string, string>;
}

describe('the package', () => {
  it('ships LICENSE, declarations and the bin; no .map files; every export target is in the tarball', async () => {
    // dist/ is built by `npm test` (and by prepack on a real `npm pack`).
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repoRoot });
    const files = ((JSON.parse(stdout) as { files: { path: string }[] }[])[0]?.files ?? []).map((file) => file.path);
    expect(files).toContain('LICENSE');
    expect(files.filter((file) => file.endsWith('.map'))).toEqual([]);
    expect(files.filter((file) => file.startsWith('src/') || file.startsWith('test/'))).toEqual([]);
    const manifest = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as Manifest;
    const targets = [
      ...Object.values(manifest.bin),
      ...Object.values(manifest.exports).flatMap((target) => (typeof target === 'string' ? [target] : [target.types, target.default])),
    ].map((target) => target.replace(/^\.\//, ''));
    for (const target of targets) expect(files, target).toContain(target);
    expect((await readFile(path.join(repoRoot, 'LICENSE'), 'utf8')).split('\n')[0]).toBe('MIT License');
  });

  it('builds in prepack, not prepare (which would run on installs from git)', async () => {
    const manifest = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as Manifest;
    expect(manifest.scripts.prepare).toBeUndefined();
    expect(manifest.scripts.prepack).toBe('npm run build');
  });

  it('a strict TypeScript consumer imports startEmulator with types, and it runs', async () => {
    const base = path.join(repoRoot, '.tmp');
    await mkdir(base, { recursive: true });
    const dir = await mkdtemp(path.join(base, 'consumer-'));
    dirs.push(dir);
    await mkdir(path.join(dir, 'node_modules'));
    await symlink(repoRoot, path.join(dir, 'node_modules/scalekit-session-scaffold'), 'dir');
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    await writeFile(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', types: ['node'], noEmit: true, skipLibCheck: true } }),
    );
    await writeFile(
      path.join(dir, 'consumer.ts'),
      [
        "import { startEmulator, type Emulator } from 'scalekit-session-scaffold/emulator';",
        'const emulator: Emulator = await startEmulator({ clientId: "skc_1" });',
        'const id: string = emulator.clientId;',
        'emulator.controls.setOutage("keys", "5xx");',
        'console.log(id, emulator.url);',
        'await emulator.close();',
        '',
      ].join('\n'),
    );
    const tsc = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
    await expect(run(process.execPath, [tsc, '-p', dir], { cwd: dir })).resolves.toBeDefined();
    // The same import at run time (tsx strips the types).
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'consumer.ts'], { cwd: dir });
    expect(stdout).toMatch(/^skc_1 http:\/\/127\.0\.0\.1:\d+$/m);
  });
});
