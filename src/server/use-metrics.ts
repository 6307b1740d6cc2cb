import { getOperationAST, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Metrics } from './metrics.js';

// Label values must stay few: unknown paths are folded into one.
const KNOWN_PATHS = new Set(['/graphql', '/health', '/ready', '/metrics']);

/** Serves GET /metrics (Prometheus text format) and measures every request and GraphQL result. */
export function useMetrics(metrics: Metrics): Plugin {
  const started = new WeakMap<Request, number>();
  const countErrors = (result: ExecutionResult): void => {
    for (const error of result.errors ?? []) {
      const code = typeof error.extensions?.code === 'string' ? error.extensions.code : 'INTERNAL';
      metrics.errors.inc({ code });
    }
  };
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      started.set(request, performance.now());
      if (url.pathname !== '/metrics' || request.method !== 'GET') return;
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
      if (Array.isArray(result) || !isResult(result)) return;
      countErrors(result);
    },
    onResponse({ request, response }) {
      const start = started.get(request);
      if (start === undefined) return;
      const pathname = new URL(request.url).pathname;
      metrics.httpDuration.observe(
        { method: request.method, path: KNOWN_PATHS.has(pathname) ? pathname : 'other', status: String(response.status) },
        (performance.now() - start) / 1000,
      );
    },
  };
}

function isResult(value: unknown): value is ExecutionResult {
  return typeof value === 'object' && value !== null && !(Symbol.asyncIterator in value);
}
