import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { CliError } from '../errors.js';
import { formatIssue } from './issues.js';
import { crossFieldIssues } from './rules.js';
import { configSchema, type Config } from './schema.js';

export const CONFIG_FILE = 'scalekit-session.config.json';

type Path = PropertyKey[];

// Cross-field rules run even when single fields failed, so one run reports
// everything; zod skips checks after an issue unless `when` says otherwise.
const crossFieldCheck = z.check<Config>((payload) => {
  const failed = payload.issues.filter((issue) => issue.code !== 'unrecognized_keys').map((issue) => issue.path ?? []);
  const isValid = (path: Path) => !failed.some((bad) => isPrefix(bad, path) || isPrefix(path, bad));
  for (const issue of crossFieldIssues(payload.value, isValid)) {
    payload.issues.push({
      code: 'custom',
      path: issue.path,
      message: issue.message,
      params: { allowed: issue.allowed, got: issue.got },
      input: issue.got,
    });
  }
});
crossFieldCheck._zod.def.when = () => true;

const fullSchema = configSchema.check(crossFieldCheck);

export type ValidationResult = { ok: true; config: Config } | { ok: false; problems: string[] };

/** Validates parsed JSON; every problem comes back at once, one line each. */
export function validateConfig(input: unknown): ValidationResult {
  const result = fullSchema.safeParse(input);
  if (result.success) return { ok: true, config: result.data };
  const problems = result.error.issues.flatMap((issue) => formatIssue(issue, input, knownKeys));
  return { ok: false, problems: [...new Set(problems)] };
}

export interface LoadedConfig {
  config: Config;
  /** Absolute path of the config file. */
  file: string;
  /** The project root: the folder holding the config file. */
  root: string;
}

/** Reads and validates the config; throws a `CliError` listing every problem. */
export async function loadConfig(cwd: string, configPath?: string): Promise<LoadedConfig> {
  const file = configPath === undefined ? await findConfig(cwd) : path.resolve(cwd, configPath);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CliError(`No config file at ${file}.`, {
        suggestion: 'Run `npx scalekit-session-scaffold init` to create one, or pass --config FILE.',
      });
    }
    throw new CliError(`Cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${path.basename(file)} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const result = validateConfig(input);
  if (!result.ok) {
    const count = result.problems.length;
    throw new CliError(`${path.basename(file)} has ${count} problem${count === 1 ? '' : 's'}; nothing was written.`, {
      details: result.problems,
      suggestion: 'Fix each line above; the schema is in config.schema.json for editor completion.',
    });
  }
  return { config: result.config, file, root: path.dirname(file) };
}

/**
 * The config of the project `cwd` is in: the nearest one at or above `cwd`,
 * looking no higher than the nearest package.json (the project root), so
 * running from `src/` works. Not found: where it would be, for the error.
 */
async function findConfig(cwd: string): Promise<string> {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, CONFIG_FILE);
    if (await exists(candidate)) return candidate;
    if ((await exists(path.join(dir, 'package.json'))) || path.dirname(dir) === dir) return path.resolve(cwd, CONFIG_FILE);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

function isPrefix(prefix: Path, path: Path): boolean {
  return prefix.length <= path.length && prefix.every((key, i) => key === path[i]);
}

/** The settings an object in the schema accepts, for "unknown setting" messages. */
function knownKeys(path: Path): string[] {
  let schema: z.core.$ZodType = configSchema;
  for (const key of path) {
    schema = unwrap(schema);
    const shape = (schema._zod.def as { shape?: Record<string, z.core.$ZodType> }).shape;
    const next = shape?.[String(key)];
    if (!next) return [];
    schema = next;
  }
  schema = unwrap(schema);
  const def = schema._zod.def as { shape?: Record<string, unknown>; options?: z.core.$ZodType[] };
  if (def.shape) return Object.keys(def.shape);
  // A discriminated union: the keys of every option.
  return [...new Set((def.options ?? []).flatMap((option) => Object.keys((unwrap(option)._zod.def as { shape?: object }).shape ?? {})))];
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (;;) {
    const inner = (current._zod.def as { innerType?: z.core.$ZodType }).innerType;
    if (!inner) return current;
    current = inner;
  }
}

