/**
 * Asks a Scalekit environment the three questions a sign-in depends on:
 * does it answer OIDC discovery as the issuer we expect, does it serve its
 * signing keys at `/keys`, and does it accept our client credentials (a
 * `client_credentials` token request, which changes nothing on the server).
 * Each answer tells apart a wrong URL, an unreachable or failing service and
 * bad credentials, because each has a different fix.
 */
export type ProbeStatus = 'ok' | 'unreachable' | 'unavailable' | 'wrong-url' | 'bad-credentials';

export interface Probe {
  status: ProbeStatus;
  /** One line: what was seen. */
  detail: string;
}

interface Answer {
  status: number;
  body: unknown;
}

async function request(url: string, timeoutMs: number, init: RequestInit = {}): Promise<Answer | Probe> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    return { status: 'unreachable', detail: `${new URL(url).pathname}: ${networkReason(error, timeoutMs)}` };
  }
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body };
}

function isProbe(value: Answer | Probe): value is Probe {
  return typeof value.status === 'string';
}

function networkReason(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no answer within ${timeoutMs} ms (scalekit.timeoutMs)`;
  const code = err.cause?.code;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `the host name does not resolve (${code})`;
  if (code) return `${code}${err.cause?.message && !err.cause.message.includes(code) ? ` ${err.cause.message}` : ''}`;
  return err.cause?.message ?? (error as Error).message ?? String(error);
}

function serverFailure(path: string, status: number): Probe {
  return { status: 'unavailable', detail: `${path} answered ${status}: Scalekit (or a proxy in front of it) is failing; try again later` };
}

export async function probeDiscovery(environmentUrl: string, timeoutMs: number): Promise<Probe> {
  const path = '/.well-known/openid-configuration';
  const answer = await request(`${environmentUrl}${path}`, timeoutMs, { headers: { accept: 'application/json' } });
  if (isProbe(answer)) return answer;
  if (answer.status >= 500 || answer.status === 429) return serverFailure(path, answer.status);
  const issuer = (answer.body as { issuer?: unknown } | undefined)?.issuer;
  if (answer.status !== 200 || typeof issuer !== 'string') {
    return { status: 'wrong-url', detail: `${path} answered ${answer.status}${answer.body === undefined ? ' without JSON' : ' without an issuer'}: not a Scalekit environment URL` };
  }
  if (issuer.replace(/\/+$/, '') !== environmentUrl) {
    return { status: 'wrong-url', detail: `the environment names itself "${issuer}", not "${environmentUrl}": tokens would fail the issuer check` };
  }
  return { status: 'ok', detail: `${path} answers as issuer ${issuer}` };
}

export async function probeKeys(environmentUrl: string, timeoutMs: number): Promise<Probe> {
  const answer = await request(`${environmentUrl}/keys`, timeoutMs, { headers: { accept: 'application/json' } });
  if (isProbe(answer)) return answer;
  if (answer.status >= 500 || answer.status === 429) return serverFailure('/keys', answer.status);
  const keys = (answer.body as { keys?: unknown } | undefined)?.keys;
  if (answer.status !== 200 || !Array.isArray(keys)) {
    return { status: 'wrong-url', detail: `/keys answered ${answer.status} without a JSON Web Key Set` };
  }
  if (keys.length === 0) return { status: 'unavailable', detail: '/keys holds no signing keys' };
  return { status: 'ok', detail: `/keys serves ${keys.length} signing key${keys.length === 1 ? '' : 's'}` };
}

export async function probeCredentials(environmentUrl: string, clientId: string, clientSecret: string, timeoutMs: number): Promise<Probe> {
  const answer = await request(`${environmentUrl}/oauth/token`, timeoutMs, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
  });
  if (isProbe(answer)) return answer;
  if (answer.status >= 500 || answer.status === 429) return serverFailure('/oauth/token', answer.status);
  const body = answer.body as { access_token?: unknown; error?: unknown } | undefined;
  if (answer.status === 200 && typeof body?.access_token === 'string') {
    return { status: 'ok', detail: 'a client_credentials token request with the client id and secret succeeds' };
  }
  if (answer.status === 401 || body?.error === 'invalid_client' || body?.error === 'unauthorized_client') {
    return { status: 'bad-credentials', detail: `the token endpoint refused the client id and secret (${answer.status}${typeof body?.error === 'string' ? ` ${body.error}` : ''})` };
  }
  if (body === undefined) return { status: 'wrong-url', detail: `/oauth/token answered ${answer.status} without JSON` };
  return { status: 'bad-credentials', detail: `the token endpoint answered ${answer.status}${typeof body.error === 'string' ? ` ${body.error}` : ''}` };
}
