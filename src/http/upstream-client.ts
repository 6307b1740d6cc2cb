import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { Pool } from 'undici';
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  CircuitState,
  SamplingBreaker,
  bulkhead,
  circuitBreaker,
  handleWhen,
  type BulkheadPolicy,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { JobError, type UpstreamInfo } from '../model/errors.js';
import { authHeaders } from './auth.js';
import { redactSecrets, type Credential } from './credentials.js';
import { codeForStatus, parseErrorBody, safeRequestId, upstreamError, type ErrorClassifier } from './error-map.js';
import { Cancelled, createInFlight } from './in-flight.js';
import type { UpstreamThrottle } from './rate-limit.js';
import { BodyTooLargeError, readBounded } from './read-body.js';
import { fullJitter, parseRetryAfter } from './retry-after.js';

export interface HttpConfig {
  /** Whole-request deadline, retries and queueing included. */
  timeoutMs: number;
  retries: number;
  retryBaseMs: number;
  retryMaxDelayMs: number;
  /** Connections per upstream host; also the bulkhead's concurrency. */
  connections: number;
  /** Calls allowed to wait for a connection before new ones fail fast. */
  queueSize: number;
  maxBytes: number;
  breaker: { threshold: number; windowMs: number; minRequests: number; halfOpenAfterMs: number };
  /** UPSTREAM_RATE_LIMIT per principal (src/http/rate-limit.ts; fleet-wide in src/fleet). */
  throttle?: UpstreamThrottle | undefined;
}

/** Who is calling, for this one GraphQL request. */
export interface CallContext {
  credential: Credential;
  principal: string;
  requestId: string;
  /** Aborted when the GraphQL client goes away. */
  signal?: AbortSignal;
  /** Counts the upstream requests this GraphQL request caused (for its log line). */
  stats?: { upstreamCalls: number };
  /** The request's trace span, when tracing is on: each upstream attempt becomes its child. */
  span?: Span | undefined;
}

/** One attempt at one upstream call, as seen by logs and metrics. */
export interface UpstreamAttempt {
  service: string;
  origin: string;
  /** HTTP status, or null when no response arrived. */
  status: number | null;
  /** 'ok', or the error code the attempt ended with. */
  outcome: 'ok' | JobError['code'];
  durationMs: number;
  /** 1 for the first try, 2 for the first retry, ... */
  attempt: number;
  requestId: string;
  upstreamRequestId: string | null;
  circuitOpen: boolean;
}

/** Hooks for observability; the client works the same without them. */
export interface UpstreamObserver {
  attempt?(event: UpstreamAttempt): void;
  retry?(event: { service: string; origin: string; delayMs: number; code: JobError['code'] }): void;
  circuit?(event: { service: string; origin: string; state: 'closed' | 'open' | 'half-open' }): void;
}

export interface GetRequest {
  /** Base URL of the upstream for the job's region, optionally with a path prefix. */
  baseUrl: string;
  /** Path below the base URL, each segment already percent-encoded. */
  path: string;
  /** Encoded query string without '?'. */
  query?: string;
  /** Extra request headers that select what is read (and so are part of the de-duplication key). */
  headers?: Record<string, string>;
  /** Goes into X-Project-Id when signing. */
  projectId: string;
}

export interface UpstreamResponse {
  status: number;
  body: unknown;
  requestId: string | null;
}

export interface UpstreamClient {
  readonly service: string;
  get(request: GetRequest, context: CallContext): Promise<UpstreamResponse>;
  /** Circuit state per upstream host, for health reporting. */
  circuits(): Record<string, 'closed' | 'open' | 'half-open'>;
  close(): Promise<void>;
}

interface Host {
  pool: Pool;
  origin: string;
  host: string;
  basePath: string;
  breaker: CircuitBreakerPolicy;
  bulkhead: BulkheadPolicy;
}


const RETRY_STATUSES = new Set([429, 502, 503, 504]);
// A no-op until a tracer provider is registered (src/telemetry.ts).
const tracer = trace.getTracer('job-gateway');
// Indexed by cockatiel's CircuitState (Closed, Open, HalfOpen, Isolated).
const CIRCUIT_STATES = ['closed', 'open', 'half-open', 'open'] as const;
class DeadlineExceeded extends Error {}

