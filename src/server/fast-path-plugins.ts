/**
 * How a yoga plugin stands to the fast path (fast-path.ts), which answers repeated queries without
 * running yoga's plugin chain. Every plugin given to yoga must say, or the fast path is turned off:
 * - `document`: acts on the document only (parse, validate: limits, introspection). A prepared
 *   document has passed it once, and its verdict cannot change for the same text.
 * - `elsewhere`: acts only on requests the fast path never takes (other paths, GET, other body
 *   types, unreadable bodies), decided from what fast-path.ts's own admission checks.
 * - `mirrored`: acts on every request, and fast-path.ts does the same thing itself (request id,
 *   log line, metrics, body limit, cost and response limits, rejection status, persisted ids).
 * - `engine`: executes; the fast path runs the same execution (a plan, or graphql-js's execute).
 * - `recorder`: the fast path's own (use-prepared-operations.ts).
 * A plugin that depends on the caller or the request in any other way (auth, rate limits, response
 * caching) has no place here: leave it undeclared, and the fast path stays off. `blocks` says so
 * knowingly (tracing, whose spans are yoga hooks): the fast path is off without a warning.
 */
export type FastPathRole = 'document' | 'elsewhere' | 'mirrored' | 'engine' | 'recorder' | 'blocks';

interface Declaration {
  name: string;
  role: FastPathRole;
}

const declared = new WeakMap<object, Declaration>();

/** Declares how `plugin` (or each of a plugin list) stands to the fast path; returns it unchanged. */
export function forFastPath<P extends object>(name: string, role: FastPathRole, plugin: P): P {
  for (const one of Array.isArray(plugin) ? plugin : [plugin]) declared.set(one as object, { name, role });
  return plugin;
}

export function fastPathRoleOf(plugin: object): Declaration | undefined {
  return declared.get(plugin);
}

export interface Blocker {
  /** The declared name, or the plugin's place in the list and its hooks. */
  name: string;
  /** False for a plugin that declared nothing: someone added it without deciding. */
  known: boolean;
}

/**
 * The plugins in `plugins` (the very list given to yoga) that the fast path cannot serve: every
 * plugin not declared with forFastPath, and those declared `blocks`. Empty when the fast path may run.
 */
export function fastPathBlockers(plugins: readonly object[]): Blocker[] {
  const blockers: Blocker[] = [];
  plugins.forEach((plugin, index) => {
    const declaration = declared.get(plugin);
    if (declaration?.role === 'blocks') blockers.push({ name: declaration.name, known: true });
    if (declaration) return;
    const hooks = Object.keys(plugin).filter((key) => key.startsWith('on') || key === 'instrumentation');
    blockers.push({ name: `plugin #${index} (${hooks.join(', ') || 'no hooks'})`, known: false });
  });
  return blockers;
}
