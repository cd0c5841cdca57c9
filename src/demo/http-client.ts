/**
 * A tiny HTTP client with a cookie jar that behaves like a browser's for what
 * the session code relies on: a cookie is sent only to paths under its `Path`
 * (RFC 6265 §5.1.4), longest Path first, and `Max-Age=0` deletes it.
 */

export interface StoredCookie {
  name: string;
  value: string;
  path: string;
}

export interface CookieChange {
  set: string[];
  cleared: string[];
}

export class CookieJar {
  private readonly cookies = new Map<string, StoredCookie>();

  /** Applies `Set-Cookie` lines; reports which names were set and which deleted. */
  apply(lines: readonly string[], requestPath: string): CookieChange {
    const change: CookieChange = { set: [], cleared: [] };
    for (const line of lines) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let cookiePath = defaultPath(requestPath);
      let expired = false;
      for (const attribute of attributes) {
        const [key = '', attrValue = ''] = attribute.split('=');
        if (key.toLowerCase() === 'path' && attrValue.startsWith('/')) cookiePath = attrValue;
        if (key.toLowerCase() === 'max-age' && Number(attrValue) <= 0) expired = true;
      }
      const id = `${name}\u0000${cookiePath}`;
      if (expired) {
        if (this.cookies.delete(id)) change.cleared.push(`${name} (Path=${cookiePath})`);
      } else {
        this.cookies.set(id, { name, value, path: cookiePath });
        change.set.push(`${name} (Path=${cookiePath})`);
      }
    }
    return change;
  }

  /** The `Cookie` header a browser would send to `requestPath`. */
  header(requestPath: string): string {
    return [...this.cookies.values()]
      .filter((cookie) => pathMatches(requestPath, cookie.path))
      .sort((a, b) => b.path.length - a.path.length)
      .map((cookie) => `${cookie.name}=${cookie.value}`)
      .join('; ');
  }

  all(): StoredCookie[] {
    return [...this.cookies.values()];
  }

  get(name: string): StoredCookie | undefined {
    return this.all().find((cookie) => cookie.name === name);
  }

  set(cookie: StoredCookie): void {
    this.cookies.set(`${cookie.name}\u0000${cookie.path}`, cookie);
  }
}

export function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

function defaultPath(requestPath: string): string {
  const slash = requestPath.lastIndexOf('/');
  return slash <= 0 ? '/' : requestPath.slice(0, slash);
}

export interface HttpResult {
  status: number;
  headers: Headers;
  /** Parsed JSON when the response is JSON, else the text. */
  body: unknown;
  text: string;
  setCookies: string[];
  change: CookieChange;
  location: string | null;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** Sends one request with the jar's cookies, never following redirects. */
export async function send(jar: CookieJar, method: string, url: string, options: RequestOptions = {}): Promise<HttpResult> {
  const target = new URL(url);
  const cookie = jar.header(target.pathname);
  const response = await fetch(target, {
    method,
    redirect: 'manual',
    headers: { ...(cookie && { cookie }), ...options.headers },
    signal: options.signal ?? AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  let body: unknown = text;
  if (response.headers.get('content-type')?.includes('json')) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  const setCookies = response.headers.getSetCookie();
  return {
    status: response.status,
    headers: response.headers,
    body,
    text,
    setCookies,
    change: jar.apply(setCookies, target.pathname),
    location: response.headers.get('location'),
  };
}

/** The three hops of a sign-in: app login, Scalekit's authorize, app callback. */
export async function signIn(jar: CookieJar, appUrl: string, loginPath = '/auth/login'): Promise<HttpResult[]> {
  const login = await send(jar, 'GET', `${appUrl}${loginPath}`);
  if (login.status !== 302 || !login.location) throw new Error(`login answered ${login.status}`);
  const authorize = await send(jar, 'GET', login.location);
  if (authorize.status !== 302 || !authorize.location) throw new Error(`authorize answered ${authorize.status}`);
  const callback = await send(jar, 'GET', authorize.location);
  return [login, authorize, callback];
}
