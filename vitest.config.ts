import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The fault suite has its own command (npm run test:faults, run by .ci/run after npm test).
    exclude: [...configDefaults.exclude, 'test/faults/**'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start servers on random ports; files run in parallel workers.
    pool: 'forks',
    setupFiles: ['test/setup/node20-polyfills.ts'],
    reporters: ['default'],
  },
});
