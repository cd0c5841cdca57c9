#!/usr/bin/env node
import { processContext } from '../dist/context.js';
import { main } from '../dist/main.js';

// Ctrl-C aborts the running command (the emulator and demo stop cleanly); a
// second Ctrl-C, for a command that does not stop, ends the process.
const controller = new AbortController();
process.once('SIGINT', () => {
  controller.abort();
  process.once('SIGINT', () => process.exit(130));
});
process.exitCode = await main(process.argv.slice(2), processContext(controller.signal));
