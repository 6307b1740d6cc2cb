// Loaded with `node --import ./test/support/trace-imports.mjs`: writes `imported <specifier>` to stderr
// the first time a watched package is resolved (static or dynamic import), so a test can see from
// outside the process when, and whether, a module is loaded. TRACE_IMPORTS: comma-separated specifiers.
// TRACE_IMPORT_PATHS: comma-separated parts of a resolved file URL (`/src/simulator/`): each module whose
// URL contains one is reported once as `imported <url>`, whatever specifier brought it in.
import { register } from 'node:module';

register(
  `data:text/javascript,${encodeURIComponent(`
import { writeSync } from 'node:fs';
const watched = new Set((process.env.TRACE_IMPORTS ?? '').split(',').filter(Boolean));
const paths = (process.env.TRACE_IMPORT_PATHS ?? '').split(',').filter(Boolean);
const seen = new Set();
const report = (name) => {
  if (seen.has(name)) return;
  seen.add(name);
  writeSync(2, 'imported ' + name + '\\n');
};
export async function resolve(specifier, context, next) {
  if (watched.has(specifier)) report(specifier);
  const resolved = await next(specifier, context);
  if (paths.some((p) => resolved.url.includes(p))) report(resolved.url);
  return resolved;
}
`)}`,
);
