import { sleep, type Clock } from './clock.js';
import { abortedError } from './failure-kinds.js';
import type { UpstreamThrottle } from './rate-limit.js';
import type { Policy } from './upstream-call.js';

/**
 * UPSTREAM_RATE_LIMIT: every attempt, retries too, spends the credential's quota, and the wait for
 * a slot counts against the deadline. The throttle refuses (UPSTREAM_THROTTLED) a slot it cannot give in time.
 */
export function throttlePolicy(service: string, throttle: UpstreamThrottle, clock: Clock, timeoutMs: number): Policy {
  return async (call, next) => {
    const wait = await throttle.delay(service, call.context.principal, throttleBudget(call.deadline - clock.now()));
    if (wait > 0) {
      const signal = call.controller.signal;
      await sleep(clock, wait, signal).catch(() => {
        throw abortedError(service, timeoutMs, signal);
      });
    }
    return next(call);
  };
}

/** The longest a call may wait for a rate-limit slot: what leaves the call itself time to finish (at least half the deadline, up to 1 s). */
export function throttleBudget(remainingMs: number): number {
  return remainingMs - Math.min(1000, remainingMs / 2);
}
