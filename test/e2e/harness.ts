import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';

import type { ConfigInput } from '../../src/config/schema.js';
import { CookieJar, type HttpResult, type RequestOptions, send, signIn } from '../../src/demo/http-client.js';
import { createThrowawayProject, type RunningApp, startApp } from '../../src/demo/project.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { runBin } from '../helpers/project.js';
import type { Framework } from '../helpers/variants.js';

export { FRAMEWORKS } from '../helpers/variants.js';

export type Mode = 'endpoint' | 'transparent';

/** Scalekit calls that take longer than this count as an outage in the app under test. */
export const APP_TIMEOUT_MS = 1000;

/**
 * One generated app (any framework), scaffolded by the real CLI into a throwaway project,
 * running in its own process against a fresh emulator. Every response body
 * it sends is kept for the "no token leaks" check.
 */
export interface Harness {
  framework: Framework;
  mode: Mode;
  dir: string;
  emulator: Emulator;
  app: RunningApp;
  keys: string;
  bodies: string[];
  /** The signed-in user's id (the emulator's default user). */
  userId: string;
  request(jar: CookieJar, method: string, path: string, options?: RequestOptions): Promise<HttpResult>;
  /** Signs in with a fresh jar; returns it once the callback has set the cookies. */
  signIn(jar?: CookieJar): Promise<CookieJar>;
  stop(): Promise<void>;
}

/** `env` is added to the app's environment (e.g. `NODE_ENV`, an `APP_URL` behind a TLS proxy). */
export async function startHarness(
  framework: Framework,
  mode: Mode,
  overrides: Partial<ConfigInput> = {},
  env: Record<string, string> = {},
): Promise<Harness> {
  const config: ConfigInput = {
    framework,
    refresh: { mode, leewaySeconds: 0 },
    scalekit: { timeoutMs: APP_TIMEOUT_MS },
    ...overrides,
  };
  const dir = await createThrowawayProject(config, `sss-e2e-${framework}-${mode}-`);
  const generated = await runBin(['generate', '--quiet'], dir);
  if (generated.code !== 0) throw new Error(`generate failed (${generated.code}):\n${generated.stderr}`);

  const emulator = await startEmulator({ accessTokenTtlSeconds: 300 });
  const user = emulator.controls.setUser({ email: 'ada@example.com', name: 'Ada Lovelace' });
  const keys = `e2e:${randomBytes(32).toString('base64url')}`;
  const app = await startApp(dir, {
    SCALEKIT_ENVIRONMENT_URL: emulator.url,
    SCALEKIT_CLIENT_ID: emulator.clientId,
    SCALEKIT_CLIENT_SECRET: emulator.clientSecret,
    SESSION_ENCRYPTION_KEYS: keys,
    ...env,
  });
  const bodies: string[] = [];
  const request = async (jar: CookieJar, method: string, path: string, options: RequestOptions = {}) => {
    const url = path.startsWith('http') ? path : `${app.url}${path}`;
    const result = await send(jar, method, url, options);
    bodies.push(result.text);
    return result;
  };
  return {
    framework,
    mode,
    dir,
    emulator,
    app,
    keys,
    bodies,
    userId: user.id,
    request,
    signIn: async (jar = new CookieJar()) => {
      const hops = await signIn(jar, app.url);
      bodies.push(...hops.map((hop) => hop.text));
      const callback = hops[2];
      if (callback?.status !== 302) throw new Error(`callback answered ${callback?.status}: ${callback?.text}`);
      return jar;
    },
    stop: async () => {
      await app.stop();
      await emulator.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Access tokens issued now with a 1 s lifetime expire at the next whole
 * second: wait exactly that long (never more than one token lifetime).
 */
export async function waitForExpiry(): Promise<void> {
  const ms = 1000 - (Date.now() % 1000) + 20;
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** `Set-Cookie` lines by cookie name. */
export function cookieLines(result: HttpResult): Map<string, string> {
  return new Map(result.setCookies.map((line) => [line.slice(0, line.indexOf('=')), line]));
}

export function attribute(line: string | undefined, name: string): string | undefined {
  const match = new RegExp(`;\\s*${name}(?:=([^;]*))?`, 'i').exec(line ?? '');
  return match ? (match[1] ?? '') : undefined;
}

/** JWTs, Scalekit refresh tokens, and our sealed values: none may appear in a body or log. */
export const TOKEN_PATTERNS = [/eyJ[\w-]+\.[\w-]+\.[\w-]+/, /\brt_[\w-]{8,}/, /\bv1\.[\w-]+\.[\w-]{16}\./];
