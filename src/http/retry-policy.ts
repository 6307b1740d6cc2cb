import { JobError } from '../model/errors.js';
import { spendCall } from './call-budget.js';
import { sleep, type Clock } from './clock.js';
import { cancelledError, isDropped, isLocal } from './failure-kinds.js';
import { Cancelled } from './in-flight.js';
import { ledgerOf } from './request-ledger.js';
import { fullJitter } from './retry-after.js';
import { runNext, type Policy, type Step, type UpstreamCall } from './upstream-call.js';
import type { UpstreamObserver, UpstreamResponse } from './upstream-types.js';

export interface RetryOptions {
  service: string;
  clock: Clock;
  retries: number;
  baseMs: number;
  maxDelayMs: number;
  /** The request's call budget: a retry is an upstream call like any other. */
  callsPerRequest: number;
  onRetry?: UpstreamObserver['retry'];
}

const RETRY_STATUSES = new Set([429, 502, 503, 504]);

/** Whether an upstream failure is worth another try: the upstream was not there, or said "later". */
export function retryable(error: JobError): boolean {
  if (isLocal(error) || error.code !== 'UPSTREAM_UNAVAILABLE') return false;
  if (isDropped(error)) return true;
  const status = error.upstream?.status ?? null;
  return status === null || RETRY_STATUSES.has(status);
}

/**
 * Retries idempotent reads: after the upstream's Retry-After when it gave one, else exponential
 * backoff with full jitter; never past the call's deadline or the request's call budget.
 */
export function retryPolicy(options: RetryOptions): Policy {
  /** After the attempt `n` failed with `failure`: waits and tries again, or throws what ends the call. */
  async function retrying(call: UpstreamCall, next: Step, failure: unknown): Promise<UpstreamResponse> {
    let error = failure;
    for (let n = 0; ; n++) {
      if (!(error instanceof JobError) || n >= options.retries || !retryable(error)) throw error;
      const delay = error.retryAfterMs ?? fullJitter(n, options.baseMs, options.maxDelayMs);
      // A retry that cannot finish before the deadline only delays the inevitable error.
      if (options.clock.now() + delay >= call.deadline) throw error;
      if (!spendCall(ledgerOf(call.context), options.callsPerRequest)) throw error;
      options.onRetry?.({ service: options.service, origin: call.host.origin, delayMs: delay, code: error.code });
      try {
        await sleep(options.clock, delay, call.cancel);
      } catch {
        throw call.cancel.reason instanceof Cancelled ? cancelledError(options.service) : error;
      }
      call.attempt = n + 1;
      try {
        return await next(call);
      } catch (again) {
        error = again;
      }
    }
  }

  // The first try (nearly always the only one) needs no async layer: a reaction for its failure.
  return (call, next) => {
    call.attempt = 0;
    const first = runNext(next, call);
    return first.catch((error: unknown) => retrying(call, next, error));
  };
}
