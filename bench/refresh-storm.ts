/**
 * Benchmark 4: a refresh storm, on Express, Fastify and Koa. Correctness under
 * load, counted, with the storm's latency alongside.
 *
 * A page that fires 200 API calls at once just after its access token expired
 * sends 200 requests carrying the same (rotating, single-use) refresh token.
 * The generated transparent-mode middleware should redeem it once and serve
 * all 200; the SDK's own middleware example (check `exp`, call
 * `refreshAccessToken`, send the user to log in on failure) redeems it 200
 * times, and the emulator, like Scalekit, accepts only the first.
 */
import type { AddressInfo } from 'node:net';

import { ScalekitClient } from '@scalekit-sdk/node';
import express from 'express';
import { decodeJwt } from 'jose';

import { CookieJar, type HttpResult, send, signIn } from '../src/demo/http-client.js';
import { startApp } from '../src/demo/project.js';
import { type Emulator, startEmulator } from '../src/emulator/index.js';
import { deferCleanup } from './lib/cleanup.js';
import { createGeneratedProject, FRAMEWORKS, type Framework, keyEntry, sessionEnv } from './lib/project.js';
import type { Section } from './lib/report.js';
import { milliseconds, sleep } from './lib/stats.js';

const STORM = 200;
/** Access tokens issued for the storm live 1 s; waiting 2.5 s puts `exp` safely in the past. */
const EXPIRY_WAIT_MS = 2500;

interface StormOutcome {
  tokenCalls: number;
  ok: number;
  failed: number;
  statuses: string;
  followUp: number;
  sessionStatus: string;
  /** Milliseconds from sending to the full response, per request. */
  p50: number;
  p99: number;
}

export async function benchRefreshStorm(): Promise<Section> {
  const emulator = await startEmulator();
  const closeEmulator = deferCleanup(() => emulator.close());
  const keys = keyEntry();
  const generated: { framework: Framework; url: string; stop: () => Promise<void>; remove: () => Promise<void> }[] = [];
  const naive = await startNaiveApp(emulator);
  const stopNaive = deferCleanup(naive.close);
  try {
    for (const framework of FRAMEWORKS) {
      const project = await createGeneratedProject({ framework, refresh: { mode: 'transparent', leewaySeconds: 0 } }, `sss-bench-storm-${framework}-`);
      const app = await startApp(project.dir, sessionEnv(emulator, keys), 60_000).catch(async (error: unknown) => {
        await project.remove();
        throw error;
      });
      generated.push({ framework, url: app.url, stop: deferCleanup(() => app.stop()), remove: project.remove });
    }
    const { controls } = emulator;
    // Every session gets 1-second access tokens, then normal lifetimes for whatever the refreshes issue.
    controls.setAccessTokenTtl(1);
    const signedIn: { framework: Framework; url: string; jar: CookieJar; sessionId: string }[] = [];
    for (const app of generated) {
      const jar = new CookieJar();
      const hops = await signIn(jar, app.url);
      if (hops[2]?.status !== 302) throw new Error(`${app.framework}: sign-in callback answered ${hops[2]?.status}`);
      signedIn.push({ framework: app.framework, url: app.url, jar, sessionId: controls.sessions().at(-1)?.sessionId ?? '' });
    }
    const issued = await controls.createSession();
    controls.setAccessTokenTtl(300);
    const naiveJar = new CookieJar();
    naiveJar.set({ name: 'at', value: issued.accessToken, path: '/' });
    naiveJar.set({ name: 'rt', value: issued.refreshToken ?? '', path: '/' });
    await sleep(EXPIRY_WAIT_MS);

    const results: { name: string; outcome: StormOutcome }[] = [];
    for (const s of signedIn) {
      results.push({ name: `${s.framework}: generated requireSession (transparent)`, outcome: await storm(emulator, s.jar, `${s.url}/api/me`, s.sessionId) });
    }
    const theirs = await storm(emulator, naiveJar, `${naive.url}/api/me`, issued.sessionId);

    const row = (name: string, o: StormOutcome) => [
      name,
      String(o.tokenCalls),
      `${o.ok} / ${STORM}`,
      `${o.failed} / ${STORM}`,
      o.statuses,
      String(o.followUp),
      o.sessionStatus,
      milliseconds(o.p50),
      milliseconds(o.p99),
    ];
    return {
      title: 'Refresh storm (correctness under load)',
      method: [
        `${STORM} concurrent \`GET /api/me\` requests from one cookie jar whose access token has just expired (the emulator issued it with a 1 s lifetime; the run waits ${EXPIRY_WAIT_MS / 1000} s). ` +
          'The emulator rotates refresh tokens: each works once, a replay gets `400 invalid_grant` (the session itself survives a replay here; `revokeSessionOnRefreshReuse` is off).',
        '**Generated**: for each of Express, Fastify and Koa, a project generated with `refresh.mode: "transparent"`, `leewaySeconds: 0`, running the demo app (wired as the README shows) in its own process (`startApp`), signed in through the real login flow; `requireSession` refreshes inline through the single-flight coordinator. The three storms run one after another. ' +
          '**Naive baseline**: an in-process Express route following the SDK\'s own "automatic token refresh middleware" example: decode the access token, if expired call `scalekit.refreshAccessToken(refreshToken)`, on failure send the user to log in (here `401`). Its session comes from `controls.createSession()`.',
        'Counted: token-endpoint calls (`controls.counts()["token.refresh_token"]`), 2xx and failed responses, then one more request with whatever cookies the jar holds afterwards, and the session\'s status in the emulator. ' +
          'p50 / p99: each request\'s time from send to full response, as this process (which sends all of them at once over fresh connections) saw it.',
      ],
      tables: [
        {
          headers: ['implementation', 'token-endpoint calls', 'succeeded', 'failed', 'statuses', 'next request', 'session after', 'p50', 'p99'],
          rows: [...results.map((r) => row(r.name, r.outcome)), row('naive (Express): SDK refreshAccessToken per request', theirs)],
        },
      ],
      notes: [
        `The generated code made ${results.map((r) => `${r.outcome.tokenCalls} token call${r.outcome.tokenCalls === 1 ? '' : 's'} and answered ${r.outcome.ok} of ${STORM} on ${r.name.split(':')[0]}`).join(', ')}; the naive middleware made ${theirs.tokenCalls} and answered ${theirs.ok}. ` +
          'Every naive failure is a user sent back to sign in by a page that was merely busy. Against an authorization server that revokes the whole session on refresh-token reuse, the naive result would be worse: the next request fails too.',
        'The generated code\'s guarantee is per process: replicas behind a load balancer each redeem once, and all but the first replay a spent token (the e2e suite covers that case).',
      ],
      headline:
        `${STORM} concurrent expired requests: generated ${results.map((r) => `${r.name.split(':')[0]} ${r.outcome.tokenCalls} token call(s), ${r.outcome.ok}/${STORM} ok, p99 ${milliseconds(r.outcome.p99)}`).join('; ')}; ` +
        `naive ${theirs.tokenCalls} calls, ${theirs.ok}/${STORM} ok`,
    };
  } finally {
    await stopNaive();
    for (const app of generated) {
      await app.stop();
      await app.remove();
    }
    await closeEmulator();
  }
}

