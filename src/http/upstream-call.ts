import type { Pool } from 'undici';
import type { CircuitBreakerPolicy } from 'cockatiel';
import type { CallAbort } from './call-abort.js';
import type { FairBulkhead } from './fair-bulkhead.js';
import type { CallContext, GetRequest, UpstreamResponse } from './upstream-types.js';

/** What the client keeps per upstream host (base URL): its connections, circuit and bulkhead. */
export interface Host {
  pool: Pool;
  origin: string;
  host: string;
  basePath: string;
  breaker: CircuitBreakerPolicy;
  bulkhead: FairBulkhead;
}

/**
 * One upstream call on its way through the policies: made once per call (not per attempt), and
 * filled in as it goes, so no policy needs a closure per call to pass state to the next.
 */
export interface UpstreamCall {
  readonly request: GetRequest;
  readonly context: CallContext;
  /** The call's only cancellation: aborted when every caller left (Cancelled) or at the deadline. */
  readonly cancel: CallAbort;
  /** Set by the origin policy. */
  host: Host;
  /** When the whole call must be done (clock milliseconds); set by the deadline policy. */
  deadline: number;
  /** 0 for the first try, 1 for the first retry, ... */
  attempt: number;
}

export type Step = (call: UpstreamCall) => Promise<UpstreamResponse>;
/** A guard around the rest of the call: does its part and calls `next` (or refuses to). */
export type Policy = (call: UpstreamCall, next: Step) => Promise<UpstreamResponse>;

/** `policies[0]` outermost; the steps are made once here, so a call allocates no wrapper of its own. */
export function compose(policies: readonly Policy[], last: Step): Step {
  return policies.reduceRight<Step>((next, policy) => (call) => policy(call, next), last);
}

/**
 * `next(call)` as a promise even when a step throws before it has one: the policies that hook
 * reactions on the rest of the call (instead of an async layer each) need a promise to hook them on.
 */
export function runNext(next: Step, call: UpstreamCall): Promise<UpstreamResponse> {
  try {
    return next(call);
  } catch (error) {
    return Promise.reject(error);
  }
}
