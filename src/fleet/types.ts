/**
 * Fleet mode's contract with the rest of the gateway. Types only: importing this file loads no
 * Redis code; src/fleet/index.ts (ioredis) is imported dynamically, and only when REDIS_URL is set.
 */
import type { Registry } from 'prom-client';
import type { FleetConfig, RateLimits } from '../config.js';
import type { UpstreamThrottle } from '../http/rate-limit.js';
import type { WatchCoordinator } from '../live/watch-hub.js';
import type { Logger } from '../server/logger.js';
import type { LocalTerminalJobCache, TerminalJobCache } from '../upstreams/terminal-cache.js';

export interface FleetDeps {
  config: FleetConfig;
  logger: Logger;
  /** The gateway's metrics registry: redis_up and fleet_* are added to it. */
  registry: Registry;
  pollIntervalMs: number;
  cacheTtlMs: number;
  rateLimits: RateLimits | null;
}

export interface Fleet {
  /** The terminal-job cache with Redis as a second tier behind the in-process `local` one. */
  sharedCache(local: LocalTerminalJobCache): TerminalJobCache;
  /** How the shared cache names a principal to the local tier (in its drops, over pub/sub too): a digest. */
  cacheOwner(principal: string): string;
  /** One poller per (job, principal) across the replicas. */
  watches: WatchCoordinator;
  /** UPSTREAM_RATE_LIMIT across the replicas (undefined when no limit is configured). */
  throttle: UpstreamThrottle | undefined;
  close(): Promise<void>;
}

export type FleetFactory = (deps: FleetDeps) => Fleet;
