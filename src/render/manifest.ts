import type { Config } from '../config/schema.js';

/** A template and the file it becomes, relative to `outDir`. */
export interface TemplateEntry {
  template: string;
  output: string;
}

// The framework-free core: every framework's output shares these files.
const SHARED = ['policy', 'keys', 'crypto', 'cookies', 'scalekit', 'refresh', 'session', 'flows', 'client'];

// The thin layer that translates the core's requests and replies.
const ADAPTERS: Record<Config['framework'], string[]> = {
  express: ['adapter', 'middleware', 'routes', 'index'],
  fastify: ['adapter', 'middleware', 'routes', 'index'],
  koa: ['adapter', 'middleware', 'routes', 'index'],
};

/** Frameworks whose templates exist in this version. */
export const SUPPORTED_FRAMEWORKS: readonly Config['framework'][] = ['express', 'fastify', 'koa'];

export function templatesFor(config: Config): TemplateEntry[] {
  const ext = config.language;
  return [
    ...SHARED.map((name) => ({ template: `_shared/${name}.${ext}.hbs`, output: `${name}.${ext}` })),
    ...ADAPTERS[config.framework].map((name) => ({
      template: `${config.framework}/${name}.${ext}.hbs`,
      output: `${name}.${ext}`,
    })),
  ];
}
