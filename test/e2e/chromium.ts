import { existsSync } from 'node:fs';

import { type Browser, chromium } from 'playwright-core';
import { describe } from 'vitest';

/** Debian's Chromium (installed by .ci/run), never a downloaded browser; CHROMIUM_PATH picks another. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const available = existsSync(CHROMIUM);
if (!available && !process.env.CI) {
  console.warn(
    `skipping browser tests: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH to a Chromium/Chrome binary)`,
  );
}

/**
 * `describe` for suites that drive a real browser: skipped (with the one line
 * above) when Chromium is missing, except under CI, where it is required and
 * the suite fails.
 */
export const describeBrowser = available || process.env.CI ? describe : describe.skip;

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}; run .ci/run or apt-get install chromium`);
  // Playwright gives each launch a fresh, empty profile of its own.
  return chromium.launch({
    headless: true,
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}
