import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { alias: { $contract: path.resolve(import.meta.dirname, 'server/src/contract') } },
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/global-setup.ts'],
    environment: 'node',
    pool: 'forks',
    // Each embedded database is a ~1 GB WebAssembly Postgres; two workers fit the 2-core machines.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 240_000,
    // A browser refetching a region's data on the shared 2-core machine can take more than the 1 s default.
    expect: { poll: { timeout: 10_000 } },
  },
});
