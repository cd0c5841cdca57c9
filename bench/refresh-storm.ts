/**
 * Benchmark 4: a refresh storm. Correctness under load, counted, not timed.
 *
 * A page that fires 100 API calls at once just after its access token expired
 * sends 100 requests carrying the same (rotating, single-use) refresh token.
 * The generated transparent-mode middleware should redeem it once and serve
 * all 100; the SDK's own middleware example (check `exp`, call
 * `refreshAccessToken`, send the user to log in on failure) redeems it 100
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
import { createGeneratedProject, keyEntry, sessionEnv } from './lib/project.js';
import type { Section } from './lib/report.js';
import { sleep } from './lib/stats.js';

const STORM = 100;
/** Access tokens issued for the storm live 1 s; waiting 2.5 s puts `exp` safely in the past. */
const EXPIRY_WAIT_MS = 2500;

interface StormOutcome {
  tokenCalls: number;
  ok: number;
  failed: number;
  statuses: string;
  followUp: number;
  sessionStatus: string;
}

export async function benchRefreshStorm(): Promise<Section> {
  const emulator = await startEmulator();
  const closeEmulator = deferCleanup(() => emulator.close());
  const project = await createGeneratedProject({ framework: 'express', refresh: { mode: 'transparent', leewaySeconds: 0 } }, 'sss-bench-storm-');
  const generatedApp = await startApp(project.dir, sessionEnv(emulator, keyEntry()));
  const stopGenerated = deferCleanup(() => generatedApp.stop());
  const naive = await startNaiveApp(emulator);
  const stopNaive = deferCleanup(naive.close);
  try {
    const { controls } = emulator;
    // Both sessions get 1-second access tokens, then normal lifetimes for whatever the refreshes issue.
    controls.setAccessTokenTtl(1);
    const generatedJar = new CookieJar();
    const hops = await signIn(generatedJar, generatedApp.url);
    if (hops[2]?.status !== 302) throw new Error(`sign-in callback answered ${hops[2]?.status}`);
    const generatedSession = controls.sessions().at(-1)?.sessionId ?? '';
    const issued = await controls.createSession();
    controls.setAccessTokenTtl(300);
    const naiveJar = new CookieJar();
    naiveJar.set({ name: 'at', value: issued.accessToken, path: '/' });
    naiveJar.set({ name: 'rt', value: issued.refreshToken ?? '', path: '/' });
    await sleep(EXPIRY_WAIT_MS);

    const ours = await storm(emulator, generatedJar, `${generatedApp.url}/api/me`, generatedSession);
    const theirs = await storm(emulator, naiveJar, `${naive.url}/api/me`, issued.sessionId);

    const row = (name: string, o: StormOutcome) => [
      name,
      String(o.tokenCalls),
      `${o.ok} / ${STORM}`,
      `${o.failed} / ${STORM}`,
      o.statuses,
      String(o.followUp),
      o.sessionStatus,
    ];
    return {
      title: 'Refresh storm (correctness under load)',
      method: [
        `${STORM} concurrent \`GET /api/me\` requests from one cookie jar whose access token has just expired (the emulator issued it with a 1 s lifetime; the run waits ${EXPIRY_WAIT_MS / 1000} s). ` +
          'The emulator rotates refresh tokens: each works once, a replay gets `400 invalid_grant` (the session itself survives a replay here; `revokeSessionOnRefreshReuse` is off).',
        '**Generated**: a project generated with `refresh.mode: "transparent"`, `leewaySeconds: 0`, running the demo app in its own process (`startApp`), signed in through the real login flow; `requireSession` refreshes inline through the single-flight coordinator. ' +
          '**Naive baseline**: an in-process Express route following the SDK\'s own "automatic token refresh middleware" example: decode the access token, if expired call `scalekit.refreshAccessToken(refreshToken)`, on failure send the user to log in (here `401`). Its session comes from `controls.createSession()`.',
        'Counted: token-endpoint calls (`controls.counts()["token.refresh_token"]`), 2xx and failed responses, then one more request with whatever cookies the jar holds afterwards, and the session\'s status in the emulator. No timings.',
      ],
      tables: [
        {
          headers: ['implementation', 'token-endpoint calls', 'succeeded', 'failed', 'statuses', 'next request', 'session after'],
          rows: [row('generated requireSession (transparent)', ours), row('naive: SDK refreshAccessToken per request', theirs)],
        },
      ],
      notes: [
        `The generated code made ${ours.tokenCalls} token call${ours.tokenCalls === 1 ? '' : 's'} for ${STORM} requests and answered ${ours.ok} of them; the naive middleware made ${theirs.tokenCalls} and answered ${theirs.ok}. ` +
          'Every naive failure is a user sent back to sign in by a page that was merely busy. Against an authorization server that revokes the whole session on refresh-token reuse, the naive result would be worse: the next request fails too.',
        'The generated code\'s guarantee is per process: replicas behind a load balancer each redeem once, and all but the first replay a spent token (the e2e suite covers that case).',
      ],
      headline: `${STORM} concurrent expired requests: generated ${ours.tokenCalls} token call(s), ${ours.ok}/${STORM} ok; naive ${theirs.tokenCalls} calls, ${theirs.ok}/${STORM} ok`,
    };
  } finally {
    await stopNaive();
    await stopGenerated();
    await project.remove();
    await closeEmulator();
  }
}

async function storm(emulator: Emulator, jar: CookieJar, url: string, sessionId: string): Promise<StormOutcome> {
  emulator.controls.resetCounts();
  const results = await Promise.all(Array.from({ length: STORM }, () => send(jar, 'GET', url)));
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
