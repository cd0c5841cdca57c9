import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

import { createThrowawayProject, startApp } from '../../src/demo/project.js';
import { binPath, runBin } from '../helpers/project.js';

describe('demo', () => {
  it.each(['express', 'fastify', 'koa'])('--framework %s walks through the whole session life offline, exits 0 and cleans up', async (framework) => {
    const result = await runBin(['demo', '--framework', framework], process.cwd());
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = result.stdout;
    for (const expected of [
      '← 401 {"error":"authentication_required"}',
      'cookies set: sk_access (Path=/api), sk_refresh (Path=/auth/refresh), sk_id (Path=/auth/logout)',
      '← 401 {"error":"access_token_expired"}',
      '← 204',
      '(this device)',
      '← 401 {"error":"session_expired"}',
      '← 303 → <scalekit>/oidc/logout?id_token_hint=<ID token>',
      'Done: every step answered as the contract says.',
    ]) {
      expect(out).toContain(expected);
    }
    expect(out).not.toMatch(/eyJ[\w-]+\.[\w-]+/);
    const dir = /Scaffolding an? \w+ app in (\S+)/.exec(out)?.[1];
    expect(dir).toBeDefined();
    expect(existsSync(dir ?? '')).toBe(false);
  });
});

describe('emulator command', () => {
  it('prints the env vars an app needs, serves discovery, and stops cleanly on Ctrl-C', async () => {
    const child = spawn(process.execPath, [binPath, 'emulator'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await expect.poll(() => out, { timeout: 15_000 }).toContain('SCALEKIT_CLIENT_SECRET=');
    const url = /SCALEKIT_ENVIRONMENT_URL=(\S+)/.exec(out)?.[1] ?? '';
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(out).toMatch(/SCALEKIT_CLIENT_ID=skc_\w+/);
    const discovery = (await (await fetch(`${url}/.well-known/openid-configuration`)).json()) as { issuer: string };
    expect(discovery.issuer).toBe(url);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    await expect(fetch(`${url}/keys`)).rejects.toThrow();
  });
});

describe('generated app start-up', () => {
  it('refuses to start with a malformed key, naming the entry and never the key', async () => {
    const dir = await createThrowawayProject({ framework: 'express' }, 'sss-startup-');
    try {
      expect((await runBin(['generate', '--quiet'], dir)).code).toBe(0);
      const shortKey = Buffer.alloc(31, 1).toString('base64url');
      const env = {
        SCALEKIT_ENVIRONMENT_URL: 'http://127.0.0.1:9',
        SCALEKIT_CLIENT_ID: 'skc_test',
        SCALEKIT_CLIENT_SECRET: 'secret',
        SESSION_ENCRYPTION_KEYS: `k1:${shortKey}`,
      };
      const failure = await startApp(dir, env).then(
        (app) => app.stop().then(() => ''),
        (error: Error) => error.message,
      );
      expect(failure).toContain('SESSION_ENCRYPTION_KEYS entry 1 (kid "k1") decodes to 31 bytes; each key must be exactly 32 bytes');
      expect(failure).not.toContain(shortKey);
      const missing = await startApp(dir, { ...env, SESSION_ENCRYPTION_KEYS: '' }).then(
        (app) => app.stop().then(() => ''),
        (error: Error) => error.message,
      );
      expect(missing).toContain('SESSION_ENCRYPTION_KEYS is not set');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
