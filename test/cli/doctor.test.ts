/**
 * `doctor` through the real bin against the project's emulator: healthy, and
 * broken in each way it must tell apart (missing or malformed variables,
 * wrong secret, wrong URL, outage, unreachable), plus the risky policies.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { keyringProblems } from '../../src/doctor/keyring.js';
import { parseEnvFile } from '../../src/doctor/env-file.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { loadGenerated } from '../core/load.js';
import { describeRedis, type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { removeProject, runBin, tempProject, writeConfig } from '../helpers/project.js';

const key = (kid: string) => `${kid}:${randomBytes(32).toString('base64url')}`;
const PLAIN = { NO_COLOR: '', FORCE_COLOR: '' };

let emulator: Emulator;
let dir: string;
/** Everything healthy; each test overrides what it breaks. */
let healthy: Record<string, string>;

beforeAll(async () => {
  emulator = await startEmulator();
  dir = await tempProject();
  await writeConfig(dir, { framework: 'express', scalekit: { timeoutMs: 1500 } });
  const generated = await runBin(['generate', '-q'], dir, PLAIN);
  expect(generated.code, generated.stderr).toBe(0);
  healthy = {
    SCALEKIT_ENVIRONMENT_URL: emulator.url,
    SCALEKIT_CLIENT_ID: emulator.clientId,
    SCALEKIT_CLIENT_SECRET: emulator.clientSecret,
    APP_URL: 'http://localhost:3000',
    SESSION_ENCRYPTION_KEYS: `${key('k2')},${key('k1')}`,
    NODE_ENV: 'development',
    WEB_CONCURRENCY: '',
    ...PLAIN,
  };
}, 60_000);

afterAll(async () => {
  await emulator?.close();
  if (dir) await removeProject(dir);
});

interface Report {
  ok: boolean;
  envFile: string | null;
  checks: { name: string; status: string; message: string; fix?: string }[];
  register: { redirectUri: string; postLogoutRedirectUri: string } | null;
}

async function doctor(env: Record<string, string>, args: string[] = [], cwd = dir) {
  const run = await runBin(['doctor', ...args], cwd, { ...healthy, ...env });
  return run;
}
async function doctorJson(env: Record<string, string>, cwd = dir, args: string[] = []): Promise<{ code: number; report: Report; failed: Record<string, string> }> {
  const run = await doctor(env, ['--json', ...args], cwd);
  const report = JSON.parse(run.stdout) as Report;
  const failed = Object.fromEntries(report.checks.filter((check) => check.status === 'fail').map((check) => [check.name, check.message]));
  return { code: run.code, report, failed };
}

