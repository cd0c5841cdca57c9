import { ScalekitClient } from '@scalekit-sdk/node';
import { describe, expect, it } from 'vitest';

import { runEmulatorCommand } from '../../src/emulator/command.js';

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
    await waitFor(() => lines.length >= 4);

    expect(lines[0]).toMatch(/^export SCALEKIT_ENVIRONMENT_URL=http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines[1]).toBe('export SCALEKIT_CLIENT_ID=skc_42');
    expect(lines[2]).toBe(`export SCALEKIT_CLIENT_SECRET='it'\\''s secret'`);
    expect(lines[3]).toMatch(/^# /);

    const url = (lines[0] ?? '').split('=')[1] ?? '';
    const client = new ScalekitClient(url, 'skc_42', "it's secret", { timeoutMs: 2000 });
    await expect(client.getClientAccessToken()).resolves.toMatch(/^ey/);

    controller.abort();
    await expect(running).resolves.toBeUndefined();
    await expect(fetch(`${url}/keys`)).rejects.toThrow('fetch failed');
  });

  it('returns at once when the signal is already aborted', async () => {
    const lines: string[] = [];
    await runEmulatorCommand({ stdout: (line) => lines.push(line), signal: AbortSignal.abort() });
    expect(lines).toEqual([]);
  });
});
