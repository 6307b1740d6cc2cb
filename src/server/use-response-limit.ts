import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { isSingleResult } from './results.js';

export interface ResponseLimit {
  /** The result itself, or the RESPONSE_TOO_LARGE answer that replaces it. */
  bound(result: ExecutionResult): ExecutionResult;
  /** Applies `bound` to every query answer on yoga's path (HTTP and WebSocket). */
  plugin: Plugin;
}

/**
 * The largest answer the gateway sends. The cost limit refuses most oversized requests before
 * their upstream calls; this catches what its estimates miss (a job with hundreds of sub-jobs, a
 * huge list). An answer over the bound is not sent at all, rather than cut at an arbitrary field:
 * the client gets `data: null` and one RESPONSE_TOO_LARGE error, and asks for less. The size is
 * measured on the result before it is serialized, and the walk stops as soon as the bound is
 * passed, so a refused answer's text is never built.
 */
export function createResponseLimit(maxBytes: number): ResponseLimit {
  function bound(result: ExecutionResult): ExecutionResult {
    if (!exceedsJsonSize(result, maxBytes)) return result;
    return {
      data: null,
      errors: [
        new GraphQLError(`The answer would be larger than ${maxBytes} bytes; select fewer fields or jobs.`, {
          extensions: { code: 'RESPONSE_TOO_LARGE', maxBytes },
        }),
      ],
    };
  }
  return {
    bound,
    plugin: {
      onExecute: () => ({
        onExecuteDone({ result, setResult }) {
          if (isSingleResult(result)) {
            const bounded = bound(result);
            if (bounded !== result) setResult(bounded);
          }
        },
      }),
    },
  };
}

/**
 * Whether `value`'s JSON text would be longer than `maxBytes` (UTF-8, escapes aside), walking it
 * only until the answer is known. Objects with `toJSON` (GraphQLError) are measured as serialized.
 */
export function exceedsJsonSize(value: unknown, maxBytes: number): boolean {
  return jsonBytesLeft(value, maxBytes) < 0;
}

/**
 * `left` less `value`'s JSON size, stopping once below zero. Recursive rather than with a stack
 * array: nothing is allocated per answer (it ran on every answer, ~1.6 KB of garbage each on
 * workload A). Results are as deep as their documents (MAX_DEPTH), so the recursion is shallow.
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
