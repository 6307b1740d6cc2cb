/**
 * `npm run schema:print` writes schema.graphql, the client-facing schema (without federation
 * internals), for frontends' tooling. `npm run schema:check` (in .ci/run) fails when it is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { printClientSchema } from '../src/graph/client-schema.js';

const target = new URL('../schema.graphql', import.meta.url);
const printed = printClientSchema();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // Missing counts as stale.
  }
  if (current !== printed) {
    console.error('schema.graphql is stale: run `npm run schema:print` and commit it.');
    process.exit(1);
  }
  console.log('schema.graphql is current.');
} else {
  writeFileSync(target, printed);
  console.log('wrote schema.graphql');
}
