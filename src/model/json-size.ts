/**
 * How large a value's JSON text is, without building it: what bounds the terminal-job cache
 * (CACHE_MAX_BYTES) in bytes rather than in entries. (Answers are bounded by their own text, which
 * the response needs anyway: use-response-limit.ts.)
 */

/** `value`'s JSON size in bytes (UTF-8, escapes aside). */
export function jsonSize(value: unknown): number {
  return Number.MAX_SAFE_INTEGER - jsonBytesLeft(value, Number.MAX_SAFE_INTEGER);
}

/**
 * `left` less `value`'s JSON size, stopping once below zero. Recursive rather than with a stack
 * array: nothing is allocated per answer (it ran on every answer, ~1.6 KB of garbage each on
 * workload A). Results are as deep as their documents (MAX_DEPTH) and job models as their sub-job
 * trees (UPSTREAM_MAX_DEPTH), so the recursion is shallow.
 */
function jsonBytesLeft(value: unknown, left: number): number {
  if (typeof value === 'string') return left - Buffer.byteLength(value) - 3;
  if (typeof value === 'number') return left - String(value).length - 1;
  if (value === null || typeof value === 'boolean') return left - 6;
  if (Array.isArray(value)) {
    left -= 2;
    for (let i = 0; i < value.length && left >= 0; i++) left = jsonBytesLeft(value[i], left);
    return left;
  }
  if (typeof value === 'object') {
    const toJSON = (value as { toJSON?: () => unknown }).toJSON;
    const plain = (typeof toJSON === 'function' ? toJSON.call(value) : value) as Record<string, unknown>;
    left -= 2;
    for (const key in plain) {
      left = jsonBytesLeft(plain[key], left - Buffer.byteLength(key) - 3);
      if (left < 0) return left;
    }
    return left;
  }
  return left;
}
