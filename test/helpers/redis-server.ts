import { describe } from 'vitest';

import { REDIS_SERVER, redisAvailable } from './redis-process.js';

export * from './redis-process.js';

const available = redisAvailable();
if (!available && !process.env.CI) {
  console.warn(
    `skipping the Redis store tests: no redis-server/redis-cli at ${REDIS_SERVER} (apt-get install redis-server, or set REDIS_SERVER_PATH and REDIS_CLI_PATH)`,
  );
}

/**
 * `describe` for suites that need a real Redis: skipped (with the one line
 * above) when `redis-server` is missing, except under CI, where it is required
 * and the suite fails.
 */
export const describeRedis = available || process.env.CI ? describe : describe.skip;