describe('doctor', () => {
  it('healthy: every check passes, exit 0, the URLs to register are printed', async () => {
    const run = await doctor({});
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const lines = run.stdout.split('\n').filter((line) => /^[✓✗!-] /.test(line));
    expect(lines.length).toBeGreaterThanOrEqual(10);
    for (const line of lines) expect(line).toMatch(/^✓ /);
    expect(run.stdout).toContain('✓ generated files: in sync');
    expect(run.stdout).toContain('✓ scalekit credentials:');
    expect(run.stdout).toContain('redirect URI:         http://localhost:3000/auth/callback');
    expect(run.stdout).toContain('post-logout redirect: http://localhost:3000/');
    expect(run.stdout).not.toContain(emulator.clientSecret);
  });

  it('a wrong client secret: bad credentials, and only that', async () => {
    const { code, failed } = await doctorJson({ SCALEKIT_CLIENT_SECRET: 'not-the-secret' });
    expect(code).toBe(1);
    expect(Object.keys(failed)).toEqual(['scalekit credentials']);
    expect(failed['scalekit credentials']).toMatch(/^bad credentials: .*invalid_client/);
  });

  it('missing variables: each one named, the network checks skipped', async () => {
    const { code, failed, report } = await doctorJson({ SCALEKIT_ENVIRONMENT_URL: '', APP_URL: '', SESSION_ENCRYPTION_KEYS: '' });
    expect(code).toBe(1);
    expect(failed).toEqual({ SCALEKIT_ENVIRONMENT_URL: 'not set', APP_URL: 'not set', SESSION_ENCRYPTION_KEYS: 'not set' });
    expect(report.checks.find((check) => check.name === 'scalekit discovery')?.status).toBe('skip');
    expect(report.register).toBeNull();
  });

  it('malformed values: a relative URL, a short key, a duplicate kid', async () => {
    const { failed } = await doctorJson({
      APP_URL: 'localhost:3000',
      SCALEKIT_ENVIRONMENT_URL: '/not/absolute',
      SESSION_ENCRYPTION_KEYS: `k1:${randomBytes(16).toString('base64url')},${key('k2')},${key('k2')}`,
    });
    expect(failed.APP_URL).toContain('not an http(s) URL');
    expect(failed.SCALEKIT_ENVIRONMENT_URL).toContain('not an absolute URL');
    expect(failed.SESSION_ENCRYPTION_KEYS).toContain('entry 1 (kid "k1") is 16 bytes, not 32');
    expect(failed.SESSION_ENCRYPTION_KEYS).toContain('entry 3 repeats kid "k2" (duplicate kid)');
  });

  it('a URL that is not a Scalekit environment: wrong URL', async () => {
    const { failed } = await doctorJson({ SCALEKIT_ENVIRONMENT_URL: `${emulator.url}/somewhere` });
    expect(failed['scalekit discovery']).toMatch(/^wrong URL: /);
  });

  it('outages: 5xx is "failing", a hang is "unreachable" within the timeout, a closed port is "unreachable"', async () => {
    emulator.controls.setOutage('keys', '5xx');
    try {
      const { failed } = await doctorJson({});
      expect(Object.keys(failed)).toEqual(['scalekit /keys']);
      expect(failed['scalekit /keys']).toMatch(/^failing: \/keys answered 503/);
    } finally {
      emulator.controls.clearOutages();
    }
    emulator.controls.setOutage('discovery', 'hang');
    try {
      const { failed } = await doctorJson({});
      expect(failed['scalekit discovery']).toMatch(/^unreachable: .*no answer within 1500 ms/);
    } finally {
      emulator.controls.clearOutages();
    }
    await emulator.controls.stopListening();
    try {
      const { failed } = await doctorJson({});
      expect(failed['scalekit discovery']).toMatch(/^unreachable: .*ECONNREFUSED/);
    } finally {
      await emulator.controls.startListening();
    }
  }, 30_000);

  it('reads .env, says which file each value came from, and the environment wins', async () => {
    const envDir = await tempProject();
    try {
      await writeConfig(envDir, { framework: 'express', scalekit: { timeoutMs: 1500 } });
      const { SCALEKIT_CLIENT_SECRET: secret, SCALEKIT_CLIENT_ID: id } = healthy;
      await writeFile(path.join(envDir, '.env'), `# local\nexport SCALEKIT_CLIENT_ID="${id}"\nSCALEKIT_CLIENT_SECRET='${secret}'\nAPP_URL=http://wrong.example # overridden\n`);
      const { report } = await doctorJson({ SCALEKIT_CLIENT_ID: '', SCALEKIT_CLIENT_SECRET: '' }, envDir);
      expect(report.envFile).toBe('.env');
      const message = (name: string) => report.checks.find((check) => check.name === name)?.message;
      expect(message('SCALEKIT_CLIENT_ID')).toBe(`${id} (from .env)`);
      expect(message('SCALEKIT_CLIENT_SECRET')).toMatch(/\(from \.env\)$/);
      expect(message('APP_URL')).toBe('http://localhost:3000 (from the environment)');
      expect(report.checks.find((check) => check.name === 'scalekit credentials')?.status).toBe('pass');
      // The files were never generated here: check's answer says so.
      expect(report.checks.find((check) => check.name === 'generated files')?.status).toBe('fail');
    } finally {
      await removeProject(envDir);
    }
  });

  it('--dotenv FILE reads that file; a missing one is a failed check, not a crash', async () => {
    const envDir = await tempProject();
    try {
      await writeConfig(envDir, { framework: 'express', scalekit: { timeoutMs: 1500 } });
      await writeFile(path.join(envDir, 'staging.env'), `APP_URL=https://staging.example\n`);
      const { report } = await doctorJson({ APP_URL: '' }, envDir, ['--dotenv', 'staging.env']);
      expect(report.envFile).toBe('staging.env');
      expect(report.checks.find((check) => check.name === 'APP_URL')?.message).toBe('https://staging.example (from staging.env)');
      const missing = await doctorJson({}, envDir, ['--dotenv', 'nope.env']);
      expect(missing.code).toBe(1);
      expect(missing.failed['nope.env']).toContain('cannot read it');
    } finally {
      await removeProject(envDir);
    }
  });

  it('risky combinations', async () => {
    const riskDir = await tempProject();
    try {
      await writeConfig(riskDir, { framework: 'express', cookies: { secure: 'never' }, scalekit: { timeoutMs: 1500 } });
      const https = await doctorJson({ APP_URL: 'https://app.example' }, riskDir);
      expect(https.failed['cookies.secure']).toContain('"never" while APP_URL is https');

      await writeConfig(riskDir, { framework: 'express', cookies: { sameSite: 'none' }, scalekit: { timeoutMs: 1500 } });
      const production = await doctorJson({ APP_URL: 'http://app.example', NODE_ENV: 'production', WEB_CONCURRENCY: '4' }, riskDir);
      expect(production.failed.APP_URL).toContain('http with NODE_ENV=production');
      const warned = Object.fromEntries(production.report.checks.filter((c) => c.status === 'warn').map((c) => [c.name, c.message]));
      expect(warned['cookies.sameSite']).toContain('"none"');
      expect(warned.store).toContain('WEB_CONCURRENCY=4');
      expect(warned.store).toContain('Redis store');
    } finally {
      await removeProject(riskDir);
    }
  });

  it('--quiet prints only the failing checks', async () => {
    const run = await doctor({ APP_URL: '' }, ['-q']);
    expect(run.code).toBe(1);
    expect(run.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^✗ APP_URL: not set\. Fix: /)]);
  });

  it('a lock file check cannot read is a failed check, and the rest still runs', async () => {
    const lockDir = await tempProject({ 'scalekit-session.lock.json': 'not json' });
    try {
      await writeConfig(lockDir, { framework: 'express', scalekit: { timeoutMs: 1500 } });
      const { failed, report } = await doctorJson({}, lockDir);
      expect(failed['generated files']).toContain('not a lock file this tool wrote');
      expect(report.checks.find((check) => check.name === 'scalekit credentials')?.status).toBe('pass');
    } finally {
      await removeProject(lockDir);
    }
  });

  it('an invalid config is one failed check; the environment is still checked', async () => {
    const badDir = await tempProject();
    try {
      await writeConfig(badDir, { framework: 'hapi' });
      const { failed, report } = await doctorJson({}, badDir);
      expect(failed.config).toContain('framework');
      expect(report.checks.find((check) => check.name === 'scalekit credentials')?.status).toBe('pass');
    } finally {
      await removeProject(badDir);
    }
  });
});

