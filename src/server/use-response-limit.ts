import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { isSingleResult } from './results.js';

export interface ResponseLimit {
  /** Whether an answer's JSON text is over the bound (in UTF-8 bytes). */
  exceeds(text: string): boolean;
  /** The answer that replaces one over the bound. */
  tooLarge(): ExecutionResult;
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
 * that of the result's JSON text: the fast path measures the very text it then sends (measuring
 * the result by walking it cost more than serializing it: 7% of workload A's CPU), yoga's path
 * serializes it once more to measure it. A refused answer's text is thus built, and dropped; its
 * size is bounded by the cost limit, which runs before any upstream call.
 */
export function createResponseLimit(maxBytes: number): ResponseLimit {
  // UTF-8 takes 1 to 3 bytes per UTF-16 unit (a surrogate pair: 4 for 2): most texts are decided by their length alone.
  const exceeds = (text: string) => text.length > maxBytes || (text.length * 3 > maxBytes && Buffer.byteLength(text) > maxBytes);
  const tooLarge = (): ExecutionResult => ({
    data: null,
    errors: [
      new GraphQLError(`The answer would be larger than ${maxBytes} bytes; select fewer fields or jobs.`, {
        extensions: { code: 'RESPONSE_TOO_LARGE', maxBytes },
      }),
    ],
  });
  // Errors are measured as they serialize (GraphQLError's toJSON), before masking, as they came out of execution.
  const bound = (result: ExecutionResult): ExecutionResult => (exceeds(JSON.stringify(result)) ? tooLarge() : result);
  return {
    exceeds,
    tooLarge,
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
