/**
 * A small, strict argument parser. The CLI's start-up time is a product
 * requirement (`check` runs in pre-commit hooks), and a general-purpose parser
 * costs more to load than Node itself takes to start, so the CLI declares its
 * flags as data and this file parses them with nothing but string handling.
 *
 * Strict by design: an unknown flag, a value a flag does not take, a missing
 * value or a choice outside the list is a `UsageError` (exit 2) with a
 * "did you mean" when something close exists. Booleans accept `--flag`,
 * `--no-flag` and `--flag=true|false` only, so `--dry-run=yes` is an error
 * rather than a silent "false".
 */
import { UsageError } from './errors.js';

export type OptionType = 'boolean' | 'string' | 'port';

export interface OptionSpec {
  /** Long name, kebab-case (`dry-run`); parsed values use camelCase (`dryRun`). */
  name: string;
  type: OptionType;
  short?: string;
  describe: string;
  choices?: readonly string[];
  /** Shown in help as the value's placeholder. */
  valueName?: string;
  /** Shown in help; booleans default to false unless set here. */
  defaultValue?: string | boolean;
}

export type ParsedValues = Record<string, string | number | boolean | undefined>;

export interface Parsed {
  values: ParsedValues;
  positionals: string[];
}

export function camelCase(name: string): string {
  return name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** Finds the first positional argument, skipping the values of any known value-taking flag. */
export function firstPositional(argv: readonly string[], allOptions: readonly OptionSpec[]): number {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') return i + 1 < argv.length ? i + 1 : -1;
    if (!arg.startsWith('-') || arg === '-') return i;
    if (arg.includes('=')) continue;
    const spec = arg.startsWith('--') ? allOptions.find((o) => o.name === arg.slice(2)) : allOptions.find((o) => o.short === arg.slice(1));
    if (spec && spec.type !== 'boolean') i++;
  }
  return -1;
}

/** Parses `argv` against `options`; `where` names the command in messages. */
export function parseArgs(argv: readonly string[], options: readonly OptionSpec[], where: string): Parsed {
  const values: ParsedValues = {};
  const positionals: string[] = [];
  const set = (spec: OptionSpec, value: string | number | boolean) => {
    values[camelCase(spec.name)] = value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    if (!arg.startsWith('--')) {
      // Short flags: `-q`, `-qy` (booleans grouped), `-p 80`.
      const letters = arg.slice(1);
      for (let j = 0; j < letters.length; j++) {
        const letter = letters[j] as string;
        const spec = options.find((o) => o.short === letter);
        if (!spec) throw unknownOption(`-${letter}`, options, where);
        if (spec.type === 'boolean') {
          set(spec, true);
          continue;
        }
        const rest = letters.slice(j + 1);
        const value = rest !== '' ? rest : argv[++i];
        if (value === undefined) throw new UsageError(`-${letter} needs a value.`, helpHint(where));
        set(spec, convert(spec, value, where));
        break;
      }
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    let spec = options.find((o) => o.name === name);
    let negated = false;
    if (!spec && name.startsWith('no-')) {
      spec = options.find((o) => o.name === name.slice(3) && o.type === 'boolean');
      negated = spec !== undefined;
    }
    if (!spec) throw unknownOption(`--${name}`, options, where);
    if (spec.type === 'boolean') {
      if (inline === undefined) set(spec, !negated);
      else if (!negated && (inline === 'true' || inline === 'false')) set(spec, inline === 'true');
      else {
        throw new UsageError(`--${name} is a switch and takes no value (got "${inline}").`, `Write --${spec.name} or --no-${spec.name}. ${helpHint(where)}`);
      }
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) {
      throw new UsageError(`--${name} needs a value.`, helpHint(where));
    }
    set(spec, convert(spec, value, where));
  }
  return { values, positionals };
}

function convert(spec: OptionSpec, value: string, where: string): string | number {
  if (spec.type === 'port') {
    const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
    if (!(port >= 0 && port <= 65535)) {
      throw new UsageError(`--${spec.name} must be a port number from 0 to 65535 (got "${value}").`, '0 picks a free port.');
    }
    return port;
  }
  if (spec.choices && !spec.choices.includes(value)) {
    const near = closest(value, spec.choices);
    throw new UsageError(
      `--${spec.name} must be one of ${spec.choices.join(', ')} (got "${value}").${near ? ` Did you mean "${near}"?` : ''}`,
      helpHint(where),
    );
  }
  return value;
}

function unknownOption(flag: string, options: readonly OptionSpec[], where: string): UsageError {
  const names = options.flatMap((o) => (o.type === 'boolean' ? [`--${o.name}`, `--no-${o.name}`] : [`--${o.name}`]));
  const near = flag.startsWith('--') ? closest(flag, names) : undefined;
  return new UsageError(`Unknown option ${flag}${where ? ` for ${where}` : ''}.${near ? ` Did you mean ${near}?` : ''}`, helpHint(where));
}

export function helpHint(where: string): string {
  return `Run scalekit-session-scaffold ${where ? `${where} ` : ''}--help.`;
}

/** The candidate within a small edit distance of `word`, if any ("did you mean"). */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return bestDistance <= limit ? best : undefined;
}

/** Damerau–Levenshtein (optimal string alignment): a swapped pair of letters counts as one edit. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}
