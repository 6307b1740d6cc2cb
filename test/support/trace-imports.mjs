// Loaded with `node --import ./test/support/trace-imports.mjs`: writes `imported <specifier>` to stderr
// the first time a watched package is resolved (static or dynamic import), so a test can see from
// outside the process when, and whether, a module is loaded. TRACE_IMPORTS: comma-separated specifiers.
import { register } from 'node:module';

register(
  `data:text/javascript,${encodeURIComponent(`
import { writeSync } from 'node:fs';
const watched = new Set((process.env.TRACE_IMPORTS ?? '').split(',').filter(Boolean));
const seen = new Set();
export async function resolve(specifier, context, next) {
  if (watched.has(specifier) && !seen.has(specifier)) {
    seen.add(specifier);
    writeSync(2, 'imported ' + specifier + '\\n');
  }
  return next(specifier, context);
}
`)}`,
);
