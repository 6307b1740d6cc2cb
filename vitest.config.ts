import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (`main`) and ESM (`module`) without an `exports` map. Vite would give our
    // sources the ESM copy while yoga and graphql-tools, loaded by Node, get the CJS one: two
    // GraphQLError classes, so every JobError would fail yoga's instanceof check and be masked as
    // INTERNAL_SERVER_ERROR in tests only. Node itself resolves `main`; make the tests do the same.
    alias: [{ find: /^graphql$/, replacement: fileURLToPath(new URL('./node_modules/graphql/index.js', import.meta.url)) }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Servers under test bind real loopback ports; keep files parallel but give slow fault tests room.
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
  },
});
