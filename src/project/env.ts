import { readFile } from 'node:fs/promises';
import path from 'node:path';

import type { Config } from '../config/schema.js';
import { writeAtomic } from '../fs/write.js';

export interface EnvVariable {
  name: string;
  /** What goes in .env.example: a placeholder or a development value, never a secret. */
  example: string;
  /** One line: what it is, where to get it. */
  comment: string;
}

/** Every environment variable the generated code for `config` reads, in the order a person fills them in. */
export function envVariables(config: Config, keygen: string): EnvVariable[] {
  const { scalekit, routes, encryption, cookies } = config;
  const vars: EnvVariable[] = [
    { name: scalekit.envUrlVar, example: 'https://your-environment.scalekit.dev', comment: 'Your Scalekit environment URL, from the Scalekit dashboard (API credentials).' },
    { name: scalekit.clientIdVar, example: '', comment: 'The client ID from the same page.' },
    { name: scalekit.clientSecretVar, example: '', comment: 'The client secret from the same page: keep it out of version control.' },
    { name: scalekit.appUrlVar, example: 'http://localhost:3000', comment: `This app's public origin; Scalekit redirects to it + ${routes.callback}.` },
  ];
  if (encryption.keySource.type === 'env') {
    vars.push({ name: encryption.keySource.name, example: '', comment: `Cookie encryption keyring, newest first: \`${keygen}\` prints an entry.` });
  }
  if (config.store.type === 'redis') {
    vars.push({ name: config.store.urlVar, example: 'redis://127.0.0.1:6379', comment: 'The Redis (or Valkey) holding the sessions; rediss://… for TLS.' });
  }
  if (cookies.secure === 'production') {
    vars.push({ name: 'NODE_ENV', example: 'development', comment: '"production" makes cookies Secure (cookies.secure is "production").' });
  }
  return vars;
}

export const ENV_EXAMPLE = '.env.example';

/**
 * Writes `.env.example`, or appends the variables it lacks: a line already
 * there (set, empty or commented out) is never touched.
 * Returns the names added.
 */
export async function writeEnvExample(root: string, vars: EnvVariable[], outDir: string): Promise<string[]> {
  const file = path.join(root, ENV_EXAMPLE);
  const current = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  const present = (name: string) => new RegExp(`^\\s*#?\\s*(?:export\\s+)?${name}\\s*=`, 'm').test(current ?? '');
  const missing = vars.filter((v) => !present(v.name));
  if (missing.length === 0) return [];
  const block = [
    `# Read by the session code in ${outDir} (scalekit-session-scaffold). Copy to .env and fill in;`,
    '# load it with `node --env-file=.env` (Node 20.6+) or your usual loader. Never commit .env.',
    ...missing.flatMap((v) => [`# ${v.comment}`, `${v.name}=${v.example}`]),
  ].join('\n');
  const separator = current === undefined || current === '' ? '' : current.endsWith('\n') ? '\n' : '\n\n';
  await writeAtomic(file, `${current ?? ''}${separator}${block}\n`);
  return missing.map((v) => v.name);
}
