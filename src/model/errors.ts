import { GraphQLError } from 'graphql';

/** The stable set of `extensions.code` values clients can branch on. */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_ERROR'
  | 'UPSTREAM_THROTTLED'
  /** The request used up its budget of upstream calls (UPSTREAM_CALLS_PER_REQUEST); the field was not read. */
  | 'UPSTREAM_BUDGET_EXCEEDED';

export interface UpstreamInfo {
  service: string;
  status: number | null;
  errorCode: string | null;
  requestId: string | null;
  /** Set when the call was refused because the upstream's circuit breaker is open. */
  circuit?: 'open';
}

/** An error that reaches the client as is: a message safe to show, a code, and what the upstream said. */
export class JobError extends GraphQLError {
  readonly code: ErrorCode;
  readonly upstream: UpstreamInfo | undefined;
  /** Seconds the upstream asked us to wait (Retry-After), when it did. */
  readonly retryAfterMs: number | undefined;
  /**
   * The upstream's own error text (already redacted), for the logs only: it can hold stack traces and
   * internal addresses, so it never goes into the message or extensions a client sees.
   */
  upstreamMessage: string | undefined;

  constructor(code: ErrorCode, message: string, upstream?: UpstreamInfo, retryAfterMs?: number) {
    super(message, { extensions: upstream ? { code, upstream } : { code } });
    this.code = code;
    this.upstream = upstream;
    this.retryAfterMs = retryAfterMs;
  }
}

export function badUserInput(message: string): JobError {
  return new JobError('BAD_USER_INPUT', message);
}
