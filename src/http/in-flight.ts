/** The reason a shared call is aborted when every caller has left. */
export class Cancelled extends Error {}

interface Shared<T> {
  promise: Promise<T>;
  controller: AbortController;
  waiters: number;
}

/**
 * Concurrent callers with the same key share one call. The call gets its own AbortController and
 * is aborted (with a `Cancelled` reason) only when every caller has left; a caller that leaves is
 * answered with `leaving()` at once. Keys are the caller's business: they must name the principal.
 */
export function createInFlight<T>() {
  const calls = new Map<string, Shared<T>>();

  function forget(key: string, shared: Shared<T>): void {
    if (calls.get(key) === shared) calls.delete(key);
  }

  return {
    join(
      key: string,
      start: (controller: AbortController) => Promise<T>,
      signal: AbortSignal | undefined,
      leaving: () => Error,
    ): Promise<T> {
      let shared = calls.get(key);
      if (!shared) {
        const controller = new AbortController();
        const call: Shared<T> = { controller, waiters: 0, promise: start(controller) };
        const done = () => forget(key, call);
        call.promise.then(done, done);
        calls.set(key, call);
        shared = call;
      }
      const joined = shared;
      joined.waiters++;
      if (!signal) return joined.promise;
      return new Promise<T>((resolve, reject) => {
        const leave = () => {
          if (--joined.waiters === 0) {
            // Gone at once, so a caller arriving while the cancelled call winds down starts a fresh one.
            forget(key, joined);
            joined.controller.abort(new Cancelled());
          }
          reject(leaving());
        };
        if (signal.aborted) return leave();
        signal.addEventListener('abort', leave, { once: true });
        joined.promise.then(
          (value) => {
            signal.removeEventListener('abort', leave);
            resolve(value);
          },
          (error: unknown) => {
            signal.removeEventListener('abort', leave);
            reject(error);
          },
        );
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
