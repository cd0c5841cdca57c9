import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { renderFiles } from '../helpers/render.js';
import { FRAMEWORKS, variantConfig, VARIANTS, type VariantName } from '../helpers/variants.js';

// Each generated file is a snapshot a reviewer reads as code:
// test/__snapshots__/<framework>/<variant>/<file>.ts
const MATRIX = FRAMEWORKS.flatMap((framework) => (Object.keys(VARIANTS) as VariantName[]).map((variant) => [framework, variant] as const));

describe.each(MATRIX)('%s / %s', (framework, variant) => {
  it('matches the reviewed output, file by file', async () => {
    const files = await renderFiles(variantConfig(framework, variant));
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
        path.join('..', '__snapshots__', framework, variant, path.posix.basename(file.path)),
      );
    }
  });
});

describe('options that are off leave no trace', () => {
  it('endpoint mode has no inline refresh, transparent mode has no client retry', async () => {
    const endpoint = await renderFiles(variantConfig('express', 'default'));
    const transparent = await renderFiles(variantConfig('express', 'transparent'));
    const text = (files: typeof endpoint, name: string) => files.find((f) => f.path.endsWith(`/${name}`))?.content ?? '';
    expect(text(endpoint, 'session.ts')).not.toContain('refreshInline');
    expect(text(transparent, 'session.ts')).toContain('refreshInline');
    expect(text(endpoint, 'client.ts')).toContain('access_token_expired');
    expect(text(transparent, 'client.ts')).not.toContain('REFRESH_ROUTE');
  });

  it.each(FRAMEWORKS)('%s: no ID token and no session routes, nothing about either is generated', async (framework) => {
    const files = await renderFiles(variantConfig(framework, 'minimal'));
    const all = files.map((f) => f.content).join('\n');
    // The callback still validates the ID token (OpenID Connect Core §3.1.3.7);
    // nothing stores it, reads it back or sends it as a logout hint.
    expect(all).not.toMatch(/sk_id|'idToken'|idTokenHint|idToken\?:/);
    expect(all).not.toMatch(/listSessions|revokeSession|revokeAllSessions|sessionById/);
  });

  it('a file key source reads the file, an env key source reads the variable', async () => {
    const fromFile = (await renderFiles(variantConfig('express', 'custom'))).find((f) => f.path.endsWith('/keys.ts'))?.content;
    const fromEnv = (await renderFiles(variantConfig('express', 'default'))).find((f) => f.path.endsWith('/keys.ts'))?.content;
    expect(fromFile).toContain('readFileSync(KEY_FILE');
    expect(fromFile).not.toContain('process.env');
    expect(fromEnv).toContain('process.env[ENV.encryptionKeys]');
    expect(fromEnv).not.toContain('readFileSync');
  });

  it('no generated file uses `any`', async () => {
    for (const [framework, variant] of MATRIX) {
      for (const file of await renderFiles(variantConfig(framework, variant))) {
        expect(file.content, file.path).not.toMatch(/:\s*any\b|as any\b|<any>/);
      }
    }
  });
});

describe('only adapters differ between frameworks', () => {
  it('the framework-free core is byte-identical for express, fastify and koa', async () => {
    const core = ['policy.ts', 'keys.ts', 'crypto.ts', 'cookies.ts', 'scalekit.ts', 'refresh.ts', 'session.ts', 'flows.ts', 'client.ts'];
    const byFramework = await Promise.all(
      FRAMEWORKS.map(async (framework) =>
        (await renderFiles(variantConfig(framework, 'default'))).filter((f) => core.includes(path.posix.basename(f.path))),
      ),
    );
    expect(byFramework[1]).toEqual(byFramework[0]);
    expect(byFramework[2]).toEqual(byFramework[0]);
  });
});
