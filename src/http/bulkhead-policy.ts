import { JobError } from '../model/errors.js';
import type { CredentialVerdicts } from './credential-verdicts.js';
import { upstreamError } from './error-map.js';
import { BulkheadFull, type FairBulkhead } from './fair-bulkhead.js';
import { abortedError, info, markLocal } from './failure-kinds.js';
import { runNext, type Policy, type Step, type UpstreamCall } from './upstream-call.js';
import type { UpstreamResponse } from './upstream-types.js';

/**
 * The host's fair bulkhead (fair-bulkhead.ts): a call waits for a slot under its tenant (see
 * CredentialVerdicts.tenantOf) and leaves the queue when it is aborted. A full queue is
 * UPSTREAM_UNAVAILABLE, ours, not retried.
 */
export function bulkheadPolicy(service: string, timeoutMs: number, verdicts: CredentialVerdicts): Policy {
  function holding(bulkhead: FairBulkhead, tenant: string, call: UpstreamCall, next: Step): Promise<UpstreamResponse> {
    const result = runNext(next, call);
    // The slot is freed before the caller hears the outcome (its reaction comes first), with no async layer of our own.
    const exit = () => bulkhead.exit(tenant);
    result.then(exit, exit);
    return result;
  }

  async function queued(bulkhead: FairBulkhead, tenant: string, call: UpstreamCall, next: Step): Promise<UpstreamResponse> {
    try {
      return await bulkhead.execute(tenant, next, call.cancel, call);
    } catch (error) {
      if (error instanceof JobError) throw error;
      if (call.cancel.aborted) throw abortedError(service, timeoutMs, call.cancel.reason);
      if (!(error instanceof BulkheadFull)) throw error;
      throw markLocal(upstreamError('UPSTREAM_UNAVAILABLE', info(service, null, null), 'too many calls already waiting for this upstream'));
    }
  }

  return (call, next) => {
    if (call.cancel.aborted) return Promise.reject(abortedError(service, timeoutMs, call.cancel.reason));
    const bulkhead = call.host.bulkhead;
    const tenant = verdicts.tenantOf(call.context.credential, call.context.principal);
    // A free slot (the common case) needs no promise or queue entry of the bulkhead's own.
    return bulkhead.tryEnter(tenant) ? holding(bulkhead, tenant, call, next) : queued(bulkhead, tenant, call, next);
  };
}
