import type { Clock } from './clock.js';
import { DeadlineExceeded } from './failure-kinds.js';
import { runNext, type Policy, type UpstreamCall } from './upstream-call.js';

/** A call still running, in the client's list of deadlines (oldest first). */
interface Running {
  call: UpstreamCall;
  prev: Running | undefined;
  next: Running | undefined;
}

/**
 * One deadline for the whole call, retries, waits and queueing included: at it, the call is aborted.
 *
 * Every call gets the same `timeoutMs` from its start, so deadlines fall due in start order: the
 * client keeps its running calls in one list, oldest first, and one timer for the oldest, instead
 * of a timer set and cleared per call. A call that ends leaves the list at once; the timer, left
 * as it is, finds the next deadline when it fires. (Should the wall clock step back, a later call
 * may fall due before an earlier one; it is then aborted when the earlier one is, late by the step.)
 */
export function deadlinePolicy(clock: Clock, timeoutMs: number): Policy {
  let oldest: Running | undefined;
  let newest: Running | undefined;
  let timer: unknown;

  function arm(first: Running): void {
    timer = clock.setTimeout(expire, Math.max(0, first.call.deadline - clock.now()), undefined);
  }

  function expire(): void {
    timer = undefined;
    const now = clock.now();
    while (oldest && oldest.call.deadline <= now) {
      const due = oldest;
      remove(due);
      due.call.cancel.abort(new DeadlineExceeded());
    }
    if (oldest && timer === undefined) arm(oldest);
  }

  function add(call: UpstreamCall): Running {
    const running: Running = { call, prev: newest, next: undefined };
    if (newest) newest.next = running;
    else oldest = running;
    newest = running;
    if (timer === undefined) arm(running);
    return running;
  }

  function remove(running: Running): void {
    const { prev, next } = running;
    // Already removed (it expired, then its call ended).
    if (!prev && oldest !== running) return;
    if (prev) prev.next = next;
    else oldest = next;
    if (next) next.prev = prev;
    else newest = prev;
    running.prev = running.next = undefined;
    // Nothing left to time: no timer keeps the process (or a test's clock) waiting.
    if (!oldest && timer !== undefined) {
      clock.clearTimeout(timer);
      timer = undefined;
    }
  }

  return (call, next) => {
    call.deadline = clock.now() + timeoutMs;
    const running = add(call);
    const ended = () => remove(running);
    const result = runNext(next, call);
    // Handled here and passed on as it is: the caller sees the call's own promise, not one of ours.
    result.then(ended, ended);
    return result;
  };
}
