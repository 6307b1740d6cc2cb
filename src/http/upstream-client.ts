import { Pool } from 'undici';
import { JobError } from '../model/errors.js';
import { attemptTelemetry } from './attempt-telemetry.js';
import { authCooldownPolicy, rejectedMomentsAgo } from './auth-cooldown-policy.js';
import { CIRCUIT_STATES, breakerPolicy, createBreaker } from './breaker-policy.js';
import { bulkheadPolicy } from './bulkhead-policy.js';
import type { CallAbort } from './call-abort.js';
import { budgetExceeded, budgetLeft, spendCall } from './call-budget.js';
import { systemClock } from './clock.js';
import { createCredentialVerdicts } from './credential-verdicts.js';
import { deadlinePolicy } from './deadline-policy.js';
import { upstreamError, type ErrorClassifier } from './error-map.js';
import { createFairBulkhead } from './fair-bulkhead.js';
import { cancelledError, info, markLocal } from './failure-kinds.js';
import { createInFlight } from './in-flight.js';
import { createOriginPool } from './origin-pool.js';
import { ledgerOf } from './request-ledger.js';
import { retryPolicy } from './retry-policy.js';
import { sendRequest } from './send-request.js';
import { throttlePolicy } from './throttle-policy.js';
import { compose, type Host, type Policy, type UpstreamCall } from './upstream-call.js';
import type { CallContext, GetRequest, HttpConfig, UpstreamObserver, UpstreamResponse } from './upstream-types.js';

export type { CallContext, GetRequest, HttpConfig, UpstreamAttempt, UpstreamObserver, UpstreamResponse } from './upstream-types.js';

export interface UpstreamClient {
  readonly service: string;
  get(request: GetRequest, context: CallContext): Promise<UpstreamResponse>;
  /** Circuit state per upstream host, for health reporting. */
  circuits(): Record<string, 'closed' | 'open' | 'half-open'>;
  /** Upstream hosts (base URLs) that currently have a pool, breaker and bulkhead. */
  hostCount(): number;
  close(): Promise<void>;
}

/**
 * The one way any upstream is called, so no upstream module re-implements (or forgets) a guard.
 * A call goes, outermost first, through: in-flight de-duplication (never across principals) and
 * the request's call budget; its host's entry in the bounded origin pool; one deadline for the
 * whole call; retries; the rate-limit throttle; the attempt's span and observer event; the host's
 * fair bulkhead; the 401 cool-down; the host's circuit breaker; and the HTTP GET (send-request.ts).
 * Each guard is its own policy module (src/http/*-policy.ts).
 */
export function createUpstreamClient(
  service: string,
  config: HttpConfig,
  classify?: ErrorClassifier,
  observer: UpstreamObserver = {},
): UpstreamClient {
  const clock = config.clock ?? systemClock;
  const hosts = createOriginPool<Host>({
    max: config.maxOrigins,
    create: newHost,
    close: (host) => host.pool.close(),
    refused: (max) =>
      markLocal(
        upstreamError(
          'UPSTREAM_UNAVAILABLE',
          info(service, null, null),
          `busy with ${max} other hosts of this upstream (UPSTREAM_MAX_ORIGINS)`,
        ),
      ),
  });
  const verdicts = createCredentialVerdicts({ cooldownMs: config.authCooldownMs, max: config.principalsMax });
  const inFlight = createInFlight<UpstreamResponse>();

  const policies: Policy[] = [
    deadlinePolicy(clock, config.timeoutMs),
    retryPolicy({
      service,
      clock,
      retries: config.retries,
      baseMs: config.retryBaseMs,
      maxDelayMs: config.retryMaxDelayMs,
      callsPerRequest: config.callsPerRequest,
      onRetry: observer.retry?.bind(observer),
    }),
  ];
  if (config.throttle) policies.push(throttlePolicy(service, config.throttle, clock, config.timeoutMs));
  policies.push(
    attemptTelemetry(service, observer),
    bulkheadPolicy(service, config.timeoutMs, verdicts),
    authCooldownPolicy(service, verdicts),
    breakerPolicy(service, config.breaker.samplesPerRequest),
  );
  const run = compose(policies, sendRequest({ service, maxBytes: config.maxBytes, timeoutMs: config.timeoutMs, classify, verdicts }));

  function newHost(baseUrl: string): Host {
    const url = new URL(baseUrl);
    const origin = url.origin;
    return {
      origin,
      host: url.host,
      basePath: url.pathname.replace(/\/+$/, ''),
      // undici's 300 s header and body timeouts would outlive any deadline we promise; bound them.
      pool: new Pool(origin, {
        connections: config.connections,
        connect: { timeout: config.timeoutMs },
        headersTimeout: config.timeoutMs,
        bodyTimeout: config.timeoutMs,
        maxResponseSize: config.maxBytes,
      }),
      breaker: createBreaker(config.breaker, (state) => observer.circuit?.({ service, origin, state })),
      bulkhead: createFairBulkhead({ slots: config.connections, queue: config.queueSize, share: config.principalShare }),
    };
  }

  function onHost(host: Host, call: UpstreamCall): Promise<UpstreamResponse> {
    call.host = host;
    return run(call);
  }

  function start(cancel: CallAbort, request: GetRequest, context: CallContext): Promise<UpstreamResponse> {
    spendCall(ledgerOf(context), config.callsPerRequest);
    const call: UpstreamCall = { request, context, cancel, host: undefined as unknown as Host, deadline: 0, attempt: 0 };
    // The host is in use (never evicted) until the last retry is done.
    return hosts.use(request.baseUrl, onHost, call);
  }

  const leaving = () => cancelledError(service);

  function get(request: GetRequest, context: CallContext): Promise<UpstreamResponse> {
    if (context.credential.kind === 'none') {
      return Promise.reject(
        new JobError(
          'UNAUTHENTICATED',
          context.credential.reason ?? 'no credentials: send an X-Auth-Token header, or configure CLOUD_SDK_AK and CLOUD_SDK_SK',
        ),
      );
    }
    const rejected = rejectedMomentsAgo(service, verdicts, context.principal, request.baseUrl);
    if (rejected) return Promise.reject(rejected);
    const ledger = ledgerOf(context);
    const key = dedupeKey(context.principal, request);
    // Only a call that starts costs the budget; joining one already on its way is free.
    if (!inFlight.has(key) && !budgetLeft(ledger, config.callsPerRequest)) {
      return Promise.reject(budgetExceeded(service, config.callsPerRequest));
    }
    return inFlight.join(key, start, context.signal, leaving, request, context);
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

/**
 * Each part length-prefixed, not joined with a separator: header values come from client ids, which
 * may contain `&`, `=` or any separator, so `a=x&b=y` could be one header or two. Exported for its
 * unit test.
 */
export function dedupeKey(principal: string, request: GetRequest): string {
  const query = request.query;
  let key = `${principal.length}:${principal}${request.baseUrl.length}:${request.baseUrl}${request.path.length}:${request.path}${
    query === undefined ? '-' : `${query.length}:${query}`
  }${request.projectId.length}:${request.projectId}`;
  const headers = request.headers;
  if (headers) {
    const names = Object.keys(headers);
    // Header names are case-insensitive; their order says nothing.
    const pairs = names.length === 1 ? names : names.sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
    for (const name of pairs) {
      const lower = name.toLowerCase();
      const value = headers[name]!;
      key += `${lower.length}:${lower}${value.length}:${value}`;
    }
  }
  return key;
}
