import { LRUCache } from 'lru-cache';
import type { CacheConfig } from '../config.js';
import { jsonSize } from '../model/json-size.js';
import { unownedKey } from './keys.js';

/**
 * Jobs in a terminal state never change again, so repeat reads need no upstream call. Shared
 * across requests, so every key names the principal: a different caller asking for the same job
 * misses and goes upstream, where its own permissions are checked. Only terminal jobs and never
 * errors are stored.
 */
export interface TerminalJobCache {
  /** A promise only with a second tier (src/fleet: Redis shared by the replicas); in memory, an answer at once. */
  get(key: string, principal?: string): object | undefined | Promise<object | undefined>;
  set(key: string, job: object, options?: CacheEntryOptions): void;
  /** Forgets every job cached for this principal: an upstream rejected its credentials. */
  dropPrincipal(principal: string): void;
  /** How long the entry is kept yet, in ms (0 when it is not held): an answer built from it may live no longer. */
  remainingMs(key: string): number;
  /**
   * False when nothing at all is cached for this principal, so any get of its keys misses (a fresh
   * token, most requests): the caller may skip building keys and looking up. Absent: look up.
   */
  holdsAny?(principal: string): boolean;
  readonly size: number;
}

export interface CacheEntryOptions {
  /** Files the entry under its owner, for dropPrincipal. */
  principal?: string | undefined;
  /** What is left of the entry's life (a copy from the shared tier), at most the configured TTL. */
  ttlMs?: number | undefined;
  /**
   * The job whoever reads it (the key without its principal, `cacheFor` sets it): an entry whose
   * model equals the last one cached under the same share key holds that model instead of its own.
   */
  shareKey?: string | undefined;
}

/** The in-process cache: answers at once. */
export interface LocalTerminalJobCache extends TerminalJobCache {
  get(key: string): object | undefined;
}

interface Entry {
  job: object;
  principal: string | undefined;
}

/**
 * `onDrop` hears every principal this tier drops, whoever asked (a 401 here, or another replica's
 * over Redis pub/sub), named as this tier names it: what is built from its jobs must go too.
 */
export function createTerminalJobCache(config: CacheConfig, onDrop?: (principal: string) => void): LocalTerminalJobCache {
  if (config.maxEntries <= 0) {
    return {
      get: () => undefined,
      set: () => undefined,
      dropPrincipal: () => undefined,
      remainingMs: () => 0,
      holdsAny: () => false,
      size: 0,
    };
  }
  // Each principal's keys, so dropping them costs what that principal has cached, not a scan of all.
  const byPrincipal = new Map<string, Set<string>>();
  const shared = createSharedModels();
  const lru = new LRUCache<string, Entry>({
    max: config.maxEntries,
    // Bounded in bytes too: a job with hundreds of sub-jobs is a hundred times a plain one, and the
    // heap is bounded (npm start, the Dockerfile). A job larger than the whole budget is not kept.
    maxSize: config.maxBytes,
    sizeCalculation: (entry) => Math.max(1, jsonSize(entry.job)),
    ttl: config.ttlMs,
    dispose: (entry, key) => {
      if (entry.principal === undefined) return;
      const keys = byPrincipal.get(entry.principal);
      keys?.delete(key);
      if (keys?.size === 0) byPrincipal.delete(entry.principal);
    },
  });
  return {
    get: (key) => lru.get(key)?.job,
    set(key, job, { principal, ttlMs, shareKey } = {}) {
      lru.set(
        key,
        { job: shared.intern(job, shareKey), principal },
        ttlMs === undefined ? undefined : { ttl: Math.min(ttlMs, config.ttlMs) },
      );
      if (principal === undefined || !lru.has(key)) return;
      let keys = byPrincipal.get(principal);
      if (!keys) byPrincipal.set(principal, (keys = new Set()));
      keys.add(key);
    },
    dropPrincipal(principal) {
      for (const key of [...(byPrincipal.get(principal) ?? [])]) lru.delete(key);
      byPrincipal.delete(principal);
      onDrop?.(principal);
    },
    remainingMs: (key) => lru.getRemainingTTL(key),
    // Every entry filed under a principal is in byPrincipal (set and dispose keep it so); one no
    // longer held at worst leaves a name here until its entry is looked up again: a lookup, not a miss.
    holdsAny: (principal) => byPrincipal.has(principal),
    get size() {
      return lru.size;
    },
  };
}

/**
 * One model per distinct terminal job, whoever read it. Keys stay per principal (each caller must
 * have read the job itself, with its own permissions), but a job read by a thousand callers is the
 * same model a thousand times: held once, a full cache of one-request tokens keeps ~12 MB less live
 * heap for V8 to mark (bench/findings.md). Only equal models are shared; models are never changed
 * once mapped. Held weakly: a model goes when its last entry does.
 *
 * With a share key (the job, whoever reads it) a new model is compared, without allocating, with
 * the last one cached under that key. Without one it is compared by its JSON text, which costs a
 * string the size of the job per entry (B: ~57 KB of garbage per request, bench/findings.md).
 */
function createSharedModels() {
  const byKey = new Map<string, WeakRef<object>>();
  const forget = new FinalizationRegistry<string>((key) => {
    if (byKey.get(key)?.deref() === undefined) byKey.delete(key);
  });
  function hold(key: string, job: object): object {
    byKey.set(key, new WeakRef(job));
    forget.register(job, key);
    return job;
  }
  return {
    intern(job: object, shareKey?: string): object {
      if (shareKey !== undefined) {
        const key = `k${shareKey}`;
        const held = byKey.get(key)?.deref();
        return held && sameModel(held, job) ? held : hold(key, job);
      }
      const key = `t${JSON.stringify(job)}`;
      return byKey.get(key)?.deref() ?? hold(key, job);
    },
  };
}

/**
 * Whether two job models hold the same data: plain objects, arrays and primitives, compared
 * member by member. Anything else (a Date, a class instance) is equal only to itself, so it is never
 * shared by mistake; nor is NaN.
 */
export function sameModel(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameModel(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b) || !isPlain(a) || !isPlain(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let keys = 0;
  for (const key in x) {
    if (!Object.hasOwn(y, key) || !sameModel(x[key], y[key])) return false;
    keys++;
  }
  for (const _ in y) keys--;
  return keys === 0;
}

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * One upstream's view of the shared cache. Keys are only unique within an upstream (CFW and RDS
 * both key by principal, region, project and job id), so each upstream gets its own key space:
 * otherwise a CFW job would answer a dbJob query with the same id, without asking RDS.
 */
export function cacheFor(cache: TerminalJobCache, namespace: string): TerminalJobCache {
  // The last key scoped, as a loader asks get then remainingMs (or set then remainingMs) of one key in a row.
  let lastKey: string | undefined;
  let lastScoped = '';
  const scoped = (key: string) => {
    if (key !== lastKey) {
      lastScoped = JSON.stringify([namespace, key]);
      lastKey = key;
    }
    return lastScoped;
  };
  return {
    get: (key, principal) => cache.get(scoped(key), principal),
    // The key without its principal names the job for every reader: their equal models are held once.
    set: (key, job, options) => cache.set(scoped(key), job, { ...options, shareKey: `${namespace}/${unownedKey(key) ?? key}` }),
    dropPrincipal: (principal) => cache.dropPrincipal(principal),
    remainingMs: (key) => cache.remainingMs(scoped(key)),
    holdsAny: (principal) => cache.holdsAny?.(principal) ?? true,
    get size() {
      return cache.size;
    },
  };
}
