import { getOperationAST, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Metrics } from './metrics.js';
import { errorCodes, isSingleResult } from './results.js';

// Label values must stay few: unknown paths are folded into one.
const KNOWN_PATHS = new Set(['/graphql', '/health', '/ready', '/metrics']);

/** graphql_errors_total, by code, for one result. */
export function countResultErrors(metrics: Metrics, result: ExecutionResult): void {
  for (const code of errorCodes(result)) metrics.errors.inc({ code });
}

/** Serves GET /metrics (Prometheus text format) and measures every request and GraphQL result. */
export function useMetrics(metrics: Metrics, options: { serve?: boolean } = {}): Plugin {
  // METRICS_PORT moves /metrics to a port of its own (probe-server.ts); then this one does not serve it.
  const serve = options.serve ?? true;
  // When each request started and which path label it gets (from the URL yoga already parsed).
  const started = new WeakMap<Request, { at: number; path: string }>();
  const countErrors = (result: ExecutionResult) => countResultErrors(metrics, result);
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      started.set(request, { at: performance.now(), path: KNOWN_PATHS.has(url.pathname) ? url.pathname : 'other' });
      if (!serve || url.pathname !== '/metrics' || request.method !== 'GET') return;
      return metrics.registry.metrics().then((text) => {
        endResponse(new fetchAPI.Response(text, { headers: { 'content-type': metrics.registry.contentType } }));
      });
    },
    onExecute({ args }) {
      const type = getOperationAST(args.document, args.operationName ?? undefined)?.operation ?? 'unknown';
      metrics.operations.inc({ type });
    },
    onSubscribe({ args }) {
      const type = getOperationAST(args.document, args.operationName ?? undefined)?.operation ?? 'subscription';
      metrics.operations.inc({ type });
      // A stream's error events never reach onResultProcess (it sees the stream as a whole): count each as it goes out.
      // onNext runs for streams only, so a subscription refused outright is still counted once, below.
      return { onSubscribeResult: () => ({ onNext: ({ result }) => countErrors(result) }) };
    },
    onResultProcess({ result }) {
      if (isSingleResult(result)) countErrors(result);
    },
    onResponse({ request, response }) {
      const start = started.get(request);
      if (start === undefined) return;
      metrics.httpDuration.observe(
        { method: request.method, path: start.path, status: String(response.status) },
        (performance.now() - start.at) / 1000,
      );
    },
  };
}
