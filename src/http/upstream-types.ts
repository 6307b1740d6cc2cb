import type { UpstreamHttpSettings } from '../config.js';
import type { Span } from '@opentelemetry/api';
import type { JobError } from '../model/errors.js';
import type { Clock } from './clock.js';
import type { Credential } from './credential.js';
import type { UpstreamThrottle } from './rate-limit.js';
import type { RequestLedger } from './request-ledger.js';

/** The client's settings (src/config.ts), and what is handed to it at run time. */
export interface HttpConfig extends UpstreamHttpSettings {
  /** UPSTREAM_RATE_LIMIT per principal (src/http/rate-limit.ts; fleet-wide in src/fleet). */
  throttle?: UpstreamThrottle | undefined;
  /** Timers for the deadline, retry backoff and rate-limit waits; the process's own by default (tests inject theirs). */
  clock?: Clock | undefined;
}

/**
 * The part of an AbortSignal the client reads: an AbortSignal is one, and so is the fast path's
 * lighter signal (an AbortController per request cost more than the rest of its bookkeeping).
 */
export interface CallerSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options: { once: true }): void;
}

/** Who is calling, for this one GraphQL request. */
export interface CallContext {
  credential: Credential;
  principal: string;
  requestId: string;
  /** Aborted when the GraphQL client goes away. */
  signal?: CallerSignal;
  /** Counts the upstream requests this GraphQL request caused (for its log line). */
  stats?: { upstreamCalls: number };
  /** The request's trace span, when tracing is on: each upstream attempt becomes its child. */
  span?: Span | undefined;
  /** What this request has spent of the upstreams (calls, breaker votes); made by the client on first use. */
  ledger?: RequestLedger;
}

/** One attempt at one upstream call, as seen by logs and metrics. */
export interface UpstreamAttempt {
  service: string;
  origin: string;
  /** HTTP status, or null when no response arrived. */
  status: number | null;
  /** 'ok', 'CANCELLED' (every caller left: client impatience, not upstream trouble), or the error code. */
  outcome: 'ok' | 'CANCELLED' | JobError['code'];
  durationMs: number;
  /** 1 for the first try, 2 for the first retry, ... */
  attempt: number;
  requestId: string;
  upstreamRequestId: string | null;
  circuitOpen: boolean;
  /** The upstream's own error text, redacted: for the logs, never for the client. */
  upstreamMessage?: string | undefined;
}

/** Hooks for observability; the client works the same without them. */
export interface UpstreamObserver {
  attempt?(event: UpstreamAttempt): void;
  retry?(event: { service: string; origin: string; delayMs: number; code: JobError['code'] }): void;
  circuit?(event: { service: string; origin: string; state: 'closed' | 'open' | 'half-open' }): void;
}

export interface GetRequest {
  /** Base URL of the upstream for the job's region, optionally with a path prefix. */
  baseUrl: string;
  /** Path below the base URL, each segment already percent-encoded. */
  path: string;
  /** Encoded query string without '?'. */
  query?: string;
  /** Extra request headers that select what is read (and so are part of the de-duplication key). */
  headers?: Record<string, string>;
  /** Goes into X-Project-Id when signing. */
  projectId: string;
}

export interface UpstreamResponse {
  status: number;
  body: unknown;
  requestId: string | null;
}