async function storm(emulator: Emulator, jar: CookieJar, url: string, sessionId: string): Promise<StormOutcome> {
  emulator.controls.resetCounts();
  const times: number[] = [];
  const results = await Promise.all(
    Array.from({ length: STORM }, async () => {
      const t0 = performance.now();
      const result = await send(jar, 'GET', url);
      times.push(performance.now() - t0);
      return result;
    }),
  );
  times.sort((a, b) => a - b);
  const tokenCalls = emulator.controls.counts()['token.refresh_token'];
  const followUp = await send(jar, 'GET', url);
  const ok = results.filter((r) => r.status >= 200 && r.status < 300).length;
  return {
    tokenCalls,
    ok,
    failed: STORM - ok,
    statuses: tallyStatuses(results),
    followUp: followUp.status,
    sessionStatus: emulator.controls.sessions().find((s) => s.sessionId === sessionId)?.status ?? 'unknown',
    p50: times[Math.floor(times.length * 0.5)] ?? NaN,
    p99: times[Math.min(times.length - 1, Math.ceil(times.length * 0.99) - 1)] ?? NaN,
  };
}

function tallyStatuses(results: HttpResult[]): string {
  const tally = new Map<number, number>();
  for (const r of results) tally.set(r.status, (tally.get(r.status) ?? 0) + 1);
  return [...tally.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${n}× ${status}`)
    .join(', ');
}

/**
 * The baseline: the refresh middleware from the SDK's `refreshAccessToken`
 * documentation, with tokens in plain cookies. Listens on 127.0.0.1 only.
 */
async function startNaiveApp(emulator: Emulator): Promise<{ url: string; close: () => Promise<void> }> {
  const scalekit = new ScalekitClient(emulator.url, emulator.clientId, emulator.clientSecret);
  const app = express();
  app.get('/api/me', async (req, res) => {
    const cookies = new Map(
      (req.headers.cookie ?? '').split(';').map((pair) => {
        const [name = '', ...value] = pair.trim().split('=');
        return [name, value.join('=')] as const;
      }),
    );
    const accessToken = cookies.get('at');
    const refreshToken = cookies.get('rt');
    const expired = !accessToken || (decodeJwt(accessToken).exp ?? 0) <= Date.now() / 1000;
    if (expired && refreshToken) {
      try {
        const result = await scalekit.refreshAccessToken(refreshToken);
        res.append('Set-Cookie', [`at=${result.accessToken}; Path=/; HttpOnly`, `rt=${result.refreshToken}; Path=/; HttpOnly`]);
      } catch {
        // The SDK example does `res.redirect('/login')`; a 401 is the API equivalent.
        res.status(401).json({ error: 'login_required' });
        return;
      }
    } else if (expired) {
      res.status(401).json({ error: 'login_required' });
      return;
    }
    res.json({ ok: true });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
