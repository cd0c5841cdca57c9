/**
 * The curated mutants of `npm run mutation` (scripts/mutation.ts). Each is one
 * named, minimal change that breaks a security rule: `find` must occur
 * exactly once in `file`; `tests` are the narrowest vitest file filters (and
 * `grep`, a -t pattern) that must kill it. Snapshot tests never count.
 */
export interface Mutant {
  name: string;
  file: string;
  find?: string;
  replace?: string;
  /** Several edits of one file, for a rule enforced in two places at once. */
  edits?: { find: string; replace: string }[];
  tests: string[];
  grep?: string;
}

const FLOWS = 'templates/_shared/flows.ts.hbs';
const SESSION = 'templates/_shared/session.ts.hbs';
const SCALEKIT = 'templates/_shared/scalekit.ts.hbs';
const COOKIES = 'templates/_shared/cookies.ts.hbs';
const CRYPTO = 'templates/_shared/crypto.ts.hbs';
const KEYS = 'templates/_shared/keys.ts.hbs';
const REFRESH = 'templates/_shared/refresh.ts.hbs';
const POLICY = 'templates/_shared/policy.ts.hbs';
const STORE_REDIS = 'templates/_shared/store-redis.ts.hbs';

const RULES = ['test/core/rules.test.ts'];
const TOKENS = ['test/core/tokens.test.ts'];
const CRYPTO_TESTS = ['test/core/crypto.test.ts'];
const COOKIE_TESTS = ['test/core/cookies.test.ts'];
const REFRESH_TESTS = ['test/core/refresh.test.ts'];
const CONFIG_TESTS = ['test/config/schema.test.ts'];
const OIDC = ['test/oidc/express.test.ts'];
const REDIS_STORE_TESTS = ['test/core/redis-store.test.ts'];

const guardOf = (signature: string) => ({
  find: `${signature}\n  const rejected = crossSiteRejection(req);\n  if (rejected) return rejected;\n`,
  replace: `${signature}\n`,
});

