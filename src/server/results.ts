import type { ExecutionResult } from 'graphql';

/** One execution result, as opposed to a batch (array) or a stream (subscription, SSE). */
export function isSingleResult(value: unknown): value is ExecutionResult {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(Symbol.asyncIterator in value);
}

/** The `extensions.code` of each error in a result; an error without one is a masked internal one. */
export function errorCodes(result: ExecutionResult): string[] {
  return (result.errors ?? []).map((error) => (typeof error.extensions?.code === 'string' ? error.extensions.code : 'INTERNAL'));
}
