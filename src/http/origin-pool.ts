import { LRUCache } from 'lru-cache';

/** Every entry is busy and the map is full: a new origin cannot be added now. */
export class OriginLimitReached extends Error {
  constructor(readonly max: number) {
    super(`already talking to ${max} upstream hosts`);
  }
}

export interface OriginPoolOptions<H> {
  /** Most entries kept at once. */
  max: number;
  create(key: string): H;
  /** Frees what an entry holds (its sockets); called once, when it is evicted or the map is closed. */
  close(entry: H): Promise<void> | void;
  /** The error a new key is refused with while every entry is busy; OriginLimitReached by default. */
  refused?: (max: number) => Error;
}

export interface OriginPool<H> {
  /**
   * Runs `fn` with the entry for `key` (and `arg`, so a caller need not make a closure per call),
   * created on first use; an entry is never evicted while a call runs on it.
   */
  use<T, A = undefined>(key: string, fn: (entry: H, arg: A) => Promise<T>, arg?: A): Promise<T>;
  values(): H[];
  readonly size: number;
  close(): Promise<void>;
}

interface Slot<H> {
  entry: H;
  busy: number;
  /** Made once per entry, not per call. */
  release: () => void;
}

/**
 * Per-origin state (a connection pool, a breaker, a bulkhead) in a bounded map. Each distinct
 * upstream base URL costs memory and sockets, and the base URL comes from client input (the
 * region), so the map must not grow with it: when full, the least recently used idle entry is
 * closed to make room; when every entry has calls in flight, the new origin is refused rather
 * than a busy one torn down under its callers.
 */
export function createOriginPool<H>(options: OriginPoolOptions<H>): OriginPool<H> {
  // Eviction is done by hand (evictIdle) before every insert, so lru-cache's own never picks a busy entry.
  const slots = new LRUCache<string, Slot<H>>({ max: options.max });

  function evictIdle(): boolean {
    for (const key of slots.rkeys()) {
      const slot = slots.peek(key);
      if (slot && slot.busy === 0) {
        slots.delete(key);
        void Promise.resolve(options.close(slot.entry)).catch(() => undefined);
        return true;
      }
    }
    return false;
  }

  function slotFor(key: string): Slot<H> {
    const found = slots.get(key);
    if (found) return found;
    if (slots.size >= options.max && !evictIdle()) throw options.refused?.(options.max) ?? new OriginLimitReached(options.max);
    const slot: Slot<H> = {
      entry: options.create(key),
      busy: 0,
      release: () => {
        slot.busy--;
      },
    };
    slots.set(key, slot);
    return slot;
  }

  return {
    use<T, A>(key: string, fn: (entry: H, arg: A) => Promise<T>, arg?: A): Promise<T> {
      let slot: Slot<H>;
      try {
        slot = slotFor(key);
      } catch (error) {
        return Promise.reject(error);
      }
      slot.busy++;
      let result: Promise<T>;
      try {
        result = fn(slot.entry, arg as A);
      } catch (error) {
        slot.busy--;
        return Promise.reject(error);
      }
      result.then(slot.release, slot.release);
      return result;
    },
    values() {
      return [...slots.values()].map((slot) => slot.entry);
    },
    get size() {
      return slots.size;
    },
    async close() {
      const entries = [...slots.values()].map((slot) => slot.entry);
      slots.clear();
      await Promise.all(entries.map((entry) => options.close(entry)));
    },
  };
}
