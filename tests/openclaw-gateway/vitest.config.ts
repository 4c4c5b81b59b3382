/**
 * `npm run test:openclaw`: the real-gateway suite only (not part of `npm test`, whose config
 * includes `*.test.ts` files; the scenarios live in `*.e2e.ts`). One file, one world, scenarios in
 * order; long bounds because a real gateway needs 10–90 s to start on a loaded 2-core machine.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['tests/openclaw-gateway/**/*.e2e.ts'],
    environment: 'node',
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 600_000,
    // Installing the gateway (cold: about a minute) and starting the world.
    hookTimeout: 600_000,
    reporters: ['default', './tests/support/summary-reporter.ts'],
  },
});