describeRedis('doctor with the Redis store', () => {
  let redis: RedisServer;
  let redisDir: string;

  beforeAll(async () => {
    redis = await startRedisServer();
    await redis.cli('CONFIG', 'SET', 'requirepass', 's3cret-pass');
    redisDir = await tempProject();
    await writeConfig(redisDir, { framework: 'express', store: { type: 'redis' }, scalekit: { timeoutMs: 1500 } });
    const generated = await runBin(['generate', '-q'], redisDir, PLAIN);
    expect(generated.code, generated.stderr).toBe(0);
  }, 60_000);

  afterAll(async () => {
    await redis?.stop();
    if (redisDir) await removeProject(redisDir);
  });

  const withPassword = (password: string) => `redis://:${password}@127.0.0.1:${redis.port}`;

  it('a reachable Redis that accepts the password passes; the password is never printed', async () => {
    const run = await doctor({ REDIS_URL: withPassword('s3cret-pass') }, ['--json'], redisDir);
    const report = JSON.parse(run.stdout) as Report;
    expect(run.code, run.stdout).toBe(0);
    expect(report.checks.find((check) => check.name === 'redis')).toMatchObject({ status: 'pass', message: expect.stringContaining('answers PING') });
    expect(run.stdout + run.stderr).not.toContain('s3cret-pass');
  });

  it('missing, malformed, wrong password, nothing listening: each its own failure', async () => {
    const missing = await doctorJson({ REDIS_URL: '' }, redisDir);
    expect(missing.failed).toEqual({ REDIS_URL: 'not set' });
    expect(missing.report.checks.find((check) => check.name === 'redis')?.status).toBe('skip');
    const malformed = await doctorJson({ REDIS_URL: 'http://127.0.0.1:6379' }, redisDir);
    expect(malformed.failed['REDIS_URL']).toMatch(/not redis: or rediss:/);
    const wrong = await doctorJson({ REDIS_URL: withPassword('not-it') }, redisDir);
    expect(wrong.failed['redis']).toMatch(/answered WRONGPASS/);
    expect(JSON.stringify(wrong.report)).not.toContain('not-it');
    const noAuth = await doctorJson({ REDIS_URL: redis.url }, redisDir);
    expect(noAuth.failed['redis']).toMatch(/answered NOAUTH/);
    const closed = await doctorJson({ REDIS_URL: 'redis://127.0.0.1:1' }, redisDir);
    expect(closed.failed['redis']).toMatch(/unreachable|ECONNREFUSED/);
    for (const run of [missing, malformed, wrong, noAuth, closed]) expect(run.code).toBe(1);
  });
});