export const MUTANTS: Mutant[] = [
  // The 13 findings of issue #15.
  {
    name: '01-open-redirect-startsWith-slash',
    file: FLOWS,
    find: '    /^\\/(?![/\\\\])/.test(value) &&\n    !/[^!-~]|\\\\/.test(value)\n',
    replace: "    value.startsWith('/')\n",
    tests: RULES,
  },
  { name: '02a-logout-no-origin-check', file: FLOWS, ...guardOf('export async function logout(req: FlowRequest): Promise<Reply> {'), tests: RULES },
  {
    name: '02b-revoke-all-no-origin-check',
    file: FLOWS,
    ...guardOf('export async function revokeAllSessions(req: FlowRequest, auth: Auth): Promise<Reply> {'),
    tests: RULES,
  },
  {
    name: '02c-delete-session-no-origin-check',
    file: FLOWS,
    ...guardOf('export async function revokeSession(req: FlowRequest, auth: Auth, sessionId: string): Promise<Reply> {'),
    tests: RULES,
  },
  {
    name: '03-origin-prefix-match',
    file: SESSION,
    find: 'return origin === getSettings().appUrl;',
    replace: 'return origin.startsWith(getSettings().appUrl);',
    tests: RULES,
  },
  { name: '04a-secure-never-written', file: COOKIES, find: "  if (SECURE_COOKIES) parts.push('Secure');\n", replace: '', tests: RULES },
  {
    name: '04b-secure-production-misspelt',
    file: POLICY,
    find: "export const SECURE_COOKIES = process.env['NODE_ENV'] === 'production';",
    replace: "export const SECURE_COOKIES = process.env['NODE_ENV'] === 'prod';",
    tests: RULES,
  },
  {
    name: '04c-no-cookie-name-prefix',
    file: 'src/config/policy.ts',
    find: "secureName: cookies.prefix === 'none' ? name :",
    replace: "secureName: cookies.prefix !== 'none' ? name :",
    tests: RULES,
  },
  {
    name: '05-state-cookie-follows-strict',
    file: COOKIES,
    find: "parts.push(`SameSite=${kind === 'state' ? 'Lax' : SAME_SITE}`);",
    replace: 'parts.push(`SameSite=${SAME_SITE}`);',
    tests: RULES,
  },
  {
    name: '06-leeway-ignored',
    file: SESSION,
    find: 'if (claims.exp - REFRESH.leewaySeconds <= Date.now() / 1000) {',
    replace: 'if (claims.exp <= Date.now() / 1000) {',
    tests: TOKENS,
  },
  {
    name: '07-key-set-outage-is-invalid-token',
    file: SCALEKIT,
    find: "    throw new AuthUnavailableError('could not fetch the Scalekit key set', error);",
    replace: "    throw new InvalidTokenError('could not fetch the Scalekit key set');",
    tests: TOKENS,
  },
  { name: '08-any-algorithm', file: SCALEKIT, find: "    algorithms: ['RS256'],\n", replace: '', tests: TOKENS },
  {
    name: '09-sid-sub-not-required',
    file: SCALEKIT,
    find: "if (typeof payload.sub !== 'string' || typeof payload['sid'] !== 'string' || !Number.isFinite(payload.exp)) {",
    replace: 'if (!Number.isFinite(payload.exp)) {',
    tests: TOKENS,
  },
  {
    name: '10-delete-current-keeps-cookies',
    file: FLOWS,
    find: 'current ? clearSessionCookies() : []',
    replace: '[]',
    tests: ['test/e2e/session.test.ts'],
    grep: 'generated express app, endpoint mode revoking my own current session',
  },
  {
    name: '11-lit-no-escaping',
    file: 'src/render/engine.ts',
    find: "  return json.replace(/[<>\\u2028\\u2029]/g, (ch) => `\\\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);",
    replace: '  return json;',
    tests: ['test/render/literal.test.ts'],
  },
  {
    name: '12-write-in-place',
    file: 'src/fs/write.ts',
    find:
      "  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);\n" +
      "  const handle = await open(temp, 'wx', 0o600);",
    replace: "  const temp = target;\n  const handle = await open(temp, 'w', 0o600);",
    tests: ['test/fs/write.test.ts'],
  },
  {
    name: '13-force-skips-backup',
    file: 'src/commands/generate.ts',
    find: "    if (entry.backup) await writeAtomic(await resolveInside(root, entry.backup), entry.current ?? '', steps);\n",
    replace: '',
    tests: ['test/cli/cli.test.ts'],
    grep: 'bak',
  },

  // Sealed cookies and the keyring.
  {
    name: 'crypto-aad-not-bound-to-name',
    file: CRYPTO,
    find: 'return Buffer.from(`${VERSION}.${name}.${kid}`, \'utf8\');',
    replace: 'return Buffer.from(`${VERSION}.${kid}`, \'utf8\');',
    tests: CRYPTO_TESTS,
  },
  {
    name: 'crypto-tag-length-unchecked',
    file: CRYPTO,
    find:
      '  if (iv?.length !== IV_BYTES || tag?.length !== TAG_BYTES || !ciphertext) return null;\n  try {\n' +
      "    const decipher = createDecipheriv('aes-256-gcm', entry.key, iv, { authTagLength: TAG_BYTES });",
    replace: "  if (iv?.length !== IV_BYTES || !tag || !ciphertext) return null;\n  try {\n    const decipher = createDecipheriv('aes-256-gcm', entry.key, iv);",
    tests: CRYPTO_TESTS,
  },
  {
    name: 'crypto-iv-length-unchecked',
    file: CRYPTO,
    find: 'if (iv?.length !== IV_BYTES || tag?.length !== TAG_BYTES || !ciphertext) return null;',
    replace: 'if (!iv || tag?.length !== TAG_BYTES || !ciphertext) return null;',
    tests: CRYPTO_TESTS,
  },
  {
    name: 'crypto-lenient-base64',
    file: CRYPTO,
    find: "return bytes.toString('base64url') === text ? bytes : null;",
    replace: 'return bytes;',
    tests: CRYPTO_TESTS,
  },
  { name: 'keyring-any-key-length', file: KEYS, find: 'if (key.length !== 32) {', replace: 'if (key.length < 16) {', tests: CRYPTO_TESTS },
  { name: 'keyring-duplicate-kid', file: KEYS, find: 'if (seen.has(kid)) {', replace: 'if (false) {', tests: CRYPTO_TESTS },

  // Cookie writing.
  {
    name: 'cookies-no-chunk-cap',
    file: COOKIES,
    find: 'if (count > MAX_COOKIE_CHUNKS) {',
    replace: 'if (count > MAX_COOKIE_CHUNKS + 10) {',
    tests: COOKIE_TESTS,
  },
  {
    name: 'cookies-chunk-gap-skipped',
    file: COOKIES,
    find: 'if (chunk === undefined) break;',
    replace: 'if (chunk === undefined) continue;',
    tests: COOKIE_TESTS,
  },
  {
    name: 'cookies-no-httponly',
    file: COOKIES,
    find: "const parts = [`${name}=${value}`, `Path=${spec.path}`, 'HttpOnly'];",
    replace: 'const parts = [`${name}=${value}`, `Path=${spec.path}`];',
    tests: COOKIE_TESTS,
  },
  {
    name: 'cookies-write-keeps-other-shapes',
    file: COOKIES,
    find: 'return [whole, ...chunkNames(spec.name).map((name) => expiredCookie(name, spec, kind))];',
    replace: 'return [whole];',
    tests: COOKIE_TESTS,
  },
  {
    name: 'path-access-cookie-root',
    file: 'src/config/policy.ts',
    find: 'access: cookie(cookies.names.access, routes.apiPrefix),',
    replace: "access: cookie(cookies.names.access, '/'),",
    tests: COOKIE_TESTS,
  },
  {
    name: 'path-refresh-cookie-root',
    file: 'src/config/policy.ts',
    find: 'refresh: cookie(cookies.names.refresh, refreshPath),',
    replace: "refresh: cookie(cookies.names.refresh, '/'),",
    tests: COOKIE_TESTS,
  },
  {
    name: 'path-id-cookie-root',
    file: 'src/config/policy.ts',
    find: 'idToken: cookie(cookies.names.idToken, routes.logout),',
    replace: "idToken: cookie(cookies.names.idToken, '/'),",
    tests: COOKIE_TESTS,
  },
  {
    name: 'path-state-cookie-root',
    file: 'src/config/policy.ts',
    find: 'state: cookie(cookies.names.state, routes.callback),',
    replace: "state: cookie(cookies.names.state, '/'),",
    tests: COOKIE_TESTS,
  },
  {
    name: 'express-no-cache-control',
    file: 'templates/express/adapter.ts.hbs',
    find: "res.set('Cache-Control', 'no-store');",
    replace: "res.set('Cache-Control', 'private');",
    tests: ['test/e2e/session.test.ts'],
    grep: 'generated express app, endpoint mode callback: state checked',
  },

  // The cross-site guard.
  {
    name: 'guard-middleware-unchecked',
    file: SESSION,
    find: "  if (crossSiteRejection(req)) return { ok: false, code: 'cross_origin_request' };\n",
    replace: '',
    tests: ['test/core/csrf.test.ts'],
  },
  {
    name: 'guard-cross-site-fetch-metadata-passes',
    file: SESSION,
    find: "allowed = site === 'same-origin' || site === 'none' || (origin !== undefined && isTrustedOrigin(origin));",
    replace: "allowed = site !== 'garbage' || (origin !== undefined && isTrustedOrigin(origin));",
    tests: ['test/core/csrf.test.ts'],
  },
  {
    name: 'guard-refresh-route-unchecked',
    file: FLOWS,
    ...guardOf('export async function refresh(req: FlowRequest): Promise<Reply> {'),
    tests: RULES,
  },

  // Refresh: one redemption, cached success, no cached failure, revocation.
  { name: 'refresh-no-single-flight', file: REFRESH, find: '    if (!pending) {', replace: '    if (true) {', tests: REFRESH_TESTS },
  {
    name: 'refresh-result-cache-never-expires',
    file: REFRESH,
    find: 'if (cached && cached.until > this.now()) return Promise.resolve(cached.tokens);',
    replace: 'if (cached) return Promise.resolve(cached.tokens);',
    tests: REFRESH_TESTS,
  },
  {
    name: 'refresh-failures-kept',
    file: REFRESH,
    find: '        .finally(() => this.inFlight.delete(key));',
    replace: '        .then((tokens) => {\n          this.inFlight.delete(key);\n          return tokens;\n        });',
    tests: REFRESH_TESTS,
  },
  {
    name: 'revocation-keeps-cached-results',
    file: REFRESH,
    find: '    for (const [key, entry] of this.results) if (matches(entry.claims)) this.results.delete(key);\n',
    replace: '',
    tests: REFRESH_TESTS,
  },
  {
    name: 'invalid-grant-is-outage',
    file: SCALEKIT,
    find: "if (response.status === 400 && code === 'invalid_grant') {",
    replace: 'if (false) {',
    tests: TOKENS,
  },
  {
    name: 'refresh-outage-logs-out',
    file: SESSION,
    find: "return { ok: false, code: error instanceof InvalidTokenError ? 'session_expired' : failureCode(error) };",
    replace: "return { ok: false, code: 'session_expired' };",
    tests: TOKENS,
  },

  // Token verification.
  { name: 'token-issuer-unchecked', file: SCALEKIT, find: '    issuer: environmentUrl,\n', replace: '', tests: TOKENS },
  { name: 'token-audience-unchecked', file: SCALEKIT, find: '    audience: clientId,\n', replace: '', tests: TOKENS },
  {
    name: 'token-exp-not-required',
    file: SCALEKIT,
    edits: [
      { find: "    requiredClaims: ['exp', ...requiredClaims],", replace: '    requiredClaims: [...requiredClaims],' },
      { find: " || typeof payload['sid'] !== 'string' || !Number.isFinite(payload.exp)) {", replace: " || typeof payload['sid'] !== 'string') {" },
    ],
    tests: TOKENS,
  },
  {
    name: 'id-token-nonce-unchecked',
    file: SCALEKIT,
    find: "if (payload['nonce'] !== expected.nonce) throw",
    replace: 'if (false) throw',
    tests: OIDC,
    grep: 'callback refuses every invalid ID token',
  },
  {
    name: 'id-token-sub-unchecked',
    file: SCALEKIT,
    find: 'if (payload.sub !== expected.sub) throw',
    replace: 'if (false) throw',
    tests: OIDC,
    grep: 'callback refuses every invalid ID token',
  },

  // Login, callback and logout.
  {
    name: 'returnTo-unbounded',
    file: FLOWS,
    find: '    value.length <= MAX_RETURN_TO_LENGTH &&\n',
    replace: '',
    tests: RULES,
  },
  {
    name: 'login-head-allowed',
    file: FLOWS,
    find: "export function login(req: FlowRequest): Reply {\n  if (req.method !== 'GET') return methodNotAllowed();\n",
    replace: 'export function login(req: FlowRequest): Reply {\n',
    tests: RULES,
  },
  {
    name: 'callback-head-allowed',
    file: FLOWS,
    find: "export async function callback(req: FlowRequest): Promise<Reply> {\n  if (req.method !== 'GET') return methodNotAllowed();\n",
    replace: 'export async function callback(req: FlowRequest): Promise<Reply> {\n',
    tests: RULES,
  },
  {
    name: 'login-state-shared-by-attempts',
    file: FLOWS,
    find: "  return createHash('sha256').update(state).digest('base64url').slice(0, 16);",
    replace: "  return 'AAAAAAAAAAAAAAAA';",
    tests: RULES,
  },
  {
    name: 'logout-no-client-id',
    file: FLOWS,
    find: "  withClient.searchParams.set('client_id', getSettings().clientId);\n",
    replace: '',
    tests: OIDC,
    grep: 'logout with a stored ID token',
  },
  {
    name: 'callback-accepts-no-refresh-token',
    file: FLOWS,
    find: '    if (!result.refreshToken) {',
    replace: '    if (false) {',
    tests: OIDC,
    grep: 'no refresh token',
  },

  // The config: hostile strings never reach generated code, output stays in the project.
  {
    name: 'config-cookie-name-any-characters',
    file: 'src/config/schema.ts',
    find: '  /^[A-Za-z0-9_-]{1,64}$/,\n',
    replace: '  /^[^]{1,64}$/,\n',
    tests: CONFIG_TESTS,
  },
  {
    name: 'config-outdir-dot-segments',
    file: 'src/config/schema.ts',
    find: "  test: (value) => !DOT_SEGMENT_RE.test(value),\n  message: 'must stay inside the project",
    replace: "  test: () => true,\n  message: 'must stay inside the project",
    tests: CONFIG_TESTS,
  },

  // The Redis store (contract §7): one refresh across processes, revocation everywhere, records bound to their key.
  {
    name: 'redis-refresh-without-lock',
    file: STORE_REDIS,
    find: '    if (await redisSetIfAbsent(lockKey(session.id), owner, LOCK_MS)) {',
    replace: '    if ((await redisSetIfAbsent(lockKey(session.id), owner, LOCK_MS)) || true) {',
    tests: REDIS_STORE_TESTS,
  },
  {
    name: 'redis-no-reread-under-lock',
    file: STORE_REDIS,
    find: '        if (isRenewed(session, current)) return { accessToken: current.record.accessToken, cookies: [] };\n        return',
    replace: '        return',
    tests: REDIS_STORE_TESTS,
  },
  {
    name: 'redis-revoke-deletes-nothing',
    file: STORE_REDIS,
    find: '  if (ids.length === 0) return;\n',
    replace: '  if (ids.length >= 0) return;\n',
    tests: REDIS_STORE_TESTS,
  },
  {
    name: 'redis-record-not-bound-to-key',
    file: STORE_REDIS,
    edits: [
      { find: '  return seal(`session:${id}`, JSON.stringify(record));', replace: "  return seal('session:', JSON.stringify(record));" },
      { find: '  const opened = open(`session:${id}`, sealed, getKeyring(), MAX_RECORD_LENGTH);', replace: "  const opened = open('session:', sealed, getKeyring(), MAX_RECORD_LENGTH);" },
    ],
    tests: REDIS_STORE_TESTS,
  },
];
