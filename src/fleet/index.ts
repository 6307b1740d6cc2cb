/**
 * Fleet mode (REDIS_URL): several replicas behind a load balancer share, through one Redis,
 * the terminal-job cache, one poller per (job, principal), and UPSTREAM_RATE_LIMIT. Loaded only
 * when REDIS_URL is set (server/gateway.ts's loadFleet). Nothing secret goes to Redis: keys are
 * digests of principal and job, values are job models and error texts already shown to callers.
 */
import { fleetThrottle } from './rate-limit.js';
import { createFleetMetrics } from './metrics.js';
import { connectRedis, digest } from './redis-link.js';
import { sharedTerminalCache } from './shared-cache.js';
import type { Fleet, FleetDeps } from './types.js';
import { createWatchCoordinator } from './watch-coordinator.js';

export function createFleet(deps: FleetDeps): Fleet {
  const metrics = createFleetMetrics(deps.registry);
  const redis = connectRedis(deps.config, deps.logger, metrics);
  const watches = createWatchCoordinator(redis, deps.pollIntervalMs, metrics);
  return {
    sharedCache: (local) => sharedTerminalCache(local, redis, deps.cacheTtlMs, metrics),
    cacheOwner: digest,
    watches,
    throttle: deps.rateLimits ? fleetThrottle(deps.rateLimits, redis, metrics) : undefined,
    async close() {
      watches.close();
      await redis.close();
    },
  };
}
