import { LRUCache } from 'lru-cache';

export interface CacheConfig {
  maxEntries: number;
  ttlMs: number;
}

/**
 * Jobs in a terminal state never change again, so repeat reads need no upstream call. Shared
 * across requests, so every key names the principal: a different caller asking for the same job
 * misses and goes upstream, where its own permissions are checked. Only terminal jobs and never
 * errors are stored.
 */
export interface TerminalJobCache {
  /** A promise only with a second tier (src/fleet: Redis shared by the replicas); in memory, an answer at once. */
  get(key: string): object | undefined | Promise<object | undefined>;
  /** `ttlMs`, when given, is what is left of the entry's life (a copy from the shared tier), at most the configured TTL. */
  set(key: string, job: object, ttlMs?: number): void;
  readonly size: number;
}

/** The in-process cache: answers at once. */
export interface LocalTerminalJobCache extends TerminalJobCache {
  get(key: string): object | undefined;
}

export function createTerminalJobCache(config: CacheConfig): LocalTerminalJobCache {
  if (config.maxEntries <= 0) return { get: () => undefined, set: () => undefined, size: 0 };
  const lru = new LRUCache<string, object>({ max: config.maxEntries, ttl: config.ttlMs });
  return {
    get: (key) => lru.get(key),
    set: (key, job, ttlMs) => void lru.set(key, job, ttlMs === undefined ? undefined : { ttl: Math.min(ttlMs, config.ttlMs) }),
    get size() {
      return lru.size;
    },
  };
}

/**
 * One upstream's view of the shared cache. Keys are only unique within an upstream (CFW and RDS
 * both key by principal, region, project and job id), so each upstream gets its own key space:
 * otherwise a CFW job would answer a dbJob query with the same id, without asking RDS.
 */
export function cacheFor(cache: TerminalJobCache, namespace: string): TerminalJobCache {
  const scoped = (key: string) => `${namespace}\n${key}`;
  return {
    get: (key) => cache.get(scoped(key)),
    set: (key, job, ttlMs) => cache.set(scoped(key), job, ttlMs),
    get size() {
      return cache.size;
    },
  };
}
