import { defineConfig } from 'vitest/config';

// `npm run test:packaging`: packs the runtime and the sample plugin and installs them like a user
// would (npm pack + npm install into a temp dir). Slow (a build and an install), so not in `npm test`.
export default defineConfig({
  test: {
    include: ['tests/packaging/**/*.packaging.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 900_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});
