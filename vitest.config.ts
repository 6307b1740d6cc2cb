import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Servers under test bind real loopback ports; keep files parallel but give slow fault tests room.
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
  },
});
