import { Counter, Gauge, type Registry } from 'prom-client';

/** Fleet mode's metrics, on the gateway's own registry (served at /metrics with the others). */
export function createFleetMetrics(registry: Registry) {
  const registers = [registry];
  const gauge = (name: string, help: string) => new Gauge({ name, help, registers });
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Counter<L>({ name, help, labelNames, registers });
  return {
    up: gauge('redis_up', 'Fleet mode: 1 while Redis answers, 0 while the gateway runs on in-process state.'),
    leases: gauge('fleet_leases_held', 'Jobs this replica polls for the whole fleet (it holds their lease in Redis).'),
    cache: counter(
      'fleet_cache_lookups_total',
      'Terminal-job cache lookups by tier (local: in-process, redis: shared) and result (hit, miss, error).',
      ['tier', 'result'],
    ),
    messages: counter(
      'fleet_pubsub_messages_total',
      'Job updates published to the other replicas (published) and heard from the fleet (received).',
      ['direction'],
    ),
    rateLimit: counter(
      'fleet_rate_limit_total',
      'UPSTREAM_RATE_LIMIT decisions: now, waited, throttled (refused), local (Redis unreachable, decided in-process).',
      ['service', 'outcome'],
    ),
  };
}

export type FleetMetrics = ReturnType<typeof createFleetMetrics>;
