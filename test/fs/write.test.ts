import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { Steps, writeAtomic } from '../../src/fs/write.js';

// writeAtomic must never leave a half-written or replaced file when the write
// fails before it completes (issue #15): temp file beside, then rename.
let dir: string;
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('writeAtomic', () => {
  it('a write that fails before the rename leaves the old content and no temp file', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'write-atomic-'));
    const target = path.join(dir, 'file.ts');
    await writeFile(target, 'old content\n');
    const steps = new Steps({ SCALEKIT_SCAFFOLD_FAIL_AT: '1:ENOSPC' });
    await expect(writeAtomic(target, 'new content\n', steps)).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(await readFile(target, 'utf8')).toBe('old content\n');
    expect(await readdir(dir)).toEqual(['file.ts']);
  });

  it('writes the new content otherwise', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'write-atomic-'));
    const target = path.join(dir, 'file.ts');
    await writeFile(target, 'old content\n');
    await writeAtomic(target, 'new content\n');
    expect(await readFile(target, 'utf8')).toBe('new content\n');
    expect(await readdir(dir)).toEqual(['file.ts']);
  });
});
