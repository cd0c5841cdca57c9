import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { renderFiles } from '../helpers/render.js';
import { VARIANTS, type VariantName } from '../helpers/variants.js';

// Each generated file is a snapshot a reviewer reads as code:
// test/__snapshots__/<framework>/<variant>/<file>.ts
describe.each(Object.keys(VARIANTS) as VariantName[])('express / %s', (variant) => {
  it('matches the reviewed output, file by file', async () => {
    const files = await renderFiles(VARIANTS[variant]);
    expect(files.map((file) => path.posix.basename(file.path))).toEqual([
      'policy.ts',
      'keys.ts',
      'crypto.ts',
      'cookies.ts',
      'scalekit.ts',
      'refresh.ts',
      'session.ts',
      'flows.ts',
      'client.ts',
      'adapter.ts',
      'middleware.ts',
      'routes.ts',
      'index.ts',
    ]);
    for (const file of files) {
      await expect(file.content).toMatchFileSnapshot(
        path.join('..', '__snapshots__', 'express', variant, path.posix.basename(file.path)),
      );
    }
  });
});

describe('options that are off leave no trace', () => {
  it('endpoint mode has no inline refresh, transparent mode has no client retry', async () => {
    const endpoint = await renderFiles(VARIANTS.default);
    const transparent = await renderFiles(VARIANTS.transparent);
    const text = (files: typeof endpoint, name: string) => files.find((f) => f.path.endsWith(`/${name}`))?.content ?? '';
    expect(text(endpoint, 'session.ts')).not.toContain('refreshInline');
    expect(text(transparent, 'session.ts')).toContain('refreshInline');
    expect(text(endpoint, 'client.ts')).toContain('access_token_expired');
    expect(text(transparent, 'client.ts')).not.toContain('REFRESH_ROUTE');
  });

  it('no ID token and no session routes: nothing about either is generated', async () => {
    const files = await renderFiles(VARIANTS.minimal);
    const all = files.map((f) => f.content).join('\n');
    expect(all).not.toMatch(/\bidToken\b|sk_id/);
    expect(all).not.toMatch(/listSessions|revokeSession|revokeAllSessions|sessionById/);
  });

  it('a file key source reads the file, an env key source reads the variable', async () => {
    const fromFile = (await renderFiles(VARIANTS.custom)).find((f) => f.path.endsWith('/keys.ts'))?.content;
    const fromEnv = (await renderFiles(VARIANTS.default)).find((f) => f.path.endsWith('/keys.ts'))?.content;
    expect(fromFile).toContain('readFileSync(KEY_FILE');
    expect(fromFile).not.toContain('process.env');
    expect(fromEnv).toContain('process.env[ENV.encryptionKeys]');
    expect(fromEnv).not.toContain('readFileSync');
  });

  it('no generated file uses `any`', async () => {
    for (const variant of Object.values(VARIANTS)) {
      for (const file of await renderFiles(variant)) {
        expect(file.content, file.path).not.toMatch(/:\s*any\b|as any\b|<any>/);
      }
    }
  });
});
