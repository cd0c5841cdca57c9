import { createInterface } from 'node:readline/promises';

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
  /** Asks a person to pick one of `choices`; present only when `interactive`. */
  prompt?: Prompt;
}

export type Prompt = (question: string, choices: readonly string[], defaultChoice: string) => Promise<string>;

/** A numbered-choice prompt on the terminal; Enter takes the default. */
function terminalPrompt(signal: AbortSignal): Prompt {
  return async (question, choices, defaultChoice) => {
    const readline = createInterface({ input: process.stdin, output: process.stderr });
    try {
      for (;;) {
        const listed = choices.map((choice, i) => `${i + 1}) ${choice}${choice === defaultChoice ? ' (default)' : ''}`).join('  ');
        const answer = (await readline.question(`${question}  ${listed}: `, { signal })).trim();
        if (answer === '') return defaultChoice;
        const picked = choices[Number(answer) - 1] ?? choices.find((choice) => choice === answer);
        if (picked !== undefined) return picked;
      }
    } finally {
      readline.close();
    }
  };
}

export function processContext(signal: AbortSignal): Context {
  return {
    cwd: process.cwd(),
    env: process.env,
    stdout: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    stderr: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    interactive: Boolean(process.stdin.isTTY),
    signal,
    ...(process.stdin.isTTY && { prompt: terminalPrompt(signal) }),
  };
}
