import { ScalekitClient } from '@scalekit-sdk/node';
import { describe, expect, it } from 'vitest';

import { runEmulatorCommand } from '../../src/emulator/command.js';
import { removeProject, tempProject, writeConfig } from '../helpers/project.js';

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!check()) throw new Error('condition not met within 2 s');
}

describe('runEmulatorCommand', () => {
  it('prints exportable env vars, serves until aborted, then closes', async () => {
    const lines: string[] = [];
    const controller = new AbortController();
    const running = runEmulatorCommand({
      clientId: 'skc_42',
      clientSecret: "it's secret",
      stdout: (line) => lines.push(line),
      signal: controller.signal,
    });
    await waitFor(() => lines.length >= 6);

    expect(lines[0]).toMatch(/^export SCALEKIT_ENVIRONMENT_URL=http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines[1]).toBe('export SCALEKIT_CLIENT_ID=skc_42');
    expect(lines[2]).toBe(`export SCALEKIT_CLIENT_SECRET='it'\\''s secret'`);
    expect(lines[3]).toBe('export APP_URL=http://localhost:3000');
    // A development keyring entry the generated code accepts: kid:32 random bytes, base64url.
    expect(lines[4]).toMatch(/^export SESSION_ENCRYPTION_KEYS=dev:[A-Za-z0-9_-]{43}$/);
    expect(lines[5]).toMatch(/^# /);

    const url = (lines[0] ?? '').split('=')[1] ?? '';
    const client = new ScalekitClient(url, 'skc_42', "it's secret", { timeoutMs: 2000 });
    await expect(client.getClientAccessToken()).resolves.toMatch(/^ey/);

    controller.abort();
    await expect(running).resolves.toBeUndefined();
    await expect(fetch(`${url}/keys`)).rejects.toThrow('fetch failed');
  });

  it("prints the names the project's config reads, and --app-url as the app's origin", async () => {
    const dir = await tempProject({ 'package.json': '{}' });
    try {
      await writeConfig(dir, {
        framework: 'express',
        scalekit: { envUrlVar: 'SK_URL', clientIdVar: 'SK_ID', clientSecretVar: 'SK_SECRET', appUrlVar: 'PUBLIC_ORIGIN' },
        encryption: { keySource: { type: 'file', path: 'secrets/keys.txt' } },
      });
      const lines: string[] = [];
      const controller = new AbortController();
      const running = runEmulatorCommand({ cwd: dir, appUrl: 'http://127.0.0.1:8080', stdout: (line) => lines.push(line), signal: controller.signal });
      await waitFor(() => lines.length >= 6);
      controller.abort();
      await running;
      expect(lines.slice(0, 3).map((line) => line.split('=')[0])).toEqual(['export SK_URL', 'export SK_ID', 'export SK_SECRET']);
      expect(lines[3]).toBe('export PUBLIC_ORIGIN=http://127.0.0.1:8080');
      expect(lines[4]).toMatch(/^# Your config reads the keyring from a file: .*: dev:[A-Za-z0-9_-]{43}$/);
    } finally {
      await removeProject(dir);
    }
  });

  it('returns at once when the signal is already aborted', async () => {
    const lines: string[] = [];
    await runEmulatorCommand({ stdout: (line) => lines.push(line), signal: AbortSignal.abort() });
    expect(lines).toEqual([]);
  });
});
