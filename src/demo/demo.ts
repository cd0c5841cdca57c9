import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';

import type { Config, ConfigInput } from '../config/schema.js';
import type { Context } from '../context.js';
import { generate } from '../commands/generate.js';
import { startEmulator } from '../emulator/index.js';
import { CliError } from '../errors.js';
import { CookieJar, type HttpResult, send, signIn } from './http-client.js';
import { createThrowawayProject, type RunningApp, startApp } from './project.js';

export interface DemoOptions {
  framework?: Config['framework'];
  /** Leave the throwaway project on disk to read the generated code. */
  keep?: boolean;
}

/** Short access tokens make the expiry step quick to show. */
const SHORT_TOKEN_SECONDS = 2;

const DEMO_CONFIG = {
  refresh: { mode: 'endpoint', leewaySeconds: 0 },
  scalekit: { timeoutMs: 3000 },
} satisfies Omit<ConfigInput, 'framework'>;

const FRAMEWORK_NAMES = { express: 'Express', fastify: 'Fastify', koa: 'Koa' } as const;

/**
 * `demo`: the whole product, offline. Scaffolds a throwaway app (Express
 * unless `framework` says otherwise),
 * runs it against the local Scalekit emulator and walks through a session's
 * life, printing every request, its status and the cookies it changed.
 */
export async function demo(ctx: Context, options: DemoOptions): Promise<void> {
  const out = (line = '') => ctx.stdout(line);
  const framework = options.framework ?? 'express';
  const dir = await createThrowawayProject({ framework, ...DEMO_CONFIG });
  out(`1. Scaffolding ${framework === 'express' ? 'an' : 'a'} ${FRAMEWORK_NAMES[framework]} app in ${dir}`);
  await generate({ ...ctx, cwd: dir, stdout: () => {} }, { quiet: true });
  out('   generated src/session/*.ts from scalekit-session.config.json');

  const emulator = await startEmulator({
    user: { email: 'ada@example.com', givenName: 'Ada', familyName: 'Lovelace', name: 'Ada Lovelace' },
    roles: ['admin'],
  });
  let app: RunningApp | undefined;
  try {
    out(`2. Local Scalekit emulator at ${emulator.url}`);
    app = await startApp(dir, {
      SCALEKIT_ENVIRONMENT_URL: emulator.url,
      SCALEKIT_CLIENT_ID: emulator.clientId,
      SCALEKIT_CLIENT_SECRET: emulator.clientSecret,
      SESSION_ENCRYPTION_KEYS: `demo:${randomBytes(32).toString('base64url')}`,
    });
    out(`   demo app at ${app.url}`);
    await walkthrough(out, app.url, emulator);
    out();
    out('Done: every step answered as the contract says.');
  } finally {
    await app?.stop();
    await emulator.close();
    if (!options.keep) await rm(dir, { recursive: true, force: true });
    else out(`The project is kept at ${dir}`);
  }
}

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

async function walkthrough(out: (line?: string) => void, appUrl: string, emulator: Emulator): Promise<void> {
  const jar = new CookieJar();
  const step = async (title: string, method: string, path: string, expected: number, headers?: Record<string, string>) => {
    const url = path.startsWith('http') ? path : `${appUrl}${path}`;
    const result = await send(jar, method, url, headers ? { headers } : {});
    print(out, `${method} ${redact(url.replace(appUrl, ''))}`, result);
    expect(title, result, expected);
    return result;
  };

  out();
  out('3. An anonymous call to a protected route');
  await step('anonymous', 'GET', '/api/me', 401);

  out();
  out(`4. Sign in (the emulator signs in Ada; access tokens live ${SHORT_TOKEN_SECONDS} s for this demo)`);
  emulator.controls.setAccessTokenTtl(SHORT_TOKEN_SECONDS);
  const hops = await signIn(jar, appUrl);
  const labels = ['GET /auth/login', 'GET <scalekit>/oauth/authorize', 'GET /auth/callback'];
  hops.forEach((hop, i) => print(out, labels[i] ?? '', hop));
  expect('callback', hops[2] as HttpResult, 302);

  out();
  out('5. A protected call with the session');
  const me = await step('protected', 'GET', '/api/me', 200);
  const auth = (me.body as { auth?: { userId?: string; sessionId?: string } }).auth;
  out(`   req.auth.userId = ${auth?.userId}, sessionId = ${auth?.sessionId}`);

  out();
  out(`6. Wait ${SHORT_TOKEN_SECONDS} s: the access token expires`);
  await new Promise((resolve) => setTimeout(resolve, SHORT_TOKEN_SECONDS * 1000 + 200));
  emulator.controls.setAccessTokenTtl(300);
  await step('expired', 'GET', '/api/me', 401);

  out();
  out('7. The client refreshes (sessionFetch does this for you) and retries');
  await step('refresh', 'POST', '/auth/refresh', 204, { origin: appUrl });
  await step('after refresh', 'GET', '/api/me', 200);

  out();
  out('8. Sign in on a second device, then list and revoke sessions');
  const other = new CookieJar();
  await signIn(other, appUrl);
  const list = await step('list', 'GET', '/api/sessions', 200);
  const sessions = (list.body as { sessions: { id: string; current: boolean }[] }).sessions;
  for (const session of sessions) out(`   ${session.id}${session.current ? '  (this device)' : ''}`);
  const second = sessions.find((session) => !session.current);
  if (!second) throw new CliError('demo: the second device\'s session is missing from the list');
  await step('revoke', 'DELETE', `/api/sessions/${second.id}`, 200, { origin: appUrl });
  const afterRevoke = await send(other, 'POST', `${appUrl}/auth/refresh`, { headers: { origin: appUrl } });
  print(out, 'POST /auth/refresh  (second device, after revocation)', afterRevoke);
  expect('revoked refresh', afterRevoke, 401);

  out();
  out('9. Log out: every cookie cleared at its own Path, then off to Scalekit');
  const logout = await step('logout', 'POST', '/auth/logout', 303, { origin: appUrl });
  if (logout.location) await step('scalekit logout', 'GET', logout.location, 302);
  await step('after logout', 'GET', '/api/me', 401);
}

function print(out: (line?: string) => void, request: string, result: HttpResult): void {
  out(`   → ${request}`);
  const body = typeof result.body === 'object' && result.body !== null ? ` ${JSON.stringify(result.body)}` : '';
  const location = result.location ? ` → ${redact(result.location)}` : '';
  out(`   ← ${result.status}${location}${body.length > 160 ? `${body.slice(0, 157)}...` : body}`);
  if (result.change.set.length > 0) out(`     cookies set: ${result.change.set.join(', ')}`);
  if (result.change.cleared.length > 0) out(`     cookies cleared: ${result.change.cleared.join(', ')}`);
}

function expect(step: string, result: HttpResult, status: number): void {
  if (result.status !== status) {
    throw new CliError(`demo step "${step}" answered ${result.status}, expected ${status}: ${result.text.slice(0, 200)}`);
  }
}

/** Tokens in URLs (the logout hint, PKCE values, the nonce) are noise in a walkthrough. */
function redact(url: string): string {
  return url
    .replace(/(id_token_hint=)[^&]+/, '$1<ID token>')
    .replace(/(code_challenge=|state=|code=|nonce=)[^&]+/g, '$1…')
    .replace(/^http:\/\/127\.0\.0\.1:\d+\/oauth/, '<scalekit>/oauth')
    .replace(/^http:\/\/127\.0\.0\.1:\d+\/oidc/, '<scalekit>/oidc');
}
