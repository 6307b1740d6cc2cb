import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { isSingleResult } from './results.js';

/**
 * A request refused before execution (syntax, unknown fields, depth, aliases, tokens, cost, bad
 * variables) has errors and no `data`. It is the client's mistake: answer 400 whatever the Accept
 * header, so proxies, dashboards and retry logic see it as one. Yoga would send 200 to clients that
 * accept plain application/json; a status on the result itself is one it always honours (and it
 * strips `extensions.http` from the body).
 */
export function withRejectionStatus(result: ExecutionResult): ExecutionResult {
  if ('data' in result || !result.errors?.length) return result;
  const extensions = result.extensions ?? {};
  if ('http' in extensions) return result;
  return { ...result, extensions: { ...extensions, http: { status: 400 } } };
}

export function useRejectionStatus(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      if (!isSingleResult(result)) return;
      const answered = withRejectionStatus(result);
      if (answered !== result) setResult(answered);
    },
  };
}
