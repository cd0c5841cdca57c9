/**
 * How `main` turns what a command throws into output and an exit code. A bug
 * cannot be caused on purpose through the real bin, so the command runner is
 * replaced here with one that throws each kind of error.
 */
import { describe, expect, it, vi } from 'vitest';

import type { Context } from '../../src/context.js';
import { CliError, ExitCode } from '../../src/errors.js';

const thrown: { error: unknown } = { error: undefined };
vi.mock('../../src/cli.js', () => ({
  runCli: async () => {
    throw thrown.error;
  },
}));
const { main } = await import('../../src/main.js');

async function run(error: unknown, argv: string[] = []) {
  thrown.error = error;
  let stderr = '';
  const ctx: Context = {
    cwd: '/',
    env: {},
    stdout: () => {},
    stderr: (text) => (stderr += `${text}\n`),
    interactive: false,
    signal: new AbortController().signal,
  };
  return { code: await main(argv, ctx), stderr };
}

describe('main', () => {
  it('a bug: one line, a hint to re-run with --debug, no stack', async () => {
    const { code, stderr } = await run(new TypeError("Cannot read properties of undefined (reading 'x')\nmore"));
    expect(code).toBe(ExitCode.error);
    expect(stderr.split('\n')[0]).toBe("internal error: Cannot read properties of undefined (reading 'x')");
    expect(stderr).toContain('Re-run with --debug');
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it('a bug with --debug: the stack too', async () => {
    const { stderr } = await run(new TypeError('boom'), ['--debug']);
    expect(stderr).toMatch(/^\s+at /m);
    expect(stderr).not.toContain('Re-run with --debug');
  });

  it("a system error (the user's environment) is an error, not an internal one", async () => {
    const error = Object.assign(new Error("EACCES: permission denied, open '/x'"), { code: 'EACCES', syscall: 'open' });
    const { code, stderr } = await run(error);
    expect(code).toBe(ExitCode.error);
    expect(stderr).toBe("error: EACCES: permission denied, open '/x'\n");
  });

  it('an abort (Ctrl-C) exits 130 with one line', async () => {
    const { code, stderr } = await run(new DOMException('This operation was aborted', 'AbortError'));
    expect(code).toBe(130);
    expect(stderr).toBe('error: Interrupted.\n');
  });

  it('a CliError keeps its code, details and suggestion; --json makes it one JSON line', async () => {
    const error = new CliError('bad', { exitCode: ExitCode.drift, details: ['a', 'b'], suggestion: 'do x' });
    expect((await run(error)).stderr).toBe('error: bad\n  a\n  b\ndo x\n');
    const json = await run(error, ['--json']);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stderr)).toEqual({ error: { message: 'bad', exitCode: 3, details: ['a', 'b'], suggestion: 'do x' } });
  });
});
