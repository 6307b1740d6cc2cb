import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { Pool } from 'undici';
import { BrokenCircuitError, CircuitState, SamplingBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import { JobError, type UpstreamInfo } from '../model/errors.js';
import { authHeaders } from './auth.js';
import { takeSample } from './breaker-votes.js';
import { budgetExceeded, budgetLeft, spendCall } from './call-budget.js';
import { createCredentialVerdicts } from './credential-verdicts.js';
import { redactSecrets, type Credential } from './credentials.js';
import { codeForStatus, parseErrorBody, safeRequestId, upstreamAnswerError, upstreamError, type ErrorClassifier } from './error-map.js';
import { BulkheadFull, createFairBulkhead, type FairBulkhead } from './fair-bulkhead.js';
import { Cancelled, createInFlight } from './in-flight.js';
import { OriginLimitReached, createOriginPool } from './origin-pool.js';
import type { UpstreamHttpSettings } from '../config.js';
import type { UpstreamThrottle } from './rate-limit.js';
import { BodyTooLargeError, readBounded } from './read-body.js';
import { ledgerOf, type RequestLedger } from './request-ledger.js';
import { fullJitter, parseRetryAfter } from './retry-after.js';

export interface HttpConfig extends UpstreamHttpSettings {
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
  /** What this request has spent of the upstreams (calls, breaker votes); made by the client on first use. */
  ledger?: RequestLedger;
}

/** One attempt at one upstream call, as seen by logs and metrics. */
export interface UpstreamAttempt {
  service: string;
  origin: string;
  /** HTTP status, or null when no response arrived. */
  status: number | null;
  /** 'ok', 'CANCELLED' (every caller left: client impatience, not upstream trouble), or the error code. */
  outcome: 'ok' | 'CANCELLED' | JobError['code'];
  durationMs: number;
  /** 1 for the first try, 2 for the first retry, ... */
  attempt: number;
  requestId: string;
  upstreamRequestId: string | null;
  circuitOpen: boolean;
  /** The upstream's own error text, redacted: for the logs, never for the client. */
  upstreamMessage?: string | undefined;
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
  /** Upstream hosts (base URLs) that currently have a pool, breaker and bulkhead. */
  hostCount(): number;
  close(): Promise<void>;
}

interface Host {
  pool: Pool;
  origin: string;
  host: string;
  basePath: string;
  breaker: CircuitBreakerPolicy;
  bulkhead: FairBulkhead;
}

/**
 * A success a circuit must not count (this request has had its say), carried past cockatiel as an
 * error it does not handle, which a closed circuit counts neither way. Not an Error: no stack to
 * capture for every answer past a request's first.
 */
class Unsampled {
  constructor(readonly response: UpstreamResponse) {}
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
  const hosts = createOriginPool<Host>({ max: config.maxOrigins, create: newHost, close: (host) => host.pool.close() });
  const verdicts = createCredentialVerdicts({ cooldownMs: config.authCooldownMs, max: config.principalsMax });
  const inFlight = createInFlight<UpstreamResponse>();
  // Errors that must not be retried even though their code is UPSTREAM_UNAVAILABLE: ours, not the upstream's.
  const local = new WeakSet<JobError>();
  // Connection failures (refused, reset, closed mid-body): retryable and unhealthy whatever status line came first.
  const dropped = new WeakSet<JobError>();
  // Calls abandoned because every caller left: counted and logged as cancellations.
  const cancellations = new WeakSet<JobError>();
  // Failures a circuit must not count: the request they belong to has had its say (breaker-votes.ts).
  const unsampled = new WeakSet<Error>();

  // Only the upstream being unwell counts: 4xx (404s, auth, throttling) say it is alive and answering.
  function countsAgainstBreaker(error: Error, breaker: CircuitBreakerPolicy): boolean {
    // Left unhandled, cockatiel counts neither (in a closed circuit, the only state these are made in).
    if (error instanceof Unsampled || unsampled.has(error)) return false;
    if (!(error instanceof JobError)) return true;
    // Our own cancellation says nothing about the upstream, but cockatiel counts whatever it does not
    // handle as a success: a cancelled half-open probe would close the circuit on no evidence.
    if (local.has(error)) return breaker.state === CircuitState.HalfOpen;
    if (dropped.has(error) || error.code === 'UPSTREAM_TIMEOUT') return true;
    if (error.code !== 'UPSTREAM_UNAVAILABLE') return false;
    const status = error.upstream?.status ?? null;
    return status === null || status >= 500;
  }

  function newHost(baseUrl: string): Host {
    const url = new URL(baseUrl);
    const breaker: CircuitBreakerPolicy = circuitBreaker(handleWhen((error) => countsAgainstBreaker(error, breaker)), {
      halfOpenAfter: config.breaker.halfOpenAfterMs,
      breaker: new SamplingBreaker({
        threshold: config.breaker.threshold,
        duration: config.breaker.windowMs,
        minimumRps: config.breaker.minRequests / (config.breaker.windowMs / 1000),
      }),
    });
    const host: Host = {
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
      bulkhead: createFairBulkhead({ slots: config.connections, queue: config.queueSize, share: config.principalShare }),
    };
    const origin = url.origin;
    host.breaker.onStateChange((state) => observer.circuit?.({ service, origin, state: CIRCUIT_STATES[state] ?? 'closed' }));
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
      verdicts.heard(context.principal, request.baseUrl, status);
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
      throw upstreamAnswerError(
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
    cancellations.add(error);
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
    const report = (
      status: number | null,
      outcome: UpstreamAttempt['outcome'],
      upstreamRequestId: string | null,
      circuitOpen = false,
      upstreamMessage?: string,
    ) => {
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
        upstreamMessage,
      });
    };
    try {
      const response = await guarded(host, request, context, signal);
      report(response.status, 'ok', response.requestId);
      return response;
    } catch (error) {
      if (error instanceof JobError) {
        const outcome = cancellations.has(error) ? 'CANCELLED' : error.code;
        report(error.upstream?.status ?? null, outcome, error.upstream?.requestId ?? null, error.upstream?.circuit === 'open', error.upstreamMessage);
      } else {
        span?.end();
      }
      throw error;
    }
  }

  async function guarded(host: Host, request: GetRequest, context: CallContext, signal: AbortSignal): Promise<UpstreamResponse> {
    try {
      // The fair bulkhead watches the signal while a call waits for a slot; undici and the breaker, once it runs.
      const tenant = verdicts.tenantOf(context.credential, context.principal);
      return await host.bulkhead.execute(
        tenant,
        () => {
          // A call that waited for its slot while the upstream rejected this principal need not go at all.
          const rejected = recentlyRejected(request, context);
          return rejected ? Promise.reject(rejected) : throughBreaker(host, request, context, signal);
        },
        signal,
      );
    } catch (error) {
      if (error instanceof JobError) throw error;
      if (signal.aborted) throw signal.reason instanceof Cancelled ? cancelled() : timedOut(null);
      const refused =
        error instanceof BrokenCircuitError
          ? upstreamError('UPSTREAM_UNAVAILABLE', { ...info(null, null), circuit: 'open' }, 'circuit open after repeated failures')
          : error instanceof BulkheadFull
            ? upstreamError('UPSTREAM_UNAVAILABLE', info(null, null), 'too many calls already waiting for this upstream')
            : null;
      if (!refused) throw error;
      local.add(refused);
      throw refused;
    }
  }

  async function throughBreaker(host: Host, request: GetRequest, context: CallContext, signal: AbortSignal): Promise<UpstreamResponse> {
    const ledger = ledgerOf(context);
    try {
      return await host.breaker.execute(() => sampled(host, ledger, () => send(host, request, context, signal)), signal);
    } catch (error) {
      if (error instanceof Unsampled) return error.response;
      throw error;
    }
  }

  /** The call's outcome, marked so the circuit skips it when this request has had its say already. */
  async function sampled(host: Host, ledger: RequestLedger, run: () => Promise<UpstreamResponse>): Promise<UpstreamResponse> {
    // Only a closed circuit samples: a half-open probe must always decide.
    const votes = () => host.breaker.state !== CircuitState.Closed || takeSample(ledger, host.breaker, config.breaker.samplesPerRequest);
    let response: UpstreamResponse;
    try {
      response = await run();
    } catch (error) {
      if (error instanceof Error && countsAgainstBreaker(error, host.breaker) && !votes()) unsampled.add(error);
      throw error;
    }
    if (!votes()) throw new Unsampled(response);
    return response;
  }

  async function callWithRetries(request: GetRequest, context: CallContext, controller: AbortController): Promise<UpstreamResponse> {
    try {
      // The host is in use (never evicted) until the last retry is done.
      return await hosts.use(request.baseUrl, (host) => retrying(host, request, context, controller));
    } catch (error) {
      if (!(error instanceof OriginLimitReached)) throw error;
      const refused = upstreamError('UPSTREAM_UNAVAILABLE', info(null, null), `busy with ${error.max} other hosts of this upstream (UPSTREAM_MAX_ORIGINS)`);
      local.add(refused);
      throw refused;
    }
  }

  async function retrying(host: Host, request: GetRequest, context: CallContext, controller: AbortController): Promise<UpstreamResponse> {
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
          // A retry is an upstream call like any other: it comes out of the request's budget.
          if (!spendCall(ledgerOf(context), config.callsPerRequest)) throw error;
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

  /** UNAUTHENTICATED, answered here, while the upstream's recent 401 for this principal cools down. */
  function recentlyRejected(request: GetRequest, context: CallContext): JobError | undefined {
    const coolingMs = verdicts.coolingDown(context.principal, request.baseUrl);
    if (coolingMs === 0) return undefined;
    const seconds = Math.ceil(coolingMs / 1000);
    return new JobError('UNAUTHENTICATED', `${service}: the upstream rejected these credentials moments ago; not asking it again for ${seconds} s`, info(null, null));
  }

  function get(request: GetRequest, context: CallContext): Promise<UpstreamResponse> {
    if (context.credential.kind === 'none') {
      return Promise.reject(
        new JobError(
          'UNAUTHENTICATED',
          context.credential.reason ?? 'no credentials: send an X-Auth-Token header, or configure CLOUD_SDK_AK and CLOUD_SDK_SK',
        ),
      );
    }
    const rejected = recentlyRejected(request, context);
    if (rejected) return Promise.reject(rejected);
    const ledger = ledgerOf(context);
    const key = dedupeKey(context.principal, request);
    // Only a call that starts costs the budget; joining one already on its way is free.
    if (!inFlight.has(key) && !budgetLeft(ledger, config.callsPerRequest)) {
      return Promise.reject(budgetExceeded(service, config.callsPerRequest));
    }
    return inFlight.join(
      key,
      (controller) => {
        spendCall(ledger, config.callsPerRequest);
        return callWithRetries(request, context, controller);
      },
      context.signal,
      cancelled,
    );
  }

  return {
    service,
    get,
    circuits() {
      return Object.fromEntries(hosts.values().map((h) => [h.origin, CIRCUIT_STATES[h.breaker.state] ?? 'closed']));
    },
    hostCount() {
      return hosts.size;
    },
    close() {
      return hosts.close();
    },
  };
}

/** The longest a call may wait for a rate-limit slot: what leaves the call itself time to finish (at least half the deadline, up to 1 s). */
function throttleBudget(remainingMs: number): number {
  return remainingMs - Math.min(1000, remainingMs / 2);
}

/**
 * A JSON tuple, not a joined string: header values come from client ids, which may contain `&` or
 * `=`, so `a=x&b=y` could be one header or two. Exported for its unit test.
 */
export function dedupeKey(principal: string, request: GetRequest): string {
  const headers = request.headers
    ? Object.entries(request.headers)
        .map(([k, v]) => [k.toLowerCase(), v] as const)
        .sort(([a], [b]) => (a < b ? -1 : 1))
    : [];
  return JSON.stringify([principal, request.baseUrl, request.path, request.query ?? null, headers, request.projectId]);
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
