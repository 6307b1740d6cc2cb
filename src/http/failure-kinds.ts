import type { JobError, UpstreamInfo } from '../model/errors.js';
import { upstreamError } from './error-map.js';
import { Cancelled } from './in-flight.js';

/**
 * What kind of failure a JobError is, beyond its code, for the policies that decide whether to
 * retry it and whether a circuit counts it. Kept beside the errors (WeakSets of error objects), not
 * in the public error shape: clients see only the code.
 */
// Ours, not the upstream's (a full bulkhead, an open circuit, a cancelled call): never retried.
const local = new WeakSet<JobError>();
// Connection failures (refused, reset, closed mid-body): retryable and unhealthy whatever status line came first.
const dropped = new WeakSet<JobError>();
// Abandoned because every caller left: logged and counted as CANCELLED.
const cancellations = new WeakSet<JobError>();

export function markLocal(error: JobError): JobError {
  local.add(error);
  return error;
}
export const isLocal = (error: JobError): boolean => local.has(error);

export function markDropped(error: JobError): JobError {
  dropped.add(error);
  return error;
}
export const isDropped = (error: JobError): boolean => dropped.has(error);
export const isCancellation = (error: JobError): boolean => cancellations.has(error);

/** The reason the call's signal is aborted with when its deadline passes. */
export class DeadlineExceeded extends Error {}

export function info(service: string, status: number | null, requestId: string | null, errorCode: string | null = null): UpstreamInfo {
  return { service, status, errorCode, requestId };
}

export function cancelledError(service: string): JobError {
  const error = upstreamError('UPSTREAM_UNAVAILABLE', info(service, null, null), 'the request was cancelled by its caller');
  cancellations.add(error);
  return markLocal(error);
}

export function timedOutError(service: string, timeoutMs: number, requestId: string | null = null): JobError {
  return upstreamError('UPSTREAM_TIMEOUT', info(service, null, requestId), `no answer within ${timeoutMs} ms`);
}

/** The error for a call that was aborted (with `reason`): every caller left, or the deadline passed. */
export function abortedError(service: string, timeoutMs: number, reason: unknown, requestId: string | null = null): JobError {
  return reason instanceof Cancelled ? cancelledError(service) : timedOutError(service, timeoutMs, requestId);
}

// An error the upstream reported inside a 2xx answer (UpstreamQuirks.errorFromResponse).
const inSuccessfulAnswer = new WeakSet<JobError>();

export function markInSuccessfulAnswer(error: JobError): JobError {
  inSuccessfulAnswer.add(error);
  return error;
}
export const isInSuccessfulAnswer = (error: JobError): boolean => inSuccessfulAnswer.has(error);
