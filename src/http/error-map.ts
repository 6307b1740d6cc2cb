import { JobError, type ErrorCode, type UpstreamInfo } from '../model/errors.js';

export interface UpstreamErrorBody {
  errorCode: string | null;
  errorMessage: string | null;
  requestId: string | null;
}

/** A failure an upstream reported inside a 2xx answer. */
export interface ErrorInAnswer {
  code: ErrorCode;
  /** The upstream's own error code. */
  errorCode: string | null;
  /** The upstream's own text, for the logs (redacted by the client). */
  message: string | null;
}

/**
 * An upstream's error quirks. Called for an error status: some services report "not found" with
 * 400 or 500. `errorFromResponse`, when given, reads each 2xx body: some services answer 200 with
 * an error instead of the data, which must count as a failed attempt (metrics, logs, breaker), not `ok`.
 */
export interface ErrorClassifier {
  (status: number, errorCode: string | null): ErrorCode | undefined;
  errorFromResponse?: (body: unknown) => ErrorInAnswer | undefined;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

// Upstream request ids go into our errors and logs: keep only plain, short ones.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function safeRequestId(value: unknown): string | null {
  return typeof value === 'string' && REQUEST_ID.test(value) ? value : null;
}

/** Reads the error shapes the cloud's services use: camelCase, snake_case, or nested under `error`. */
export function parseErrorBody(text: string): UpstreamErrorBody {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { errorCode: null, errorMessage: null, requestId: null };
  }
  if (typeof body !== 'object' || body === null) return { errorCode: null, errorMessage: null, requestId: null };
  const o = body as Record<string, unknown>;
  const nested = typeof o.error === 'object' && o.error !== null ? (o.error as Record<string, unknown>) : {};
  return {
    errorCode: str(o.errorCode) ?? str(o.error_code) ?? str(nested.code) ?? str(o.code),
    // Bounded before it is redacted and logged: an upstream's text can be as long as its whole body.
    errorMessage:
      (str(o.errorMessage) ?? str(o.error_msg) ?? str(nested.message) ?? str(o.message))?.slice(0, MAX_UPSTREAM_MESSAGE * 2) ?? null,
    requestId: safeRequestId(o.request_id) ?? safeRequestId(o.requestId),
  };
}

export function codeForStatus(status: number): ErrorCode {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 429 || status >= 500) return 'UPSTREAM_UNAVAILABLE';
  return 'UPSTREAM_ERROR';
}

const MESSAGES: Record<ErrorCode, string> = {
  BAD_USER_INPUT: 'bad input',
  UNAUTHENTICATED: 'the upstream rejected the credentials',
  FORBIDDEN: 'the credentials may not read this job',
  NOT_FOUND: 'job not found',
  UPSTREAM_TIMEOUT: 'the upstream did not answer in time',
  UPSTREAM_UNAVAILABLE: 'the upstream is unavailable',
  UPSTREAM_THROTTLED: 'over the configured upstream rate limit',
  UPSTREAM_ERROR: 'the upstream answered with something unexpected',
  UPSTREAM_BUDGET_EXCEEDED: 'this request has used all of its upstream calls',
};

export function upstreamError(code: ErrorCode, info: UpstreamInfo, detail?: string | null, retryAfterMs?: number): JobError {
  const base = `${info.service}: ${MESSAGES[code]}`;
  // Upstream messages are short service texts; cap them so a hostile body cannot bloat our errors.
  const message = detail ? `${base} (${detail.slice(0, 200)})` : base;
  return new JobError(code, message, info, retryAfterMs);
}

// Enough of an upstream's error text to diagnose it in the logs; the rest is noise (or a flood).
const MAX_UPSTREAM_MESSAGE = 500;

/**
 * The error for an upstream's error answer. The client gets our message, the code, and the
 * upstream's status, error code and request id; the upstream's own text (`upstreamMessage`, already
 * redacted) goes only to the logs, since a 500 body may carry a stack trace or an internal address.
 */
export function upstreamAnswerError(code: ErrorCode, info: UpstreamInfo, upstreamMessage: string | null, retryAfterMs?: number): JobError {
  const error = upstreamError(code, info, null, retryAfterMs);
  if (upstreamMessage) error.upstreamMessage = upstreamMessage.slice(0, MAX_UPSTREAM_MESSAGE);
  return error;
}
