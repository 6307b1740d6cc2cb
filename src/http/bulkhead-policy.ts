import { JobError } from '../model/errors.js';
import type { CredentialVerdicts } from './credential-verdicts.js';
import { upstreamError } from './error-map.js';
import { BulkheadFull } from './fair-bulkhead.js';
import { abortedError, info, markLocal } from './failure-kinds.js';
import type { Policy } from './upstream-call.js';

/**
 * The host's fair bulkhead (fair-bulkhead.ts): a call waits for a slot under its tenant (see
 * CredentialVerdicts.tenantOf) and leaves the queue when its signal aborts. A full queue is
 * UPSTREAM_UNAVAILABLE, ours, not retried.
 */
export function bulkheadPolicy(service: string, timeoutMs: number, verdicts: CredentialVerdicts): Policy {
  return async (call, next) => {
    const signal = call.controller.signal;
    try {
      const tenant = verdicts.tenantOf(call.context.credential, call.context.principal);
      return await call.host.bulkhead.execute(tenant, next, signal, call);
    } catch (error) {
      if (error instanceof JobError) throw error;
      if (signal.aborted) throw abortedError(service, timeoutMs, signal);
      if (!(error instanceof BulkheadFull)) throw error;
      throw markLocal(upstreamError('UPSTREAM_UNAVAILABLE', info(service, null, null), 'too many calls already waiting for this upstream'));
    }
  };
}
