import type { Interface } from 'node:readline';

import { colorEnabled, paintLine } from './color.js';
import { InterruptedError } from './errors.js';

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

/**
 * A numbered-choice prompt on the terminal; Enter takes the default.
 *
 * One readline interface serves every question, and lines that arrive before
 * their question is asked wait in a queue: answers typed (or pasted) ahead
 * are not lost between questions. Ctrl-C or Ctrl-D while a question waits
 * rejects with `InterruptedError` (exit 130); the caller has written nothing
 * yet, because `init` asks everything before it writes.
 */
function terminalPrompt(signal: AbortSignal): Prompt {
  let readline: Interface | undefined;
  const lines: string[] = [];
  let ended = false;
  let waiting: { resolve: (line: string) => void; reject: (error: Error) => void } | undefined;

  const open = async (): Promise<Interface> => {
    if (readline) return readline;
    const { createInterface } = await import('node:readline');
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    rl.on('line', (line) => {
      if (waiting) {
        const { resolve } = waiting;
        waiting = undefined;
        resolve(line);
      } else lines.push(line);
    });
    const stop = () => {
      if (readline !== rl) return; // Closed by us between questions.
      readline = undefined;
      ended = true;
      waiting?.reject(new InterruptedError('Interrupted; nothing was written.'));
      waiting = undefined;
      rl.close();
    };
    rl.on('SIGINT', stop); // Ctrl-C: the terminal is raw, so it arrives here, not as a process signal.
    rl.on('close', stop); // Ctrl-D on an empty line, or stdin ended.
    signal.addEventListener('abort', stop, { once: true }); // SIGINT from outside the terminal (kill -INT).
    rl.once('close', () => signal.removeEventListener('abort', stop));
    readline = rl;
    return rl;
  };

  const nextLine = (): Promise<string> => {
    const queued = lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (ended) return Promise.reject(new InterruptedError('Interrupted; nothing was written.'));
    return new Promise((resolve, reject) => (waiting = { resolve, reject }));
  };

  return async (question, choices, defaultChoice) => {
    try {
      for (;;) {
        const listed = choices.map((choice, i) => `${i + 1}) ${choice}${choice === defaultChoice ? ' (default)' : ''}`).join('  ');
        const rl = await open();
        rl.setPrompt(`${question}  ${listed}: `);
        rl.prompt();
        const answer = (await nextLine()).trim();
        if (answer === '') return defaultChoice;
        const picked = choices[Number(answer) - 1] ?? choices.find((choice) => choice === answer);
        if (picked !== undefined) return picked;
        process.stderr.write(`Answer 1-${choices.length}, a name, or Enter for ${defaultChoice}.\n`);
      }
    } finally {
      // Give the terminal back between questions (the process can exit, a child can read it).
      // Lines already typed ahead stay in `lines`; the next question opens a new interface.
      const rl = readline;
      readline = undefined;
      rl?.close();
    }
  };
}

/** A line writer for a process stream: colour on a terminal, and a closed pipe (`diff | head`) is not an error. */
function streamWriter(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): (text: string) => void {
  let closed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    // The reader went away (`| head`): stop writing; any other stream error is real.
    if (error.code === 'EPIPE') closed = true;
    else throw error;
  });
  const color = colorEnabled(stream, env);
  return (text) => {
    if (closed) return;
    const line = text.endsWith('\n') ? text : `${text}\n`;
    stream.write(color ? line.replace(/^.*$/gm, paintLine) : line);
  };
}

export function processContext(signal: AbortSignal): Context {
  return {
    cwd: process.cwd(),
    env: process.env,
    stdout: streamWriter(process.stdout, process.env),
    stderr: streamWriter(process.stderr, process.env),
    interactive: Boolean(process.stdin.isTTY),
    signal,
    ...(process.stdin.isTTY && { prompt: terminalPrompt(signal) }),
  };
}
