import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { UpstreamObserver } from '../http/upstream-client.js';
import type { LoaderObserver } from '../upstreams/job-loader.js';

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The gateway's Prometheus metrics, in a registry of its own (not prom-client's global one) so
 * that several gateways in one process, as in tests, never share counters.
 */
export function createMetrics(options: { processMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests served, by method, path and status.',
      labelNames: ['method', 'path', 'status'] as const,
      buckets: SECONDS,
      registers,
    }),
    operations: new Counter({
      name: 'graphql_operations_total',
      help: 'GraphQL operations executed, by operation type.',
      labelNames: ['type'] as const,
      registers,
    }),
    preparedOperations: new Counter({
      name: 'graphql_prepared_operations_total',
      help: 'Queries answered on the fast path: a document already validated, executed without the yoga pipeline.',
      registers,
    }),
    answerCacheHits: new Counter({
      name: 'graphql_answer_cache_hits_total',
      help: 'Fast-path queries answered from the per-principal answer cache (made only of terminal jobs), without executing.',
      registers,
    }),
    errors: new Counter({
      name: 'graphql_errors_total',
      help: 'GraphQL errors returned, by extensions.code.',
      labelNames: ['code'] as const,
      registers,
    }),
    upstreamDuration: new Histogram({
      name: 'upstream_request_duration_seconds',
      help: 'Upstream call attempts, by service, outcome (ok or error code) and status class.',
      labelNames: ['service', 'outcome', 'status_class'] as const,
      buckets: SECONDS,
      registers,
    }),
    upstreamRetries: new Counter({
      name: 'upstream_retries_total',
      help: 'Upstream calls retried, by service and the error that caused the retry.',
      labelNames: ['service', 'code'] as const,
      registers,
    }),
    circuitState: new Gauge({
      name: 'upstream_circuit_state',
      help: 'Circuit breaker per upstream host: 0 closed, 1 open, 2 half-open.',
      labelNames: ['service', 'origin'] as const,
      registers,
    }),
    loaderBatchSize: new Histogram({
      name: 'loader_batch_size',
      help: 'Distinct jobs per dataloader batch (one batch is one wave of upstream calls), by service.',
      labelNames: ['service'] as const,
      buckets: [1, 2, 5, 10, 20, 50, 100],
      registers,
    }),
    cacheLookups: new Counter({
      name: 'terminal_cache_lookups_total',
      help: 'Terminal-job cache lookups, by service and result (hit or miss).',
      labelNames: ['service', 'result'] as const,
      registers,
    }),
    subscriptions: new Gauge({ name: 'subscriptions_active', help: 'Open jobUpdated subscriptions.', registers }),
    pollers: new Gauge({ name: 'pollers_active', help: 'Upstream pollers serving subscriptions (one per job and principal).', registers }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

const CIRCUIT_VALUE = { closed: 0, open: 1, 'half-open': 2 } as const;

const STATUS_CLASSES = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx'];

function statusClassOf(status: number | null): string {
  if (status === null) return 'none';
  const hundreds = Math.floor(status / 100);
  return STATUS_CLASSES[hundreds] ?? `${hundreds}xx`;
}

type Observe = Pick<ReturnType<Metrics['upstreamDuration']['labels']>, 'observe'>;

/**
 * The upstream histogram's children, one per (service, outcome, status class), looked up in nested
 * maps: every attempt observes one, and `labels()` or a labels object would be made per attempt.
 */
function attemptDurations(histogram: Metrics['upstreamDuration']): (service: string, outcome: string, statusClass: string) => Observe {
  const byService = new Map<string, Map<string, Map<string, Observe>>>();
  return (service, outcome, statusClass) => {
    let byOutcome = byService.get(service);
    if (!byOutcome) byService.set(service, (byOutcome = new Map()));
    let byStatus = byOutcome.get(outcome);
    if (!byStatus) byOutcome.set(outcome, (byStatus = new Map()));
    let child = byStatus.get(statusClass);
    if (!child) byStatus.set(statusClass, (child = histogram.labels({ service, outcome, status_class: statusClass })));
    return child;
  };
}

export function metricsObserver(metrics: Metrics): UpstreamObserver & LoaderObserver {
  const durations = attemptDurations(metrics.upstreamDuration);
  return {
    attempt(event) {
      durations(event.service, event.outcome, statusClassOf(event.status)).observe(event.durationMs / 1000);
    },
    retry(event) {
      metrics.upstreamRetries.inc({ service: event.service, code: event.code });
    },
    circuit(event) {
      metrics.circuitState.set({ service: event.service, origin: event.origin }, CIRCUIT_VALUE[event.state]);
    },
    batch(service, size) {
      metrics.loaderBatchSize.observe({ service }, size);
    },
    cache(service, hit) {
      metrics.cacheLookups.inc({ service, result: hit ? 'hit' : 'miss' });
    },
  };
}

/** Several observers as one: logging and metrics both watch the same upstream calls. */
export function combineObservers<T extends object>(...observers: T[]): T {
  const combined: Record<string, (...args: unknown[]) => void> = {};
  for (const observer of observers) {
    for (const [name, hook] of Object.entries(observer) as [string, (...args: unknown[]) => void][]) {
      const previous = combined[name];
      combined[name] = previous
        ? (...args) => {
            previous(...args);
            hook(...args);
          }
        : hook;
    }
  }
  return combined as T;
}
