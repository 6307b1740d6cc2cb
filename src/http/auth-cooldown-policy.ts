import { JobError } from '../model/errors.js';
import type { CredentialVerdicts } from './credential-verdicts.js';
import { info } from './failure-kinds.js';
import type { Policy } from './upstream-call.js';

/** UNAUTHENTICATED, answered here, while the upstream's recent 401 for this principal cools down. */
export function rejectedMomentsAgo(
  service: string,
  verdicts: CredentialVerdicts,
  principal: string,
  baseUrl: string,
): JobError | undefined {
  const coolingMs = verdicts.coolingDown(principal, baseUrl);
  if (coolingMs === 0) return undefined;
  const seconds = Math.ceil(coolingMs / 1000);
  return new JobError(
    'UNAUTHENTICATED',
    `${service}: the upstream rejected these credentials moments ago; not asking it again for ${seconds} s`,
    info(service, null, null),
  );
}

/** A call that waited for its slot while the upstream rejected this principal need not go at all. */
export function authCooldownPolicy(service: string, verdicts: CredentialVerdicts): Policy {
  return (call, next) => {
    const rejected = rejectedMomentsAgo(service, verdicts, call.context.principal, call.request.baseUrl);
    return rejected ? Promise.reject(rejected) : next(call);
  };
}
