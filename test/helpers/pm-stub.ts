import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface StubCall {
  tool: string;
  argv: string[];
  cwd: string;
}

export interface PackageManagerStub {
  /** Put first on PATH. */
  bin: string;
  /** The env a child needs: PATH with the stub first, and where to record. */
  env: NodeJS.ProcessEnv;
  calls(): Promise<StubCall[]>;
}

/**
 * Recording stand-ins for npm, pnpm, yarn and bun: each appends its argv and
 * cwd to a log and exits 0, so a test sees exactly what the tool would run,
 * where, without installing anything.
 */
export async function packageManagerStub(): Promise<PackageManagerStub> {
  const bin = await mkdtemp(path.join(os.tmpdir(), 'sss-pm-stub-'));
  const log = path.join(bin, 'calls.jsonl');
  await writeFile(log, '');
  for (const tool of ['npm', 'pnpm', 'yarn', 'bun']) {
    const file = path.join(bin, tool);
    await writeFile(
      file,
      `#!${process.execPath}\n` +
        `require('node:fs').appendFileSync(${JSON.stringify(log)}, JSON.stringify({ tool: ${JSON.stringify(tool)}, argv: process.argv.slice(2), cwd: process.cwd() }) + '\\n');\n`,
    );
    await chmod(file, 0o755);
  }
  return {
    bin,
    env: { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` },
    calls: async () =>
      (await readFile(log, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as StubCall),
  };
}
