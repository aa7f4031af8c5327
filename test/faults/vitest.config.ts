import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The fault suite (`npm run test:faults`): one file whose cases run in order (the last one reads
 * what the others left behind), apart from `npm test` so its crash, flood and memory figures are
 * not disturbed by the other test files running beside it.
 */
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/faults/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
    setupFiles: ['test/setup/node20-polyfills.ts'],
    reporters: ['default'],
  },
});
