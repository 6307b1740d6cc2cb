import { sleep, type Clock } from './clock.js';
import { abortedError } from './failure-kinds.js';
import type { UpstreamThrottle } from './rate-limit.js';
import type { Policy, Step, UpstreamCall } from './upstream-call.js';
import type { UpstreamResponse } from './upstream-types.js';

/**
 * UPSTREAM_RATE_LIMIT: every attempt, retries too, spends the credential's quota, and the wait for
 * a slot counts against the deadline. The throttle refuses (UPSTREAM_THROTTLED) a slot it cannot give in time.
 */
export function throttlePolicy(service: string, throttle: UpstreamThrottle, clock: Clock, timeoutMs: number): Policy {
  async function waitThen(call: UpstreamCall, next: Step, wait: Promise<number> | number): Promise<UpstreamResponse> {
    const ms = await wait;
    if (ms > 0) {
      await sleep(clock, ms, call.cancel).catch((reason: unknown) => {
        throw abortedError(service, timeoutMs, reason);
      });
    }
    return next(call);
  }

  return (call, next) => {
    let wait: Promise<number> | number;
    try {
      wait = throttle.delay(service, call.context.principal, throttleBudget(call.deadline - clock.now()));
    } catch (error) {
      return Promise.reject(error);
    }
    // A slot free now needs no async layer of its own.
    return wait === 0 ? next(call) : waitThen(call, next, wait);
  };
}

/** The longest a call may wait for a rate-limit slot: what leaves the call itself time to finish (at least half the deadline, up to 1 s). */
export function throttleBudget(remainingMs: number): number {
  return remainingMs - Math.min(1000, remainingMs / 2);
}
