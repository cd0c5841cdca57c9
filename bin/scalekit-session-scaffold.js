#!/usr/bin/env node
import { processContext } from '../dist/context.js';
import { main } from '../dist/main.js';

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
process.exitCode = await main(process.argv.slice(2), processContext(controller.signal));
