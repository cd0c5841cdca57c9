#!/usr/bin/env node
import { existsSync } from 'node:fs';

// In a clone, dist/ exists once `npm run build` has run (`npm test`, `npm run demo` and
// `npm pack` build first); installs from the registry always ship it.
if (!existsSync(new URL('../dist/main.js', import.meta.url))) {
  process.stderr.write('error: dist/ is missing: this is a source checkout that has not been built.\nRun `npm run build` (npm test and npm run demo build first).\n');
  process.exit(1);
}
const { processContext } = await import('../dist/context.js');
const { main } = await import('../dist/main.js');

// Ctrl-C aborts the running command (the emulator and demo stop cleanly); a
// second Ctrl-C, for a command that does not stop, ends the process.
const controller = new AbortController();
process.once('SIGINT', () => {
  controller.abort();
  process.once('SIGINT', () => process.exit(130));
});
process.exitCode = await main(process.argv.slice(2), processContext(controller.signal));
