import type { CallAbort } from './call-abort.js';

/**
 * The timers the upstream client and the watch hub schedule with, injected so tests can drive time
 * (vitest's fake timers, or a hand-made clock) instead of sleeping. `setTimeout` passes `arg` to
 * `fn`, so a caller can hand over a function made once instead of a closure per call.
 */
export interface Clock {
  /** Milliseconds since the epoch, as Date.now(). */
  now(): number;
  setTimeout<A>(fn: (arg: A) => void, ms: number, arg: A): unknown;
  clearTimeout(handle: unknown): void;
}

/** The process's own timers, looked up at call time (so vi.useFakeTimers() replaces them too). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms, arg) => setTimeout(fn, ms, arg),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Resolves after `ms`, or rejects with the abort's reason as soon as the call is aborted. */
export function sleep(clock: Clock, ms: number, cancel: CallAbort): Promise<void> {
  if (cancel.aborted) return Promise.reject(cancel.reason);
  return new Promise((resolve, reject) => {
    const handle = clock.setTimeout(
      () => {
        cancel.settled();
        resolve();
      },
      ms,
      undefined,
    );
    cancel.onAbort((reason) => {
      clock.clearTimeout(handle);
      reject(reason);
    });
  });
}
