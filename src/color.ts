/**
 * Colour for people, none for machines: a stream gets ANSI colour only when it
 * is a terminal and `NO_COLOR` is unset or empty (https://no-color.org);
 * `FORCE_COLOR` (non-empty, not "0") turns it on for a pipe. Hand-rolled: five
 * codes are not worth a dependency on the start-up path.
 */
export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

const CODES = { red: 31, green: 32, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const;
export type ColorName = keyof typeof CODES;

export function paint(color: ColorName, text: string): string {
  return `\u001b[${CODES[color]}m${text}\u001b[${color === 'dim' || color === 'bold' ? 22 : 39}m`;
}

/** What each plan action (generate, check) is painted with. */
const ACTION_COLORS: Record<string, ColorName> = {
  create: 'green',
  update: 'cyan',
  merge: 'yellow',
  conflict: 'red',
  delete: 'red',
  keep: 'dim',
  unchanged: 'dim',
  orphan: 'yellow',
  missing: 'yellow',
};

const STATUS_LINE = /^(\[dry-run\] )?(create|update|merge|conflict|delete|keep|unchanged|orphan|missing)(\s)/;
const LABEL_LINE = /^(error|warning|internal error):/;
const CHECK_LINE = /^([✓✗!]) /;

/**
 * Paints one line of output on its way to a terminal. Commands write plain
 * text (the same text a pipe or a test sees); the statuses they print at the
 * start of a line, `create …`, `error: …`, `✓ …`, get their colour here.
 */
export function paintLine(line: string): string {
  const status = STATUS_LINE.exec(line);
  if (status) {
    const [, prefix = '', action = '', space = ''] = status;
    return `${prefix}${paint(ACTION_COLORS[action] ?? 'dim', action)}${space}${line.slice(status[0].length)}`;
  }
  const label = LABEL_LINE.exec(line);
  if (label) {
    const name = label[1] as string;
    return `${paint(name === 'warning' ? 'yellow' : 'red', paint('bold', `${name}:`))}${line.slice(label[0].length)}`;
  }
  const mark = CHECK_LINE.exec(line);
  if (mark) {
    const symbol = mark[1] as string;
    return `${paint(symbol === '✓' ? 'green' : symbol === '✗' ? 'red' : 'yellow', symbol)}${line.slice(1)}`;
  }
  return line;
}
