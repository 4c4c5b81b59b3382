/**
 * The slow suites, outside `npm test`: `npm run test:chaos` (tests/chaos/*.chaos.ts:
 * real processes and real failure windows) and `npm run test:fuzz` (tests/fuzz/*.fuzz.ts:
 * long property runs and the 10,000-notification soak).
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/chaos/**/*.chaos.ts', 'tests/fuzz/**/*.fuzz.ts'],
    environment: 'node',
    testTimeout: 240_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', './tests/support/summary-reporter.ts'],
  },
});
