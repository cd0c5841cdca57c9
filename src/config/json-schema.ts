import { z } from 'zod';

import { DESCRIPTIONS } from './descriptions.js';
import { configSchema } from './schema.js';

interface Node {
  description?: string;
  properties?: Record<string, Node>;
  anyOf?: Node[];
  oneOf?: Node[];
}

/**
 * `config.schema.json`, derived from the zod schema so the two cannot drift
 * (a test fails when the shipped file is stale). Describes what users write:
 * the input side, where defaulted settings are optional. Every property
 * carries its description from `descriptions.ts`, then the format rule.
 */
export function configJsonSchema(): string {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Node;
  const used = new Set<string>();
  describe(schema, '', used);
  const unused = Object.keys(DESCRIPTIONS).filter((key) => !used.has(key));
  if (unused.length > 0) throw new Error(`descriptions.ts names settings the schema does not have: ${unused.join(', ')}`);
  return `${JSON.stringify({ ...schema, title: 'scalekit-session-scaffold config' }, null, 2)}\n`;
}

function describe(node: Node, at: string, used: Set<string>): void {
  for (const option of node.anyOf ?? node.oneOf ?? []) describe(option, at, used);
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const path = at === '' ? key : `${at}.${key}`;
    const human = DESCRIPTIONS[path];
    if (human !== undefined) {
      used.add(path);
      child.description = child.description === undefined ? human : `${human} (Value ${child.description}.)`;
    }
    describe(child, path, used);
  }
}
