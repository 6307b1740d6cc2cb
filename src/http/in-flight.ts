import { CallAbort } from './call-abort.js';
import type { CallerSignal } from './upstream-types.js';

/** The reason a shared call is aborted when every caller has left. */
export class Cancelled extends Error {}

interface Shared<T> {
  key: string;
  promise: Promise<T>;
  cancel: CallAbort;
  waiters: number;
  /** Callers with a signal, each answered on its own (a caller that leaves is answered at once). */
  joiners: Joiner<T>[];
  /** The map it is listed in, until it settles or every caller has left. */
  calls: Map<string, Shared<T>>;
}

/** No joiners yet (or any more): shared, never pushed to (join replaces it with an array of its own). */
const NONE: readonly Joiner<unknown>[] = Object.freeze([]);

interface Joiner<T> {
  shared: Shared<T>;
  signal: CallerSignal;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
  leaving: () => Error;
}

/**
 * Callers still waiting, per caller signal (a GraphQL request's). One abort listener per signal,
 * however many calls the request waits on: a listener per call cost an EventTarget round trip each.
 */
const waiting = new WeakMap<CallerSignal, Set<Joiner<unknown>>>();

function waitOn(joiner: Joiner<unknown>): void {
  let set = waiting.get(joiner.signal);
  if (!set) {
    const joiners = new Set<Joiner<unknown>>();
    set = joiners;
    waiting.set(joiner.signal, joiners);
    joiner.signal.addEventListener(
      'abort',
      () => {
        for (const j of joiners) leave(j);
        joiners.clear();
      },
      { once: true },
    );
  }
  set.add(joiner);
}

function leave(joiner: Joiner<unknown>): void {
  const shared = joiner.shared;
  const at = shared.joiners.indexOf(joiner);
  if (at < 0) return;
  shared.joiners.splice(at, 1);
  if (--shared.waiters === 0) {
    // Gone at once, so a caller arriving while the cancelled call winds down starts a fresh one.
    forget(shared);
    shared.cancel.abort(new Cancelled());
  }
  joiner.reject(joiner.leaving());
}

function forget<T>(shared: Shared<T>): void {
  if (shared.calls.get(shared.key) === shared) shared.calls.delete(shared.key);
}

function settle<T>(shared: Shared<T>, ok: boolean, result: unknown): void {
  forget(shared);
  const joiners = shared.joiners;
  shared.joiners = NONE as Joiner<T>[];
  for (const joiner of joiners) {
    waiting.get(joiner.signal)?.delete(joiner as Joiner<unknown>);
    if (ok) joiner.resolve(result as T);
    else joiner.reject(result);
  }
}

/**
 * Concurrent callers with the same key share one call. The call gets its own CallAbort and is
 * aborted (with a `Cancelled` reason) only when every caller has left; a caller that leaves is
 * answered with `leaving()` at once. Keys are the caller's business: they must name the principal.
 * `start` is called with `a` and `b`, so a caller need not make a closure per call.
 */
export function createInFlight<T>() {
  const calls = new Map<string, Shared<T>>();

  return {
    join<A = undefined, B = undefined>(
      key: string,
      start: (cancel: CallAbort, a: A, b: B) => Promise<T>,
      signal: CallerSignal | undefined,
      leaving: () => Error,
      a?: A,
      b?: B,
    ): Promise<T> {
      let shared = calls.get(key);
      if (!shared) {
        // A caller already gone starts nothing.
        if (signal?.aborted) return Promise.reject(leaving());
        const cancel = new CallAbort();
        const fresh: Shared<T> = {
          key,
          cancel,
          waiters: 0,
          joiners: NONE as Joiner<T>[],
          promise: undefined as unknown as Promise<T>,
          calls,
        };
        calls.set(key, fresh);
        fresh.promise = start(cancel, a as A, b as B);
        fresh.promise.then(
          (value) => settle(fresh, true, value),
          (error: unknown) => settle(fresh, false, error),
        );
        shared = fresh;
      }
      shared.waiters++;
      if (!signal) return shared.promise;
      const joined = shared;
      return new Promise<T>((resolve, reject) => {
        const joiner: Joiner<T> = { shared: joined, signal, resolve, reject, leaving };
        // Most calls have one caller: an array made for one, not an empty one grown on push.
        if (joined.joiners.length === 0) joined.joiners = [joiner];
        else joined.joiners.push(joiner);
        if (signal.aborted) leave(joiner as Joiner<unknown>);
        else waitOn(joiner as Joiner<unknown>);
      });
    },
    /** True while a call with this key is on its way (joining it costs no upstream call). */
    has(key: string): boolean {
      return calls.has(key);
    },
    get size(): number {
      return calls.size;
    },
  };
}
