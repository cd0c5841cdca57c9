// Regenerates config.schema.json from the zod schema (run `npm run schema`).
import { writeFileSync } from 'node:fs';

import { configJsonSchema } from '../dist/config/json-schema.js';

writeFileSync(new URL('../config.schema.json', import.meta.url), configJsonSchema());
console.log('wrote config.schema.json');
