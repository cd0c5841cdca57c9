/**
 * `npm run mutation [-- <name-filter>...]`: applies each curated mutant (one
 * named, minimal change that drops a security rule), runs the tests listed for
 * it without the snapshot tests, restores the file, and prints which test
 * killed it. Exit 1 when any mutant survives. Not part of `npm test` (slow).
 *
 * When a change adds a security rule, add its mutant here, with the narrowest
 * test list that kills it. Mutants of src/ are built into dist/ when one of
 * their tests spawns the CLI (test/cli, test/regen, test/e2e, test/oidc), and
 * dist/ is rebuilt clean afterwards.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { MUTANTS, type Mutant } from './mutants.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SNAPSHOT_TESTS = 'test/generator/snapshots.test.ts';
const SPAWNS_BIN = /^test\/(cli|regen|e2e|oidc)\//;

const filters = process.argv.slice(2);
const selected = MUTANTS.filter((m) => filters.length === 0 || filters.some((f) => m.name.includes(f)));

// Every find string must occur exactly once before anything is changed.
const problems: string[] = [];
const names = new Set<string>();
for (const mutant of MUTANTS) {
  if (names.has(mutant.name)) problems.push(`${mutant.name}: duplicate name`);
  names.add(mutant.name);
  const text = readFileSync(path.join(ROOT, mutant.file), 'utf8');
  for (const { find } of edits(mutant)) {
    const count = text.split(find).length - 1;
    if (count !== 1) problems.push(`${mutant.name}: find string occurs ${count} times in ${mutant.file}`);
  }
  if (mutant.tests.some((t) => t.includes('snapshots'))) problems.push(`${mutant.name}: lists the snapshot tests`);
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(2);
}
if (selected.length === 0) {
  console.error(`no mutant matches ${filters.join(', ')}`);
  process.exit(2);
}

function edits(mutant: Mutant): { find: string; replace: string }[] {
  return mutant.edits ?? [{ find: mutant.find!, replace: mutant.replace! }];
}

let restoreFile: (() => void) | undefined;
let distDirty = false;

function build(): void {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
}

function cleanUp(): void {
  restoreFile?.();
  restoreFile = undefined;
  if (distDirty) {
    console.error('rebuilding dist/ without the mutant…');
    build();
    distDirty = false;
  }
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    cleanUp();
    process.exit(130);
  });
}
process.on('uncaughtException', (error) => {
  cleanUp();
  console.error(error);
  process.exit(2);
});

interface Outcome {
  name: string;
  killedBy: string | undefined;
  seconds: number;
}

function run(mutant: Mutant): Outcome {
  const started = Date.now();
  const file = path.join(ROOT, mutant.file);
  const original = readFileSync(file, 'utf8');
  let mutated = original;
  for (const { find, replace } of edits(mutant)) mutated = mutated.replace(find, () => replace);
  restoreFile = () => writeFileSync(file, original);
  const report = path.join(tmpdir(), `mutation-${process.pid}.json`);
  try {
    writeFileSync(file, mutated);
    const needsBuild = mutant.file.startsWith('src/') && mutant.tests.some((t) => SPAWNS_BIN.test(t));
    if (needsBuild) {
      distDirty = true;
      build();
    } else if (distDirty) {
      cleanUp();
      writeFileSync(file, mutated);
      restoreFile = () => writeFileSync(file, original);
    }
    const args = ['vitest', 'run', ...mutant.tests, '--exclude', SNAPSHOT_TESTS, '--reporter=json', `--outputFile=${report}`, '--bail=1'];
    if (mutant.grep) args.push('-t', mutant.grep);
    const result = spawnSync('npx', args, { cwd: ROOT, encoding: 'utf8' });
    return { name: mutant.name, killedBy: result.status === 0 ? undefined : firstFailure(report, result.stderr), seconds: (Date.now() - started) / 1000 };
  } finally {
    restoreFile?.();
    restoreFile = undefined;
    rmSync(report, { force: true });
  }
}

function firstFailure(report: string, stderr: string): string {
  try {
    const json = JSON.parse(readFileSync(report, 'utf8')) as {
      numTotalTests: number;
      testResults: { name: string; message?: string; assertionResults: { status: string; fullName: string }[] }[];
    };
    for (const file of json.testResults) {
      const failed = file.assertionResults.find((a) => a.status === 'failed');
      if (failed) return `${path.relative(ROOT, file.name)} > ${failed.fullName}`;
    }
    for (const file of json.testResults) if (file.message) return `${path.relative(ROOT, file.name)}: suite error: ${file.message.split('\n')[0]}`;
    if (json.numTotalTests === 0) return 'ERROR: no test ran (check the test list)';
  } catch {
    // No report: vitest itself failed to start.
  }
  return `vitest failed: ${stderr.trim().split('\n').at(-1) ?? ''}`;
}

const outcomes: Outcome[] = [];
try {
  for (const mutant of selected) {
    process.stderr.write(`mutant ${mutant.name}… `);
    const outcome = run(mutant);
    process.stderr.write(`${outcome.killedBy === undefined ? 'SURVIVED' : 'killed'} (${outcome.seconds.toFixed(0)} s)\n`);
    outcomes.push(outcome);
  }
} finally {
  cleanUp();
}

// A mutant "killed" only because no test ran is a broken entry, not a kill.
const survivors = outcomes.filter((o) => o.killedBy === undefined || o.killedBy.startsWith('ERROR:'));
const width = Math.max(...outcomes.map((o) => o.name.length), 6);
console.log(`\n${'mutant'.padEnd(width)} | killed by`);
console.log(`${'-'.repeat(width)}-+-${'-'.repeat(40)}`);
for (const o of outcomes) console.log(`${o.name.padEnd(width)} | ${o.killedBy ?? 'SURVIVED'}`);
console.log(`\n${outcomes.length - survivors.length} of ${outcomes.length} mutants killed, ${survivors.length} survived.`);
process.exit(survivors.length > 0 ? 1 : 0);
