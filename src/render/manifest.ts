import type { Config } from '../config/schema.js';

/** A template and the file it becomes, relative to `outDir`. */
export interface TemplateEntry {
  template: string;
  output: string;
}

// The framework-free core: every framework's output shares these files.
// `store` is where tokens live; only the configured store's files are written.
const SHARED = ['policy', 'keys', 'crypto', 'cookies', 'scalekit', 'session', 'flows', 'client'];
const STORE_FILES: Record<Config['store']['type'], TemplateEntry[]> = {
  cookie: [
    { template: '_shared/refresh.ts.hbs', output: 'refresh' },
    { template: '_shared/store-cookie.ts.hbs', output: 'store' },
  ],
  redis: [
    { template: '_shared/redis.ts.hbs', output: 'redis' },
    { template: '_shared/store-redis.ts.hbs', output: 'store' },
  ],
};

// The thin layer that translates the core's requests and replies.
const ADAPTERS: Record<Config['framework'], string[]> = {
  express: ['adapter', 'middleware', 'routes', 'index'],
  fastify: ['adapter', 'middleware', 'routes', 'index'],
  koa: ['adapter', 'middleware', 'routes', 'index'],
};

/** Frameworks whose templates exist in this version. */
export const SUPPORTED_FRAMEWORKS: readonly Config['framework'][] = ['express', 'fastify', 'koa'];

/**
 * Every output file comes from a TypeScript template; JavaScript output is
 * that TypeScript transformed (see to-js.ts), so there is one source of truth.
 * `ext` is the output's extension (`.ts`, `.js`, `.mjs` or `.cjs`).
 */
export function templatesFor(config: Config, ext: string = outputExtension(config, undefined)): TemplateEntry[] {
  return [
    ...SHARED.map((name) => ({ template: `_shared/${name}.ts.hbs`, output: `${name}${ext}` })),
    ...STORE_FILES[config.store.type].map((entry) => ({ template: entry.template, output: `${entry.output}${ext}` })),
    ...ADAPTERS[config.framework].map((name) => ({
      template: `${config.framework}/${name}.ts.hbs`,
      output: `${name}${ext}`,
    })),
  ];
}

/**
 * The extension JavaScript output needs for Node to load it in the module
 * format the config asks for, given the `"type"` of the nearest package.json:
 * `.js` where the package's type already means that format, else `.mjs`/`.cjs`.
 * TypeScript output is always `.ts` (the user's compiler decides the format).
 */
export function outputExtension(config: Config, packageType: string | undefined): string {
  if (config.language === 'ts') return '.ts';
  const packageIsModule = packageType === 'module';
  if (config.moduleFormat === 'esm') return packageIsModule ? '.js' : '.mjs';
  return packageIsModule ? '.cjs' : '.js';
}

/** Ambient types (declaration merging) that JavaScript output keeps beside the code. */
export const AMBIENT_FILE = 'types.d.ts';
