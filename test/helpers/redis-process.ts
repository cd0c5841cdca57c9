/**
 * A real `redis-server` for tests and benchmarks (no test runner needed here:
 * `npm run bench` uses it too). Suites take `describeRedis` from redis-server.ts.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { freePort } from '../../src/demo/project.js';

const run = promisify(execFile);

/** Debian's `redis-server` (installed by .ci/run); REDIS_SERVER_PATH / REDIS_CLI_PATH pick others. */
export const REDIS_SERVER = process.env.REDIS_SERVER_PATH ?? '/usr/bin/redis-server';
export const REDIS_CLI = process.env.REDIS_CLI_PATH ?? '/usr/bin/redis-cli';

/** Both binaries answer `--version`. */
export function redisAvailable(): boolean {
  return [REDIS_SERVER, REDIS_CLI].every((bin) => spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0);
}

/** One key as `redis-cli` sees it: its type, its value read by the command for that type, its TTL. */
export interface RedisEntry {
  key: string;
  type: string;
  /** GET for strings; HGETALL, SMEMBERS, ZRANGE WITHSCORES, LRANGE, XRANGE output lines for the others. */
  value: string | string[];
  /** PTTL: milliseconds left, -1 without expiry. */
  pttlMs: number;
}

export interface RedisServer {
  port: number;
  /** `redis://127.0.0.1:PORT` */
  url: string;
  /** Runs one command through redis-cli (fails on a Redis error reply); stdout without the final newline. */
  cli(...args: string[]): Promise<string>;
  /** Every key with its type, value and TTL (SCAN, so it never blocks the server). */
  dump(): Promise<RedisEntry[]>;
  keys(): Promise<string[]>;
  flushAll(): Promise<void>;
  /** SIGSTOP: the server keeps its sockets open and answers nothing (a hung Redis). */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  /** SIGKILL, resolved once the process is gone; the data is lost (no persistence). */
  kill(): Promise<void>;
  /** Starts a fresh, empty server on the same port after `kill()`. */
  restart(): Promise<void>;
  /** Stops the server (resuming it first if paused) and removes its directory. */
  stop(): Promise<void>;
}

/**
 * Starts Debian's `redis-server` on a free 127.0.0.1 port: no config file,
 * persistence off (`--save ""`, `--appendonly no`), its own temp directory,
 * resolved once PING answers.
 */
export async function startRedisServer(timeoutMs = 10_000): Promise<RedisServer> {
  if (!redisAvailable()) {
    throw new Error(`redis-server not found at ${REDIS_SERVER}; run .ci/run or apt-get install redis-server`);
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sss-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  let output = '';
  let paused = false;

  const cli = async (...args: string[]) => {
    // -e: a Redis error reply exits non-zero; the timeout guards against a paused server.
    const { stdout } = await run(REDIS_CLI, ['-h', '127.0.0.1', '-p', String(port), '-e', ...args], { timeout: 5000 });
    return stdout.replace(/\n$/, '');
  };

  const launch = async () => {
    output = '';
    const proc = spawn(
      REDIS_SERVER,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', ''],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    proc.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}:\n${output}`);
      try {
        if ((await cli('PING')) === 'PONG') return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`redis-server did not answer PING within ${timeoutMs} ms:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const kill = async () => {
    const proc = child;
    child = undefined;
    paused = false;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await exited;
  };

  const keys = async () => {
    const out = await cli('--scan');
    return out === '' ? [] : [...new Set(out.split('\n'))].sort();
  };

  const valueOf = async (key: string, type: string): Promise<string | string[]> => {
    const lines = (out: string) => (out === '' ? [] : out.split('\n'));
    switch (type) {
      case 'string':
        return cli('GET', key);
      case 'hash':
        return lines(await cli('HGETALL', key));
      case 'set':
        return lines(await cli('SMEMBERS', key));
      case 'zset':
        return lines(await cli('ZRANGE', key, '0', '-1', 'WITHSCORES'));
      case 'list':
        return lines(await cli('LRANGE', key, '0', '-1'));
      case 'stream':
        return lines(await cli('XRANGE', key, '-', '+'));
      default:
        return [];
    }
  };

  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    cli,
    keys,
    async dump() {
      const entries: RedisEntry[] = [];
      for (const key of await keys()) {
        const type = await cli('TYPE', key);
        if (type === 'none') continue; // expired between SCAN and TYPE
        entries.push({ key, type, value: await valueOf(key, type), pttlMs: Number(await cli('PTTL', key)) });
      }
      return entries;
    },
    async flushAll() {
      await cli('FLUSHALL');
    },
    pause() {
      if (!child) throw new Error('redis-server is not running');
      child.kill('SIGSTOP');
      paused = true;
    },
    resume() {
      if (!child) throw new Error('redis-server is not running');
      child.kill('SIGCONT');
      paused = false;
    },
    kill,
    async restart() {
      await kill();
      await launch();
    },
    async stop() {
      if (paused) child?.kill('SIGCONT');
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
