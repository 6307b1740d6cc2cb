import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { JobError } from '../model/errors.js';
import { isCancellation } from './failure-kinds.js';
import { runNext, type Policy, type UpstreamCall } from './upstream-call.js';
import type { UpstreamAttempt, UpstreamObserver } from './upstream-types.js';

// A no-op until a tracer provider is registered (src/telemetry.ts).
const tracer = trace.getTracer('job-gateway');

/**
 * Each attempt (retries too) as its trace span and its observer event (metrics, log line), from one
 * place so the two always agree on the outcome.
 */
export function attemptTelemetry(service: string, observer: UpstreamObserver): Policy {
  function failed(call: UpstreamCall, span: Span | undefined, started: number, error: unknown): never {
    if (error instanceof JobError) {
      const upstream = error.upstream;
      const outcome = isCancellation(error) ? 'CANCELLED' : error.code;
      report(
        service,
        observer,
        call,
        span,
        started,
        upstream?.status ?? null,
        outcome,
        upstream?.requestId ?? null,
        upstream?.circuit === 'open',
        error.upstreamMessage,
      );
    } else {
      span?.end();
    }
    throw error;
  }

  // Reactions on the attempt's promise rather than an async layer of its own.
  return (call, next) => {
    const started = performance.now();
    const span = call.context.span ? startSpan(service, call) : undefined;
    const result = runNext(next, call);
    return result.then(
      (response) => {
        report(service, observer, call, span, started, response.status, 'ok', response.requestId);
        return response;
      },
      (error: unknown) => failed(call, span, started, error),
    );
  };
}

function startSpan(service: string, call: UpstreamCall): Span {
  const host = call.host;
  return tracer.startSpan(
    `GET ${service}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': 'GET',
        'server.address': host.host,
        'url.path': host.basePath + call.request.path,
        'upstream.service': service,
        'http.request.resend_count': call.attempt,
      },
    },
    trace.setSpan(ROOT_CONTEXT, call.context.span!),
  );
}

function report(
  service: string,
  observer: UpstreamObserver,
  call: UpstreamCall,
  span: Span | undefined,
  started: number,
  status: number | null,
  outcome: UpstreamAttempt['outcome'],
  upstreamRequestId: string | null,
  circuitOpen = false,
  upstreamMessage?: string,
): void {
  if (span) {
    if (status !== null) span.setAttribute('http.response.status_code', status);
    if (upstreamRequestId) span.setAttribute('upstream.request_id', upstreamRequestId);
    if (outcome !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
    span.end();
  }
  observer.attempt?.({
    service,
    origin: call.host.origin,
    status,
    outcome,
    durationMs: performance.now() - started,
    attempt: call.attempt + 1,
    requestId: call.context.requestId,
    upstreamRequestId,
    circuitOpen,
    upstreamMessage,
  });
}
