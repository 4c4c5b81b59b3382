import { defineConfig } from 'vitest/config';

// `npm run test:containers`: real images and Compose stacks, one file at a time.
export default defineConfig({
  test: {
    include: ['tests/containers/**/*.container-test.ts'],
    environment: 'node',
    testTimeout: 900_000,
    hookTimeout: 2_000_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
});