describe('doctor reads values as the generated code does', () => {
  let generatedKeys: Awaited<ReturnType<typeof loadGenerated>>['keys'];
  let root: string;
  beforeAll(async () => {
    const loaded = await loadGenerated({ framework: 'express' }, 'doctor-keys');
    generatedKeys = loaded.keys;
    root = loaded.root;
  }, 60_000);
  afterAll(async () => {
    if (root) await removeProject(root);
  });

  it("the keyring verdict matches the generated keys.ts on generated keyrings (seeded)", () => {
    const seed = Number(process.env.TEST_SEED ?? Date.now() % 1_000_000);
    let state = seed;
    const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const entry = (): string =>
      pick([
        () => key(`k${Math.floor(random() * 3)}`),
        () => `k${Math.floor(random() * 3)}:${randomBytes(Math.floor(random() * 40)).toString('base64url')}`,
        () => `${'x'.repeat(30 + Math.floor(random() * 5))}:${randomBytes(32).toString('base64url')}`,
        () => `bad kid:${randomBytes(32).toString('base64url')}`,
        () => `k9:${randomBytes(32).toString('base64')}`,
        () => 'nocolon',
        () => ' ',
      ])();
    for (let i = 0; i < 300; i++) {
      const text = Array.from({ length: Math.floor(random() * 4) }, entry).join(pick([',', '\n', ' , ']));
      let generatedOk = true;
      try {
        generatedKeys.parseKeyring(text, 'KEYS');
      } catch {
        generatedOk = false;
      }
      expect(keyringProblems(text, 'KEYS').length === 0, `${JSON.stringify(text)} (seed ${seed})`).toBe(generatedOk);
    }
  });

  it('.env parsing: quotes, export, comments, later lines win', () => {
    const values = parseEnvFile('A=1\nexport B="two words"\nC=\'x # y\' \nD=plain # note\n# E=no\nA=3\nF="line\\nbreak"\n');
    expect(Object.fromEntries(values)).toEqual({ A: '3', B: 'two words', C: 'x # y', D: 'plain', F: 'line\nbreak' });
  });
});
