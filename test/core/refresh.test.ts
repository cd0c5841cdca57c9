import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadGenerated } from './load.js';

let mod: Awaited<ReturnType<typeof loadGenerated>>;
beforeAll(async () => {
  mod = await loadGenerated({ framework: 'express' }, 'core-refresh');
});
afterAll(() => rm(mod.root, { recursive: true, force: true }));

/** A stand-in for the token endpoint that counts calls and rotates like Scalekit. */
function tokenEndpoint() {
  const calls: string[] = [];
  let fail: Error | undefined;
  let release: (() => void) | undefined;
  const gate = () => new Promise<void>((resolve) => (release = resolve));
  let gated = false;
  const redeem = async (refreshToken: string) => {
    calls.push(refreshToken);
    if (gated) await gate();
    if (fail) throw fail;
    return { accessToken: `at-${calls.length}`, refreshToken: `rt-${calls.length}` };
  };
  return {
    redeem,
    calls,
    failWith: (error: Error | undefined) => (fail = error),
    hold: () => (gated = true),
    release: () => {
      gated = false;
      release?.();
    },
  };
}

describe('RefreshCoordinator', () => {
  it('makes one call for 25 concurrent callers, who all get the same tokens', async () => {
    const endpoint = tokenEndpoint();
    const refresher = new mod.refresh.RefreshCoordinator(endpoint.redeem, 10_000);
    endpoint.hold();
    const pending = Array.from({ length: 25 }, () => refresher.refresh('rt-0'));
    endpoint.release();
    const results = await Promise.all(pending);
    expect(endpoint.calls).toEqual(['rt-0']);
    expect(new Set(results.map((r) => r.accessToken))).toEqual(new Set(['at-1']));
  });

  it('serves late callers with the spent token from the result cache, until it expires', async () => {
    let now = 1_000;
    const endpoint = tokenEndpoint();
    const refresher = new mod.refresh.RefreshCoordinator(endpoint.redeem, 5_000, () => now);
    await refresher.refresh('rt-0');
    now += 4_999;
    expect((await refresher.refresh('rt-0')).accessToken).toBe('at-1');
    expect(endpoint.calls).toHaveLength(1);
    now += 2;
    expect((await refresher.refresh('rt-0')).accessToken).toBe('at-2');
    expect(endpoint.calls).toHaveLength(2);
  });

  it('does not keep failures: the next request after an outage tries again', async () => {
    const endpoint = tokenEndpoint();
    const refresher = new mod.refresh.RefreshCoordinator(endpoint.redeem, 10_000);
    endpoint.failWith(new Error('down'));
    await expect(refresher.refresh('rt-0')).rejects.toThrow('down');
    endpoint.failWith(undefined);
    await expect(refresher.refresh('rt-0')).resolves.toMatchObject({ accessToken: 'at-2' });
  });

  it('keeps different sessions apart', async () => {
    const endpoint = tokenEndpoint();
    const refresher = new mod.refresh.RefreshCoordinator(endpoint.redeem, 10_000);
    await Promise.all([refresher.refresh('a'), refresher.refresh('b'), refresher.refresh('a')]);
    expect(endpoint.calls.sort()).toEqual(['a', 'b']);
  });

  it('stays bounded under many distinct sessions', async () => {
    const endpoint = tokenEndpoint();
    const refresher = new mod.refresh.RefreshCoordinator(endpoint.redeem, 60_000);
    for (let i = 0; i < 1_200; i++) await refresher.refresh(`rt-${i}`);
    const size = (refresher as unknown as { results: Map<string, unknown> }).results.size;
    expect(size).toBeLessThanOrEqual(1000);
  });

  /** Tokens the way Scalekit's look to `decodeJwt`: an unsigned JWT carrying sid and sub. */
  const jwt = (claims: Record<string, unknown>) =>
    ['{"alg":"none"}', JSON.stringify(claims)].map((part) => Buffer.from(part).toString('base64url')).join('.') + '.';

  it('forget() drops the cached results of a revoked session, and only those', async () => {
    const calls: string[] = [];
    const redeem = async (refreshToken: string) => {
      calls.push(refreshToken);
      const sid = refreshToken.startsWith('a') ? 'ses_a' : 'ses_b';
      return { accessToken: jwt({ sid, sub: 'usr_1' }), refreshToken: `${refreshToken}+` };
    };
    const refresher = new mod.refresh.RefreshCoordinator(redeem, 10_000);
    await refresher.refresh('a-0');
    await refresher.refresh('b-0');
    refresher.forget((claims) => claims.sid === 'ses_a');
    await refresher.refresh('a-0'); // asks again: the revoked session's result is gone
    await refresher.refresh('b-0'); // still cached
    expect(calls).toEqual(['a-0', 'b-0', 'a-0']);
  });

  it('does not cache a refresh that was in flight when its session was revoked', async () => {
    const calls: string[] = [];
    let release: () => void = () => undefined;
    const redeem = async (refreshToken: string) => {
      calls.push(refreshToken);
      await new Promise<void>((resolve) => (release = resolve));
      return { accessToken: jwt({ sid: 'ses_a', sub: 'usr_1' }), refreshToken: 'next' };
    };
    const refresher = new mod.refresh.RefreshCoordinator(redeem, 10_000);
    const pending = refresher.refresh('a-0');
    refresher.forget((claims) => claims.sub === 'usr_1');
    release();
    await pending;
    const again = refresher.refresh('a-0');
    release();
    await again;
    expect(calls).toEqual(['a-0', 'a-0']);
  });
});
