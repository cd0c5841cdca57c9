import { z } from 'zod';

import { configSchema } from './schema.js';

/**
 * `config.schema.json`, derived from the zod schema so the two cannot drift
 * (a test fails when the shipped file is stale). Describes what users write:
 * the input side, where defaulted settings are optional.
 */
export function configJsonSchema(): string {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'scalekit-session-scaffold config' }, null, 2)}\n`;
}