/**
 * The one way any upstream is called. Every guard a gateway in front of flaky cloud APIs needs
 * lives here so no upstream module re-implements (or forgets) one: a whole-request deadline,
 * retries for idempotent reads, a circuit breaker and a bulkhead per host, bounded bodies,
 * typed errors, auth, and in-flight de-duplication that never crosses principals.
 */
export function createUpstreamClient(
  service: string,
  config: HttpConfig,
  classify?: ErrorClassifier,
  observer: UpstreamObserver = {},
): UpstreamClient {
  const hosts = new Map<string, Host>();
  const inFlight = createInFlight<UpstreamResponse>();
  // Errors that must not be retried even though their code is UPSTREAM_UNAVAILABLE: ours, not the upstream's.
  const local = new WeakSet<JobError>();
  // Connection failures (refused, reset, closed mid-body): retryable and unhealthy whatever status line came first.
  const dropped = new WeakSet<JobError>();

  // Only the upstream being unwell counts: 4xx (404s, auth, throttling) say it is alive and answering.
  function countsAgainstBreaker(error: Error, breaker: CircuitBreakerPolicy): boolean {
    if (!(error instanceof JobError)) return true;
    // Our own cancellation says nothing about the upstream, but cockatiel counts whatever it does not
    // handle as a success: a cancelled half-open probe would close the circuit on no evidence.
    if (local.has(error)) return breaker.state === CircuitState.HalfOpen;
    if (dropped.has(error) || error.code === 'UPSTREAM_TIMEOUT') return true;
    if (error.code !== 'UPSTREAM_UNAVAILABLE') return false;
    const status = error.upstream?.status ?? null;
    return status === null || status >= 500;
  }

  function hostFor(baseUrl: string): Host {
    let host = hosts.get(baseUrl);
    if (host) return host;
    const url = new URL(baseUrl);
    const breaker: CircuitBreakerPolicy = circuitBreaker(handleWhen((error) => countsAgainstBreaker(error, breaker)), {
      halfOpenAfter: config.breaker.halfOpenAfterMs,
      breaker: new SamplingBreaker({
        threshold: config.breaker.threshold,
        duration: config.breaker.windowMs,
        minimumRps: config.breaker.minRequests / (config.breaker.windowMs / 1000),
      }),
    });
    host = {
      origin: url.origin,
      host: url.host,
      basePath: url.pathname.replace(/\/+$/, ''),
      // undici's 300 s header and body timeouts would outlive any deadline we promise; bound them.
      pool: new Pool(url.origin, {
        connections: config.connections,
        connect: { timeout: config.timeoutMs },
        headersTimeout: config.timeoutMs,
        bodyTimeout: config.timeoutMs,
      }),
      breaker,
      bulkhead: bulkhead(config.connections, config.queueSize),
    };
    const origin = url.origin;
    host.breaker.onStateChange((state) => observer.circuit?.({ service, origin, state: CIRCUIT_STATES[state] ?? 'closed' }));
    hosts.set(baseUrl, host);
    return host;
  }

  function info(status: number | null, requestId: string | null, errorCode: string | null = null): UpstreamInfo {
    return { service, status, errorCode, requestId };
  }

  async function send(host: Host, request: GetRequest, context: CallContext, signal: AbortSignal): Promise<UpstreamResponse> {
    const path = host.basePath + request.path;
    const query = request.query ?? '';
    const headers = {
      accept: 'application/json',
      'x-request-id': context.requestId,
      ...request.headers,
      ...authHeaders(context.credential, { method: 'GET', host: host.host, path, query, projectId: request.projectId }),
    };
    let status = 0;
    let requestId: string | null = null;
    if (context.stats) context.stats.upstreamCalls++;
    try {
      const res = await host.pool.request({ method: 'GET', path: query ? `${path}?${query}` : path, headers, signal });
      status = res.statusCode;
      requestId = safeRequestId(headerValue(res.headers['x-request-id']));
      const text = await readBounded(res.body, config.maxBytes, headerValue(res.headers['content-length']) ?? undefined);
      if (status >= 200 && status < 300) {
        try {
          return { status, body: JSON.parse(text) as unknown, requestId };
        } catch {
          throw upstreamError('UPSTREAM_ERROR', info(status, requestId), 'response is not valid JSON');
        }
      }
      const parsed = parseErrorBody(text);
      const code = classify?.(status, parsed.errorCode) ?? codeForStatus(status);
      const retryAfter = status === 429 || status === 503 ? parseRetryAfter(res.headers['retry-after']) : undefined;
      throw upstreamError(
        code,
        info(status, requestId ?? parsed.requestId, parsed.errorCode),
        redactSecrets(parsed.errorMessage, context.credential),
        retryAfter,
      );
    } catch (error) {
      if (error instanceof JobError) throw error;
      if (signal.aborted) throw signal.reason instanceof Cancelled ? cancelled() : timedOut(requestId);
      if (error instanceof BodyTooLargeError) {
        throw upstreamError('UPSTREAM_ERROR', info(status || null, requestId), `response larger than ${config.maxBytes} bytes`);
      }
      const code = (error as { code?: string }).code ?? '';
      if (/TIMEOUT/.test(code)) throw timedOut(requestId);
      // Connection refused or reset, socket closed mid-body, DNS failure: the upstream is not there for us.
      const failure = upstreamError('UPSTREAM_UNAVAILABLE', info(status || null, requestId), connectionProblem(code));
      dropped.add(failure);
      throw failure;
    }
  }

  function timedOut(requestId: string | null): JobError {
    return upstreamError('UPSTREAM_TIMEOUT', info(null, requestId), `no answer within ${config.timeoutMs} ms`);
  }

  function cancelled(): JobError {
    const error = upstreamError('UPSTREAM_UNAVAILABLE', info(null, null), 'the request was cancelled by its caller');
    local.add(error);
    return error;
  }

  async function attempt(host: Host, request: GetRequest, context: CallContext, signal: AbortSignal, n: number): Promise<UpstreamResponse> {
    const started = performance.now();
    const span = context.span
      ? tracer.startSpan(
          `GET ${service}`,
          {
            kind: SpanKind.CLIENT,
            attributes: {
              'http.request.method': 'GET',
              'server.address': host.host,
              'url.path': host.basePath + request.path,
              'upstream.service': service,
              'http.request.resend_count': n,
            },
          },
          trace.setSpan(ROOT_CONTEXT, context.span),
        )
      : undefined;
    const report = (status: number | null, outcome: UpstreamAttempt['outcome'], upstreamRequestId: string | null, circuitOpen = false) => {
      if (span) {
        if (status !== null) span.setAttribute('http.response.status_code', status);
        if (upstreamRequestId) span.setAttribute('upstream.request_id', upstreamRequestId);
        if (outcome !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
        span.end();
      }
      observer.attempt?.({
        service,
        origin: host.origin,
        status,
        outcome,
        durationMs: performance.now() - started,
        attempt: n + 1,
        requestId: context.requestId,
        upstreamRequestId,
        circuitOpen,
      });
    };
    try {
      const response = await guarded(host, request, context, signal);
      report(response.status, 'ok', response.requestId);
      return response;
    } catch (error) {
      if (error instanceof JobError) {
        report(error.upstream?.status ?? null, error.code, error.upstream?.requestId ?? null, error.upstream?.circuit === 'open');
      } else {
        span?.end();
      }
      throw error;
    }
  }

  async function guarded(host: Host, request: GetRequest, context: CallContext, signal: AbortSignal): Promise<UpstreamResponse> {
    try {
      // The signal is checked here, not handed to the bulkhead: cockatiel 3.2 drops a queued call whose
      // signal has aborted without passing its slot on, stranding every call queued behind it. Nor does
      // it end a queued call when the signal aborts, so a call still waiting for a slot leaves on its own.
      let started = false;
      const call = host.bulkhead.execute(() => {
        signal.throwIfAborted();
        started = true;
        return host.breaker.execute(() => send(host, request, context, signal), signal);
      });
      // Running already (a free slot): undici and the breaker watch the signal from here on.
      if (started) return await call;
      return await new Promise<UpstreamResponse>((resolve, reject) => {
        const leaveQueue = () => {
          if (!started) reject(signal.reason);
        };
        if (signal.aborted) leaveQueue();
        else signal.addEventListener('abort', leaveQueue, { once: true });
        call.then(resolve, reject).finally(() => signal.removeEventListener('abort', leaveQueue));
      });
    } catch (error) {
      if (error instanceof JobError) throw error;
      if (signal.aborted) throw signal.reason instanceof Cancelled ? cancelled() : timedOut(null);
      const refused =
        error instanceof BrokenCircuitError
          ? upstreamError('UPSTREAM_UNAVAILABLE', { ...info(null, null), circuit: 'open' }, 'circuit open after repeated failures')
          : error instanceof BulkheadRejectedError
            ? upstreamError('UPSTREAM_UNAVAILABLE', info(null, null), 'too many calls already waiting for this upstream')
            : null;
      if (!refused) throw error;
      local.add(refused);
      throw refused;
    }
  }

  async function callWithRetries(request: GetRequest, context: CallContext, controller: AbortController): Promise<UpstreamResponse> {
    const host = hostFor(request.baseUrl);
    const deadline = Date.now() + config.timeoutMs;
    const timer = setTimeout(() => controller.abort(new DeadlineExceeded()), config.timeoutMs);
    try {
      for (let n = 0; ; n++) {
        try {
          // Every attempt, retries too, spends the credential's quota; the wait counts against the deadline.
          const wait = config.throttle ? await config.throttle.delay(service, context.principal, throttleBudget(deadline - Date.now())) : 0;
          if (wait > 0) await sleep(wait, undefined, { signal: controller.signal }).catch(() => {
            throw controller.signal.reason instanceof Cancelled ? cancelled() : timedOut(null);
          });
          return await attempt(host, request, context, controller.signal, n);
        } catch (error) {
          if (!(error instanceof JobError) || n >= config.retries || !retryable(error)) throw error;
          const delay = error.retryAfterMs ?? fullJitter(n, config.retryBaseMs, config.retryMaxDelayMs);
          // A retry that cannot finish before the deadline only delays the inevitable error.
          if (Date.now() + delay >= deadline) throw error;
          observer.retry?.({ service, origin: host.origin, delayMs: delay, code: error.code });
          try {
            await sleep(delay, undefined, { signal: controller.signal });
          } catch {
            throw controller.signal.reason instanceof Cancelled ? cancelled() : error;
          }
        }
      }
    } finally {
      clearTimeout(timer);
    }
  }

  function retryable(error: JobError): boolean {
    if (local.has(error) || error.code !== 'UPSTREAM_UNAVAILABLE') return false;
    if (dropped.has(error)) return true;
    const status = error.upstream?.status ?? null;
    return status === null || RETRY_STATUSES.has(status);
  }

  function get(request: GetRequest, context: CallContext): Promise<UpstreamResponse> {
    if (context.credential.kind === 'none') {
      return Promise.reject(
        new JobError('UNAUTHENTICATED', 'no credentials: send an X-Auth-Token header, or configure CLOUD_SDK_AK and CLOUD_SDK_SK'),
      );
    }
    return inFlight.join(
      dedupeKey(context.principal, request),
      (controller) => callWithRetries(request, context, controller),
      context.signal,
      cancelled,
    );
  }

  return {
    service,
    get,
    circuits() {
      return Object.fromEntries([...hosts.values()].map((h) => [h.origin, CIRCUIT_STATES[h.breaker.state] ?? 'closed']));
    },
    async close() {
      await Promise.all([...hosts.values()].map((h) => h.pool.close()));
      hosts.clear();
    },
  };
}

/** The longest a call may wait for a rate-limit slot: what leaves the call itself time to finish (at least half the deadline, up to 1 s). */
function throttleBudget(remainingMs: number): number {
  return remainingMs - Math.min(1000, remainingMs / 2);
}

function dedupeKey(principal: string, request: GetRequest): string {
  const headers = request.headers
    ? Object.entries(request.headers)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => `${k.toLowerCase()}=${v}`)
        .join('&')
    : '';
  return `${principal}\n${request.baseUrl}${request.path}?${request.query ?? ''}\n${headers}`;
}

function headerValue(value: string | string[] | undefined): string | null {
  const v = Array.isArray(value) ? value[0] : value;
  return v === undefined || v === '' ? null : v;
}

function connectionProblem(code: string): string {
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  return 'connection failed';
}
