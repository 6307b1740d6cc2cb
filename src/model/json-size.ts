/**
 * How large a value's JSON text is, without building it: what bounds the terminal-job cache
 * (CACHE_MAX_BYTES) in bytes rather than in entries. (Answers are bounded by their own text, which
 * the response needs anyway: use-response-limit.ts.)
 */

/**
 * `value`'s JSON size in bytes (UTF-8, escapes aside). Counted up from zero: sizes stay small
 * integers (Smis), where counting down from MAX_SAFE_INTEGER boxed every intermediate total as a
 * heap number (~1 KB of garbage per cached job model on workload B). Recursive rather than with a
 * stack array; job models are as deep as their sub-job trees (UPSTREAM_MAX_DEPTH), so shallow.
 */
export function jsonSize(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value) + 3;
  if (typeof value === 'number') return numberChars(value) + 1;
  if (value === null || typeof value === 'boolean') return 6;
  if (Array.isArray(value)) {
    let size = 2;
    for (let i = 0; i < value.length; i++) size += jsonSize(value[i]);
    return size;
  }
  if (typeof value === 'object') {
    const toJSON = (value as { toJSON?: () => unknown }).toJSON;
    const plain = (typeof toJSON === 'function' ? toJSON.call(value) : value) as Record<string, unknown>;
    let size = 2;
    for (const key in plain) size += keyBytes(key) + 3 + jsonSize(plain[key]);
    return size;
  }
  return 0;
}

/** A property name's UTF-8 size: model keys are ASCII words, counted here rather than by a call into Buffer. */
function keyBytes(key: string): number {
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) > 0x7f) return Buffer.byteLength(key);
  return key.length;
}

/** A number's JSON length; small non-negative integers (indexes, percentages) without making its text. */
function numberChars(value: number): number {
  if (Number.isInteger(value) && value >= 0 && value < 1e15) {
    let chars = 1;
    for (let n = value; n >= 10; n = Math.floor(n / 10)) chars++;
    return chars;
  }
  return String(value).length;
}
