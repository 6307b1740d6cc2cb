import { Counter, Gauge, type Registry } from 'prom-client';

/** Fleet mode's metrics, on the gateway's own registry (served at /metrics with the others). */
export function createFleetMetrics(registry: Registry) {
  const registers = [registry];
  return {
    up: new Gauge({ name: 'redis_up', help: 'Fleet mode: 1 while Redis answers, 0 while the gateway runs on in-process state.', registers }),
    leases: new Gauge({
      name: 'fleet_leases_held',
      help: 'Jobs this replica polls for the whole fleet (it holds their lease in Redis).',
      registers,
    }),
    cache: new Counter({
      name: 'fleet_cache_lookups_total',
      help: 'Terminal-job cache lookups by tier (local: in-process, redis: shared) and result (hit, miss, error).',
      labelNames: ['tier', 'result'] as const,
      registers,
    }),
    messages: new Counter({
      name: 'fleet_pubsub_messages_total',
      help: 'Job updates published to the other replicas (published) and heard from the fleet (received).',
      labelNames: ['direction'] as const,
      registers,
    }),
    rateLimit: new Counter({
      name: 'fleet_rate_limit_total',
      help: 'UPSTREAM_RATE_LIMIT decisions: now, waited, throttled (refused), local (Redis unreachable, decided in-process).',
      labelNames: ['service', 'outcome'] as const,
      registers,
    }),
  };
}

export type FleetMetrics = ReturnType<typeof createFleetMetrics>;
