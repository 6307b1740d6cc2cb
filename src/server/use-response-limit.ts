import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { exceedsJsonSize } from '../model/json-size.js';
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
