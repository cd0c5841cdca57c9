import { spawnSync } from 'node:child_process';
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

const hasOpenssl = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
if (available && !hasOpenssl && !process.env.CI) {
  console.warn('skipping the HTTPS browser tests: no openssl CLI to make a test certificate (apt-get install openssl)');
}

/** `describeBrowser` for suites that also need a self-signed certificate from the `openssl` CLI. */
export const describeHttpsBrowser = (available && hasOpenssl) || process.env.CI ? describe : describe.skip;

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

/**
 * A page that loads the generated client. Its `fetch` can hold the next
 * `/api/me` response (already answered by the server) until released: the
 * network latency that makes a tab's 401 arrive after another tab refreshed.
 */
export const TAB_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>tab</title>
<script>
  const realFetch = window.fetch.bind(window);
  let hold;
  window.holdNextApiResponse = () => {
    let release;
    hold = new Promise((resolve) => (release = resolve));
    window.releaseApiResponse = release;
  };
  window.fetch = async (input, init) => {
    const response = await realFetch(input, init);
    if (hold && String(input).includes('/api/me')) {
      const held = hold;
      hold = undefined;
      window.apiResponseHeld = true;
      await held;
    }
    return response;
  };
</script>
<script type="module">
  import { sessionFetch } from '/__client.js';
  window.sessionFetch = sessionFetch;
  window.ready = true;
</script>
</head><body>tab</body></html>`;
