import type { CORSOptions } from 'graphql-yoga';

/**
 * Which web pages may use the gateway from a browser. Only the origins in CORS_ORIGINS get CORS
 * headers (never with credentials: the gateway authenticates by X-Auth-Token, not cookies), and a
 * WebSocket upgrade is accepted only from those origins or the gateway's own. Any other page gets
 * nothing it can read; requests it could send without a preflight are refused by useCsrfPrevention.
 */
export interface OriginPolicy {
  /** Origins (scheme://host[:port]) allowed cross-origin access; empty by default. */
  readonly allowed: ReadonlySet<string>;
}

export function createOriginPolicy(origins: readonly string[]): OriginPolicy {
  return { allowed: new Set(origins) };
}

/** yoga's `cors` option: CORS headers for a listed origin, none for any other (the browser then blocks the read). */
export function corsFor(policy: OriginPolicy): (request: Request) => CORSOptions {
  return (request) => {
    const origin = request.headers.get('origin');
    if (origin === null || !policy.allowed.has(origin)) return false;
    return {
      origin: [origin],
      credentials: false,
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: ['content-type', 'accept', 'x-auth-token', 'x-request-id', 'x-graphql-yoga-csrf'],
      exposedHeaders: ['x-request-id'],
      maxAge: 600,
    };
  };
}

/**
 * Whether a request carrying this Origin may open a WebSocket: no Origin (not a browser), the
 * gateway's own origin (GraphiQL it serves), or a listed one. Browsers always send Origin on a
 * WebSocket upgrade, and WebSockets are not subject to CORS, so this check is the only guard.
 */
export function webSocketOriginAllowed(policy: OriginPolicy, origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  if (policy.allowed.has(origin)) return true;
  if (host === undefined) return false;
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.host === host.toLowerCase();
  } catch {
    return false;
  }
}
