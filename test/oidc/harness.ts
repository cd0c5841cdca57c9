import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';

import type { ConfigInput } from '../../src/config/schema.js';
import { CookieJar, type HttpResult, send } from '../../src/demo/http-client.js';
import { createThrowawayProject, type RunningApp, startApp } from '../../src/demo/project.js';
import { runBin } from '../helpers/project.js';
import type { Framework } from '../helpers/variants.js';
import { type CertifiedProvider, startCertifiedProvider } from './provider.js';

export type Mode = 'endpoint' | 'transparent';

/**
 * A browser as far as the flows need one: a cookie jar per origin (the app and
 * the provider share a host but not cookies in these tests) and redirects
 * followed hop by hop.
 */
export class Browser {
  private readonly jars = new Map<string, CookieJar>();

  jar(url: string): CookieJar {
    const { origin } = new URL(url);
    let jar = this.jars.get(origin);
    if (!jar) this.jars.set(origin, (jar = new CookieJar()));
    return jar;
  }

  request(method: string, url: string, headers: Record<string, string> = {}): Promise<HttpResult> {
    return send(this.jar(url), method, url, { headers });
  }

  /** Submits the first form of an HTML page (hidden fields plus `extra`) as a browser would. */
  async submitForm(page: HttpResult, pageUrl: string, extra: Record<string, string> = {}): Promise<{ url: string; result: HttpResult }> {
    const action = /<form[^>]*action="([^"]+)"/i.exec(page.text)?.[1];
    if (!action) throw new Error(`no form on the page:\n${page.text}`);
    const fields = new URLSearchParams();
    for (const match of page.text.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/gi)) {
      fields.set(match[1] ?? '', match[2] ?? '');
    }
    for (const [name, value] of Object.entries(extra)) fields.set(name, value);
    const url = new URL(action, pageUrl).href;
    const jar = this.jar(url);
    const cookie = jar.header(new URL(url).pathname);
    const response = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie && { cookie }) },
      body: fields,
    });
    const setCookies = response.headers.getSetCookie();
    const text = await response.text();
    return {
      url,
      result: {
        status: response.status,
        headers: response.headers,
        body: text,
        text,
        setCookies,
        change: jar.apply(setCookies, new URL(url).pathname),
        location: response.headers.get('location'),
      },
    };
  }

  /**
   * GETs `url` and follows redirects (at most 12) until `stop` says so or a
   * response is not a redirect; returns every hop with its URL.
   */
  async follow(url: string, stop: (url: URL) => boolean = () => false): Promise<Array<{ url: string; result: HttpResult }>> {
    const hops: Array<{ url: string; result: HttpResult }> = [];
    let next: string | undefined = url;
    for (let i = 0; next !== undefined && i < 12; i++) {
      const result = await this.request('GET', next);
      hops.push({ url: next, result });
      if (stop(new URL(next)) || result.status < 300 || result.status >= 400 || !result.location) break;
      next = new URL(result.location, next).href;
    }
    return hops;
  }
}

export interface OidcHarness {
  framework: Framework;
  mode: Mode;
  provider: CertifiedProvider;
  app: RunningApp;
  /** A fresh browser signed in through the provider; throws unless the callback answered 302. */
  signIn(): Promise<Browser>;
  /** Runs a sign-in in `browser` and returns the callback's answer, whatever it is. */
  attemptSignIn(browser: Browser): Promise<{ authorize: URL; callback: HttpResult }>;
  stop(): Promise<void>;
}

/**
 * A generated app (scaffolded by the real CLI) running in its own process with
 * SCALEKIT_ENVIRONMENT_URL pointing at the certified provider. Only the OpenID
 * flows are exercised here; the session-management routes (Scalekit's gRPC
 * API) are covered against the emulator in test/e2e.
 */
export async function startOidcHarness(framework: Framework, mode: Mode, overrides: Partial<ConfigInput> = {}): Promise<OidcHarness> {
  const config: ConfigInput = { framework, refresh: { mode, leewaySeconds: 0 }, scalekit: { timeoutMs: 1000 }, ...overrides };
  const dir = await createThrowawayProject(config, `sss-oidc-${framework}-${mode}-`);
  const generated = await runBin(['generate', '--quiet'], dir);
  if (generated.code !== 0) throw new Error(`generate failed (${generated.code}):\n${generated.stderr}`);

  const provider = await startCertifiedProvider();
  const app = await startApp(dir, {
    SCALEKIT_ENVIRONMENT_URL: provider.url,
    SCALEKIT_CLIENT_ID: provider.clientId,
    SCALEKIT_CLIENT_SECRET: provider.clientSecret,
    SESSION_ENCRYPTION_KEYS: `oidc:${randomBytes(32).toString('base64url')}`,
  });
  provider.register(app.url);

  const attemptSignIn = async (browser: Browser) => {
    const hops = await browser.follow(`${app.url}/auth/login`, (url) => url.origin === app.url && url.pathname === '/auth/callback');
    const authorize = hops.find((hop) => new URL(hop.url).pathname === '/oauth/authorize');
    const last = hops.at(-1);
    if (!authorize || !last || new URL(last.url).pathname !== '/auth/callback') {
      throw new Error(`sign-in never reached the callback:\n${hops.map((hop) => `${hop.result.status} ${hop.url}\n${hop.result.text}`).join('\n')}`);
    }
    return { authorize: new URL(authorize.url), callback: last.result };
  };

  return {
    framework,
    mode,
    provider,
    app,
    attemptSignIn,
    signIn: async () => {
      const browser = new Browser();
      const { callback } = await attemptSignIn(browser);
      if (callback.status !== 302) throw new Error(`callback answered ${callback.status}: ${callback.text}\n${app.output()}`);
      return browser;
    },
    stop: async () => {
      await app.stop();
      await provider.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Access tokens issued now with a 1 s lifetime expire at the next whole second: wait exactly that long. */
export async function waitForExpiry(): Promise<void> {
  const ms = 1000 - (Date.now() % 1000) + 20;
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** The claims of a JWT, unverified (the tests compare what the provider issued). */
export function claimsOf(jwt: string | undefined): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt?.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
}
