import DataLoader from 'dataloader';
import { JobError } from '../model/errors.js';
import { readChangeable, readTerminal, type RequestLedger } from '../http/request-ledger.js';
import type { TerminalJobCache } from './terminal-cache.js';

/** How loaders batch and how often the terminal-job cache answers, for metrics. */
export interface LoaderObserver {
  batch?(service: string, size: number): void;
  cache?(service: string, hit: boolean): void;
}

export interface JobLoaderOptions<K, V> {
  /** The upstream, as metrics name it. */
  service: string;
  observer?: LoaderObserver | undefined;
  /**
   * Stable, unambiguous string for a key within this request's loader (a JSON tuple of region,
   * project, id...). The loader serves one principal, so the principal need not be part of it.
   */
  keyOf(key: K): string;
  /**
   * The key's name in the shared terminal cache (required with `cache`): it outlives the request, so
   * it must include the principal as well as everything `keyOf` names.
   */
  cacheKeyOf?(key: K): string;
  /** One upstream read for one job. Rejects with a typed JobError. */
  fetch(key: K): Promise<V>;
  /** Shared terminal-job cache; values are kept only when `isTerminal` says so. */
  cache?: TerminalJobCache;
  isTerminal?(value: V): boolean;
  /**
   * Whose request this loader serves: its cached jobs are filed under it, and an upstream's
   * UNAUTHENTICATED for it drops them all, so a revoked token stops reading from the cache at once.
   */
  principal?: string;
  /**
   * The request's call, whose ledger hears what each read proves about the answer (answer-cache.ts):
   * a job read through the terminal cache and held there proves it may be cached; anything else
   * forbids it, unless `relays`.
   */
  call: { ledger?: RequestLedger };
  /** A view over other loaders of this request (and what they read): its own reads prove nothing either way. */
  relays?: boolean;
}

/**
 * A per-request DataLoader over an API that reads one job per call: a batch is every distinct key
 * asked in one tick, fetched in one parallel wave. Each result is built from its own key's call
 * (never matched by position), and a failed key is dropped from the loader's cache so a later
 * field in the same request may try again.
 */
export function createJobLoader<K, V extends object>(options: JobLoaderOptions<K, V>): DataLoader<K, V, string> {
  const { service, observer, keyOf, cacheKeyOf, fetch, cache, isTerminal, principal, call, relays } = options;
  if (cache && !cacheKeyOf) throw new Error('createJobLoader: a cache needs cacheKeyOf, a key naming the principal');
  const loader: DataLoader<K, V, string> = new DataLoader<K, V, string>(
    (keys) => {
      observer?.batch?.(service, keys.length);
      return Promise.all(
        keys.map(async (key): Promise<V | Error> => {
          const cacheKey = cache ? cacheKeyOf!(key) : '';
          const cached = cache?.get(cacheKey, principal);
          // Only a shared (Redis) tier answers later; the in-memory cache costs no extra tick.
          const hit = (cached instanceof Promise ? await cached : cached) as V | undefined;
          if (cache) observer?.cache?.(service, hit !== undefined);
          if (hit) {
            readTerminal(call, isTerminal?.(hit) ? cache!.remainingMs(cacheKey) : 0);
            return hit;
          }
          try {
            const value = await fetch(key);
            if (cache && isTerminal?.(value)) {
              cache.set(cacheKey, value, { principal });
              readTerminal(call, cache.remainingMs(cacheKey));
            } else if (!relays) readChangeable(call);
            return value;
          } catch (error) {
            readChangeable(call);
            loader.clear(key);
            if (principal !== undefined && error instanceof JobError && error.code === 'UNAUTHENTICATED') cache?.dropPrincipal(principal);
            return error instanceof Error ? error : new Error(String(error));
          }
        }),
      );
    },
    { cacheKeyFn: keyOf },
  );
  return loader;
}
