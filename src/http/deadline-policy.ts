import type { CallAbort } from './call-abort.js';
import type { Clock } from './clock.js';
import { DeadlineExceeded } from './failure-kinds.js';
import type { Policy } from './upstream-call.js';

/** One deadline for the whole call, retries, waits and queueing included: at it, the call is aborted. */
export function deadlinePolicy(clock: Clock, timeoutMs: number): Policy {
  return async (call, next) => {
    call.deadline = clock.now() + timeoutMs;
    const timer = clock.setTimeout(abortAtDeadline, timeoutMs, call.cancel);
    try {
      return await next(call);
    } finally {
      clock.clearTimeout(timer);
    }
  };
}

function abortAtDeadline(cancel: CallAbort): void {
  cancel.abort(new DeadlineExceeded());
}
