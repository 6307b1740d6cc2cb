import { SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';

const spans = new WeakMap<Request, Span>();

/** The server span of a request, parent of its upstream calls' spans (undefined when tracing is off). */
export function spanOf(request: Request): Span | undefined {
  return spans.get(request);
}

/**
 * One server span per HTTP request, named after the GraphQL operation once it is known. Spans are
 * passed down explicitly (through the request context) rather than via async context, so every
 * upstream call is a child of the request that caused it even inside dataloader batches.
 */
export function useTracing(): Plugin {
  const tracer = trace.getTracer('job-gateway');
  return {
    onRequest({ request, url }) {
      spans.set(
        request,
        tracer.startSpan(`${request.method} ${url.pathname}`, {
          kind: SpanKind.SERVER,
          attributes: { 'http.request.method': request.method, 'url.path': url.pathname },
        }),
      );
    },
    onExecute({ args }) {
      const request = (args.contextValue as { request?: Request }).request;
      const span = request && spans.get(request);
      const operation = getOperationAST(args.document, args.operationName ?? undefined);
      if (!span || !operation) return;
      span.setAttribute('graphql.operation.type', operation.operation);
      if (operation.name) span.setAttribute('graphql.operation.name', operation.name.value);
      span.updateName(`${operation.operation} ${operation.name?.value ?? '(anonymous)'}`);
    },
    onResponse({ request, response }) {
      const span = spans.get(request);
      if (!span) return;
      span.setAttribute('http.response.status_code', response.status);
      if (response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
  };
}
