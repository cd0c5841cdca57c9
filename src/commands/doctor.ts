import { readFile } from 'node:fs/promises';
import path from 'node:path';

import type { LoadedConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { Context } from '../context.js';
import { parseEnvFile } from '../doctor/env-file.js';
import { keyringProblems } from '../doctor/keyring.js';
import { type Probe, probeCredentials, probeDiscovery, probeKeys } from '../doctor/scalekit.js';
import { CliError } from '../errors.js';

export interface DoctorOptions {
  config?: string;
  /** A dotenv file to read besides the environment; default `.env` in the project when present. */
  envFile?: string;
  json?: boolean;
  quiet?: boolean;
}

/** pass ✓, fail ✗ (exit 1), warn ! (worth knowing, not failing), skip - (blocked by an earlier failure). */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

export interface DoctorCheck {
  name: string;
  status: CheckStatus;
  message: string;
  fix?: string;
}

const SYMBOL: Record<CheckStatus, string> = { pass: '✓', fail: '✗', warn: '!', skip: '-' };
const KEYGEN = 'npx scalekit-session-scaffold keygen';

interface EnvValue {
  value: string;
  /** "the environment" or the env file's name. */
  from: string;
}

/**
 * `doctor`: answers "why doesn't my app sign in?" from the project and its
 * environment, one line per check with what to do about each failure. Reads
 * only; exit 0 when nothing failed, 1 otherwise.
 */
export async function doctor(ctx: Context, options: DoctorOptions): Promise<void> {
  const checks: DoctorCheck[] = [];
  const add = (check: DoctorCheck) => checks.push(check);

  // 1. The config, then the generated files (check's own answer).
  const { loadConfig, validateConfig } = await import('../config/load.js');
  let loaded: LoadedConfig | undefined;
  try {
    loaded = await loadConfig(ctx.cwd, options.config);
    add({ name: 'config', status: 'pass', message: `${path.relative(ctx.cwd, loaded.file) || loaded.file} is valid` });
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    add({
      name: 'config',
      status: 'fail',
      message: [error.message, ...error.details].join(' '),
      fix: error.suggestion ?? 'Fix the config file',
    });
  }
  if (loaded) add(await filesCheck(ctx, options.config));
  else add({ name: 'generated files', status: 'skip', message: 'not checked: the config is not valid' });
  // Without a valid config the default variable names are the best guess.
  const config: Config = loaded?.config ?? defaults(validateConfig({ framework: 'express' }));
  const root = loaded?.root ?? ctx.cwd;

  // 2. The environment the generated code reads: the process's, then the env file.
  const envFile = await readEnvFile(root, ctx.cwd, options.envFile);
  const lookup = (name: string): EnvValue | undefined => {
    const own = ctx.env[name];
    if (own !== undefined && own !== '') return { value: own, from: 'the environment' };
    const filed = envFile?.values.get(name);
    if (filed !== undefined && filed !== '') return { value: filed, from: envFile?.name ?? '' };
    return undefined;
  };
  const setHint = envFile ? `set it in ${envFile.name} or the environment` : 'set it in the environment (or a .env file)';
  if (envFile?.error) add({ name: envFile.name, status: 'fail', message: envFile.error, fix: 'Make the file readable, or name another with --dotenv FILE' });

  const { envUrlVar, clientIdVar, clientSecretVar, appUrlVar, timeoutMs } = config.scalekit;
  const variable = (name: string, describe: (value: string) => { problem?: string; shown: string }, fix: string): string | undefined => {
    const found = lookup(name);
    if (!found) {
      add({ name, status: 'fail', message: 'not set', fix: `${fix}; ${setHint}` });
      return undefined;
    }
    const { problem, shown } = describe(found.value.trim());
    if (problem) {
      add({ name, status: 'fail', message: `${problem} (from ${found.from})`, fix });
      return undefined;
    }
    add({ name, status: 'pass', message: `${shown} (from ${found.from})` });
    return found.value.trim();
  };
  const environmentUrl = variable(envUrlVar, (value) => urlProblem(value, 'your Scalekit environment URL'), 'Copy the environment URL from the Scalekit dashboard (Developers > Settings)')?.replace(/\/+$/, '');
  const clientId = variable(clientIdVar, (value) => ({ shown: value }), 'Copy the client id from the Scalekit dashboard');
  const clientSecret = variable(clientSecretVar, (value) => ({ shown: `set (${value.length} characters, not shown)` }), 'Copy (or create) a client secret in the Scalekit dashboard');
  const appUrlText = variable(appUrlVar, (value) => urlProblem(value, "your app's public origin"), "Set it to your app's public origin, e.g. http://localhost:3000");
  await keysCheck(config, lookup, add, setHint);
  const nodeEnv = lookup('NODE_ENV')?.value;

  // 3. The Scalekit environment: discovery, /keys, then the credentials.
  if (environmentUrl === undefined) {
    for (const name of ['scalekit discovery', 'scalekit /keys', 'scalekit credentials']) add({ name, status: 'skip', message: `not checked: ${envUrlVar} is missing or malformed` });
  } else {
    const discovery = await probeDiscovery(environmentUrl, timeoutMs);
    add(probeCheck('scalekit discovery', discovery, envUrlVar));
    if (discovery.status === 'unreachable' || discovery.status === 'wrong-url') {
      add({ name: 'scalekit /keys', status: 'skip', message: 'not checked: discovery failed' });
      add({ name: 'scalekit credentials', status: 'skip', message: 'not checked: discovery failed' });
    } else {
      add(probeCheck('scalekit /keys', await probeKeys(environmentUrl, timeoutMs), envUrlVar));
      if (clientId === undefined || clientSecret === undefined) {
        add({ name: 'scalekit credentials', status: 'skip', message: `not checked: ${clientIdVar} or ${clientSecretVar} is missing` });
      } else {
        add(probeCheck('scalekit credentials', await probeCredentials(environmentUrl, clientId, clientSecret, timeoutMs), envUrlVar, clientIdVar, clientSecretVar));
      }
    }
  }

  // 4. The Redis store: its URL, then whether it answers (and accepts the URL's credentials).
  if (config.store.type === 'redis') {
    const { redisUrlProblem, shownRedisUrl, probeRedis } = await import('../doctor/redis.js');
    const { urlVar } = config.store;
    const redisUrl = variable(
      urlVar,
      (value) => {
        const problem = redisUrlProblem(value);
        return problem ? { problem, shown: '' } : { shown: shownRedisUrl(value) };
      },
      'Set it to redis://host:port (rediss:// for TLS), e.g. redis://127.0.0.1:6379 for a local redis-server',
    );
    if (redisUrl === undefined) {
      add({ name: 'redis', status: 'skip', message: `not checked: ${urlVar} is missing or malformed` });
    } else {
      const probe = await probeRedis(redisUrl, config.store.timeoutMs ?? timeoutMs);
      const fixes = {
        unreachable: `Check ${urlVar} and that Redis runs and this machine can reach it (locally: apt-get install redis-server, or docker run -p 6379:6379 redis:7)`,
        refused: `Put the right user and password in ${urlVar} (redis://user:password@host:port)`,
        malformed: `Set ${urlVar} to redis://host:port`,
      };
      add(probe.status === 'ok' ? { name: 'redis', status: 'pass', message: probe.detail } : { name: 'redis', status: 'fail', message: probe.detail, fix: fixes[probe.status] });
    }
  }

  // 5. Risky combinations of the policy and the environment.
  const appUrl = appUrlText === undefined ? undefined : new URL(appUrlText);
  const risks = riskChecks(config, appUrl, nodeEnv, await processCount(root, lookup));
  checks.push(...(risks.length > 0 ? risks : [{ name: 'cookies', status: 'pass' as const, message: 'the cookie policy suits APP_URL and NODE_ENV' }]));

  // 6. The URLs to register in the dashboard.
  const register = appUrl
    ? { redirectUri: `${appUrl.origin}${config.routes.callback}`, postLogoutRedirectUri: `${appUrl.origin}${config.routes.postLogoutRedirect}` }
    : undefined;

  const failures = checks.filter((check) => check.status === 'fail');
  if (options.json) {
    ctx.stdout(JSON.stringify({ ok: failures.length === 0, envFile: envFile?.name ?? null, checks, register: register ?? null }, null, 2));
  } else {
    for (const check of checks) {
      if (options.quiet && check.status !== 'fail') continue;
      ctx.stdout(`${SYMBOL[check.status]} ${check.name}: ${check.message}${check.status === 'fail' && check.fix ? `. Fix: ${check.fix}.` : ''}`);
    }
    if (register && !options.quiet) {
      ctx.stdout('');
      ctx.stdout('Register these in the Scalekit dashboard (redirect URLs):');
      ctx.stdout(`  redirect URI:         ${register.redirectUri}`);
      ctx.stdout(`  post-logout redirect: ${register.postLogoutRedirectUri}`);
    }
  }
  if (failures.length > 0) {
    throw new CliError(`doctor found ${failures.length} problem${failures.length === 1 ? '' : 's'}: ${failures.map((check) => check.name).join(', ')}.`);
  }
}

function defaults(result: ReturnType<typeof import('../config/load.js').validateConfig>): Config {
  if (!result.ok) throw new Error(`the default config does not validate: ${result.problems.join('; ')}`);
  return result.config;
}

/** `check`'s answer (its own plan, fast path and findings), reused rather than re-derived. */
async function filesCheck(ctx: Context, configPath: string | undefined): Promise<DoctorCheck> {
  const { check } = await import('./check.js');
  let output = '';
  try {
    await check({ ...ctx, stdout: (text) => (output += text), stderr: () => {} }, { config: configPath, json: true });
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    // Check could not answer (an unreadable lock, a file in the way): that is the finding.
    if (output === '') return { name: 'generated files', status: 'fail', message: [error.message, ...error.details].join(' '), fix: error.suggestion ?? 'See the message' };
  }
  const result = JSON.parse(output) as { inSync: boolean; findings: { path: string; reason: string }[] };
  if (result.inSync) return { name: 'generated files', status: 'pass', message: 'in sync with the config and the lock' };
  const first = result.findings[0];
  const more = result.findings.length > 1 ? ` (and ${result.findings.length - 1} more)` : '';
  return {
    name: 'generated files',
    status: 'fail',
    message: `${result.findings.length} difference${result.findings.length === 1 ? '' : 's'}: ${first ? `${first.path}: ${first.reason}` : ''}${more}`,
    fix: 'Run `npx scalekit-session-scaffold generate` (see the changes first with `diff`)',
  };
}

interface EnvFile {
  name: string;
  values: Map<string, string>;
  error?: string;
}

async function readEnvFile(root: string, cwd: string, explicit: string | undefined): Promise<EnvFile | undefined> {
  const file = explicit !== undefined ? path.resolve(cwd, explicit) : path.join(root, '.env');
  const name = path.relative(cwd, file) || file;
  try {
    return { name, values: parseEnvFile(await readFile(file, 'utf8')) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && explicit === undefined) return undefined;
    return { name, values: new Map(), error: `cannot read it: ${(error as Error).message}` };
  }
}

function urlProblem(value: string, what: string): { problem?: string; shown: string } {
  if (!URL.canParse(value)) return { problem: `"${value}" is not an absolute URL (expected ${what}, like https://example.com)`, shown: value };
  const url = new URL(value);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { problem: `"${value}" is not an http(s) URL`, shown: value };
  return { shown: value };
}

async function keysCheck(config: Config, lookup: (name: string) => EnvValue | undefined, add: (check: DoctorCheck) => void, setHint: string): Promise<void> {
  const source = config.encryption.keySource;
  if (source.type === 'env') {
    const found = lookup(source.name);
    if (!found) {
      add({ name: source.name, status: 'fail', message: 'not set', fix: `Run \`${KEYGEN}\` and ${setHint}` });
      return;
    }
    const problems = keyringProblems(found.value, source.name);
    if (problems.length > 0) add({ name: source.name, status: 'fail', message: `${problems.join('; ')} (from ${found.from})`, fix: `Each entry is kid:key with a 32-byte base64url key and a unique kid; run \`${KEYGEN}\` for a new one` });
    else add({ name: source.name, status: 'pass', message: `${countKeys(found.value)} valid (from ${found.from})` });
    return;
  }
  let text: string;
  try {
    text = await readFile(source.path, 'utf8');
  } catch (error) {
    add({ name: 'key file', status: 'fail', message: `cannot read ${source.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, fix: `Write the output of \`${KEYGEN}\` to ${source.path}` });
    return;
  }
  const problems = keyringProblems(text, source.path);
  if (problems.length > 0) add({ name: 'key file', status: 'fail', message: problems.join('; '), fix: `Each entry is kid:key with a 32-byte base64url key and a unique kid; run \`${KEYGEN}\` for a new one` });
  else add({ name: 'key file', status: 'pass', message: `${source.path}: ${countKeys(text)} valid` });
}

function countKeys(text: string): string {
  const count = text.split(/[,\n]/).filter((entry) => entry.trim() !== '').length;
  return `${count} key${count === 1 ? '' : 's'}`;
}

function probeCheck(name: string, probe: Probe, envUrlVar: string, clientIdVar?: string, clientSecretVar?: string): DoctorCheck {
  const fixes: Record<Probe['status'], string | undefined> = {
    ok: undefined,
    unreachable: `Check ${envUrlVar} for typos and that this machine can reach it (proxy, firewall, VPN)`,
    unavailable: 'Scalekit (or something in between) is failing; see status.scalekit.com and retry',
    'wrong-url': `Set ${envUrlVar} to the environment URL shown in the Scalekit dashboard (e.g. https://yourapp.scalekit.dev), without a path`,
    'bad-credentials': `Check ${clientIdVar ?? 'the client id'} and ${clientSecretVar ?? 'the client secret'} belong to this environment; create a new secret in the dashboard if unsure`,
  };
  const label = { ok: '', unreachable: 'unreachable: ', unavailable: 'failing: ', 'wrong-url': 'wrong URL: ', 'bad-credentials': 'bad credentials: ' }[probe.status];
  return { name, status: probe.status === 'ok' ? 'pass' : 'fail', message: `${label}${probe.detail}`, ...(fixes[probe.status] && { fix: fixes[probe.status] }) };
}

function riskChecks(config: Config, appUrl: URL | undefined, nodeEnv: string | undefined, processes: string | undefined): DoctorCheck[] {
  const risks: DoctorCheck[] = [];
  const { secure, sameSite } = config.cookies;
  const https = appUrl?.protocol === 'https:';
  if (https && secure === 'never') {
    risks.push({
      name: 'cookies.secure',
      status: 'fail',
      message: `"never" while APP_URL is https: session cookies travel without Secure and can leak over plain http`,
      fix: 'Set cookies.secure to "production" (or "always") and run generate',
    });
  }
  if (appUrl && !https && nodeEnv === 'production') {
    risks.push({
      name: 'APP_URL',
      status: 'fail',
      message:
        secure === 'never'
          ? 'http with NODE_ENV=production: tokens travel in clear cookies'
          : 'http with NODE_ENV=production: cookies are Secure (and __Host-/__Secure- prefixed), which browsers drop on http, so sign-in loops',
      fix: 'Serve the app over https and set APP_URL to its https origin, or do not set NODE_ENV=production for local http',
    });
  }
  if (sameSite === 'none') {
    risks.push({
      name: 'cookies.sameSite',
      status: 'warn',
      message: '"none": the session cookies go with cross-site requests too; only needed when another site embeds or calls your app. POST/DELETE routes still check Origin',
    });
  }
  if (processes && config.store.type === 'cookie') {
    risks.push({
      name: 'store',
      status: 'warn',
      message: `${processes} but the cookie store coordinates refreshes within one process: concurrent refreshes in two processes spend the same rotating refresh token and sign users out. Use the Redis store (store.type "redis") for more than one process`,
    });
  }
  return risks;
}

/** A sign that the app runs as more than one process, if the project or environment says so. */
async function processCount(root: string, lookup: (name: string) => EnvValue | undefined): Promise<string | undefined> {
  const concurrency = Number(lookup('WEB_CONCURRENCY')?.value);
  if (concurrency > 1) return `WEB_CONCURRENCY=${concurrency} (more than one process)`;
  for (const name of ['ecosystem.config.js', 'ecosystem.config.cjs', 'ecosystem.config.mjs', 'ecosystem.config.json']) {
    const text = await readFile(path.join(root, name), 'utf8').catch(() => undefined);
    const instances = text === undefined ? undefined : /["']?instances["']?\s*:\s*["']?(max|-?\d+|0)/.exec(text)?.[1];
    if (instances !== undefined && instances !== '1') return `${name} runs pm2 with instances: ${instances}`;
  }
  const pkg = await readFile(path.join(root, 'package.json'), 'utf8').catch(() => undefined);
  let scripts: Record<string, unknown> = {};
  try {
    scripts = (JSON.parse(pkg ?? '{}') as { scripts?: Record<string, unknown> }).scripts ?? {};
  } catch {
    // An unreadable package.json says nothing about processes.
  }
  for (const [script, command] of Object.entries(scripts)) {
    const match = typeof command === 'string' ? /\bpm2\b.*\s(?:-i|--instances)\s+(max|\d+)/.exec(command) : null;
    if (match && match[1] !== '1') return `the "${script}" script starts pm2 with -i ${match[1]}`;
  }
  return undefined;
}
