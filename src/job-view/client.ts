/**
 * Watching one job over GraphQL-over-SSE with the graphql-sse client (fetch streaming, so the
 * token travels as a header, never in a URL as EventSource would need). Shared by the browser
 * page and the `watch` command.
 */
import { createClient } from 'graphql-sse';
import { JOB_UPDATED, type GraphQLErrorShape, type JobUpdatedResult } from './document.js';

export interface Reconnect {
  /** 1 for the first retry after a failure. */
  attempt: number;
  /** When the next attempt starts. */
  delayMs: number;
  /** What went wrong, as far as the client can tell. */
  trouble: string;
}

export interface WatchHandlers {
  /** One event of the subscription: the job, or errors (the stream may go on after those). */
  next(result: JobUpdatedResult): void;
  /** The gateway ended the subscription (after a terminal state, or after a final error). */
  complete(): void;
  /** Gave up: could not reach the gateway, or it broke the stream more often than allowed. */
  fail(message: string): void;
  connected?(): void;
  reconnecting?(reconnect: Reconnect): void;
}

export interface WatchOptions {
  /** The gateway's GraphQL endpoint. */
  url: string;
  id: string;
  /** Read at every connection attempt, so a changed token is used on the next one. */
  token?: () => string | undefined;
  /** Retries after a broken connection before giving up (Infinity: never give up). */
  retryAttempts: number;
  retryDelayMs(attempt: number): number;
  /** Give up at once if the very first connection fails (a wrong URL is not going to heal). */
  failFast?: boolean;
  fetchFn?: typeof fetch;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}

/** One GraphQL error result, in the SSE framing the client parses. */
function errorStream(errors: readonly GraphQLErrorShape[]): string {
  return `event: next\ndata: ${JSON.stringify({ errors })}\n\nevent: complete\ndata:\n\n`;
}

/**
 * graphql-sse treats every non-2xx answer as a network error and retries it; but a 4xx (a bad id
 * fails validation with 400, a refused token with 401 or 403) will not heal by asking again. The
 * gateway sends those errors as an SSE body with the 4xx status: hand that body over as a normal
 * stream, so the errors reach the caller at once. A 4xx without one becomes a single error result.
 * 5xx, 408 and 429 stay as they are and are retried.
 */
function finalClientErrors(fetchFn: typeof fetch, note: (trouble: string) => void): typeof fetch {
  return async (input, init) => {
    let res: Response;
    try {
      res = await fetchFn(input, init);
    } catch (error) {
      if (!init?.signal?.aborted) note(describe(error));
      throw error;
    }
    if (res.ok) return res;
    note(`the gateway answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
    if (res.status < 400 || res.status >= 500 || res.status === 408 || res.status === 429) return res;
    if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) {
      return new Response(res.body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
    }
    const text = await res.text();
    let errors: GraphQLErrorShape[] | undefined;
    try {
      const parsed = JSON.parse(text) as { errors?: GraphQLErrorShape[] };
      if (Array.isArray(parsed.errors) && parsed.errors.length > 0) errors = parsed.errors;
    } catch {
      // not JSON: described below
    }
    errors ??= [{ message: `HTTP ${res.status}: ${text.slice(0, 200) || res.statusText}`, extensions: { code: `HTTP_${res.status}` } }];
    return new Response(errorStream(errors), { status: 200, headers: { 'content-type': 'text/event-stream' } });
  };
}

/** Subscribes to the job; returns a function that stops watching. */
export function watchJob(options: WatchOptions, handlers: WatchHandlers): () => void {
  let trouble: string | undefined;
  let connectedOnce = false;
  const client = createClient({
    url: options.url,
    headers: (): Record<string, string> => {
      const token = options.token?.();
      return token ? { 'x-auth-token': token } : {};
    },
    fetchFn: finalClientErrors(options.fetchFn ?? globalThis.fetch.bind(globalThis), (t) => (trouble = t)),
    retryAttempts: options.retryAttempts,
    retry: async (retries: number) => {
      // Throwing anything but the client's NetworkError ends the subscription with that error.
      if (options.failFast && !connectedOnce) throw new Error(trouble ?? 'could not connect to the gateway');
      const delayMs = options.retryDelayMs(retries);
      handlers.reconnecting?.({ attempt: retries + 1, delayMs, trouble: trouble ?? 'the connection to the gateway broke' });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    },
  });
  let done = false;
  const dispose = client.subscribe<NonNullable<JobUpdatedResult['data']>>(
    { query: JOB_UPDATED, variables: { id: options.id } },
    {
      next: (result) => {
        trouble = undefined;
        handlers.next(result as JobUpdatedResult);
      },
      complete: () => {
        if (done) return;
        done = true;
        client.dispose();
        handlers.complete();
      },
      error: (error) => {
        if (done) return;
        done = true;
        client.dispose();
        handlers.fail(trouble ?? describe(error));
      },
    },
    {
      connected: () => {
        connectedOnce = true;
        handlers.connected?.();
      },
    },
  );
  return () => {
    done = true;
    dispose();
    client.dispose();
  };
}
