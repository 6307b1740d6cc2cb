import type { Clock } from './clock.js';
import { DeadlineExceeded } from './failure-kinds.js';
import type { Policy } from './upstream-call.js';

/** One deadline for the whole call, retries, waits and queueing included: at it, the call's signal aborts. */
export function deadlinePolicy(clock: Clock, timeoutMs: number): Policy {
  return async (call, next) => {
    call.deadline = clock.now() + timeoutMs;
    const timer = clock.setTimeout(abortAtDeadline, timeoutMs, call.controller);
    try {
      return await next(call);
    } finally {
      clock.clearTimeout(timer);
    }
  };
}

function abortAtDeadline(controller: AbortController): void {
  controller.abort(new DeadlineExceeded());
}
