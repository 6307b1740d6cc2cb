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
   * Stable, unambiguous string for a key within this request's loader: its validated parts (region,
   * project, id...) joined with `/` (keys.ts). The loader serves one principal, so the principal
   * need not be part of it.
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
 *
 * Per key, plain functions and one `then` rather than an async function per key and Promise.all:
 * a key the in-memory cache answers costs no promise, a fetched one only its fetch and one step.
 */
export function createJobLoader<K, V extends object>(options: JobLoaderOptions<K, V>): DataLoader<K, V, string> {
  const { service, observer, keyOf, cacheKeyOf, fetch, cache, isTerminal, principal, call, relays } = options;
  if (cache && !cacheKeyOf) throw new Error('createJobLoader: a cache needs cacheKeyOf, a key naming the principal');

  /** Files the key's answer in its batch: from the terminal cache, or a fetch started in key order. */
  function read(key: K, index: number, batch: Batch<V>): void {
    // A principal the cache holds nothing for (every fresh token) misses without a key being built.
    if (!cache || (principal !== undefined && cache.holdsAny?.(principal) === false)) {
      if (cache) observer?.cache?.(service, false);
      start(key, index, batch);
      return;
    }
    const cacheKey = cacheKeyOf!(key);
    const cached = cache.get(cacheKey, principal) as V | undefined | Promise<V | undefined>;
    // Only a shared (Redis) tier answers later; the in-memory cache costs no extra tick.
    if (!(cached instanceof Promise)) {
      answer(key, index, batch, cacheKey, cached);
      return;
    }
    batch.wait();
    cached.then(
      (found) => {
        try {
          answer(key, index, batch, cacheKey, found);
          batch.release();
        } catch (error) {
          batch.fail(error);
        }
      },
      (error: unknown) => batch.fail(error),
    );
  }

  function answer(key: K, index: number, batch: Batch<V>, cacheKey: string, found: V | undefined): void {
    observer?.cache?.(service, found !== undefined);
    if (found) {
      readTerminal(call, isTerminal?.(found) ? cache!.remainingMs(cacheKey) : 0);
      batch.put(index, found);
    } else start(key, index, batch);
  }

  function start(key: K, index: number, batch: Batch<V>): void {
    let fetching: Promise<V>;
    try {
      fetching = fetch(key);
    } catch (error) {
      batch.put(index, failed(key, error));
      return;
    }
    batch.wait();
    fetching.then(
      (value) => batch.settle(index, fetched(key, value)),
      (error: unknown) => batch.settle(index, failed(key, error)),
    );
  }

  function fetched(key: K, value: V): V | Error {
    try {
      if (cache && isTerminal?.(value)) {
        const cacheKey = cacheKeyOf!(key);
        cache.set(cacheKey, value, { principal });
        readTerminal(call, cache.remainingMs(cacheKey));
      } else if (!relays) readChangeable(call);
      return value;
    } catch (error) {
      return failed(key, error);
    }
  }

  function failed(key: K, error: unknown): Error {
    readChangeable(call);
    loader.clear(key);
    if (principal !== undefined && error instanceof JobError && error.code === 'UNAUTHENTICATED') cache?.dropPrincipal(principal);
    return error instanceof Error ? error : new Error(String(error));
  }

  const loader: DataLoader<K, V, string> = new DataLoader<K, V, string>(
    (keys) => {
      observer?.batch?.(service, keys.length);
      const batch = new Batch<V>(keys.length);
      for (let i = 0; i < keys.length; i++) read(keys[i]!, i, batch);
      return batch.seal();
    },
    { cacheKeyFn: keyOf },
  );
  return loader;
}

/**
 * A batch's results, settled when its last pending key is: a counter instead of Promise.all's
 * element promises and closures. Only a shared tier's failed read rejects it (every fetch failure
 * becomes its key's Error), as Promise.all over the keys did.
 */
class Batch<V> {
  private readonly results: Array<V | Error>;
  private left = 0;
  private resolve?: (results: Array<V | Error>) => void;
  private reject?: (error: unknown) => void;

  constructor(size: number) {
    this.results = new Array<V | Error>(size);
  }

  put(index: number, value: V | Error): void {
    this.results[index] = value;
  }

  /** One more key to wait for. */
  wait(): void {
    this.left++;
  }

  settle(index: number, value: V | Error): void {
    this.results[index] = value;
    this.release();
  }

  release(): void {
    if (--this.left === 0) this.resolve?.(this.results);
  }

  fail(error: unknown): void {
    this.reject?.(error);
  }

  /** Called once every key is read or waited for: a pending key settles a tick later at the earliest. */
  seal(): Promise<Array<V | Error>> {
    if (this.left === 0) return Promise.resolve(this.results);
    return new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}
