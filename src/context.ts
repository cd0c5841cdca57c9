/**
 * Everything a command touches outside its arguments. Tests pass their own,
 * so steps run in-process without spawning the CLI.
 */
export interface Context {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stdin is a terminal a person can answer prompts on. */
  interactive: boolean;
  /** Aborted on Ctrl-C; long-running commands stop cleanly. */
  signal: AbortSignal;
}

export function processContext(signal: AbortSignal): Context {
  return {
    cwd: process.cwd(),
    env: process.env,
    stdout: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    stderr: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    interactive: Boolean(process.stdin.isTTY),
    signal,
  };
}
