import { defineConfig } from 'vitest/config';

/** npm run test:reliability (RELIABILITY_SHORT=1 for CI's short form): one file at a time, they share the machine's services. */
export default defineConfig({
  test: {
    include: ['reliability/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 60_000,
    reporters: ['default', ['json', { outputFile: '.vitest-reliability.json' }]],
  },
});
