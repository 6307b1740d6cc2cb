import { randomUUID } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';

// A caller-supplied id is kept only if it is short and plain: it ends up in logs and upstream headers.
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;
const ids = new WeakMap<Request, string>();

/** The caller's X-Request-Id when it is safe to reuse, otherwise a fresh UUID. */
export function requestIdFrom(given: string | null | undefined): string {
  return given && ACCEPTABLE.test(given) ? given : randomUUID();
}

/** The request's id (once per request): the caller's X-Request-Id when it is safe to reuse, otherwise a fresh UUID. */
export function requestIdOf(request: Request): string {
  let id = ids.get(request);
  if (!id) {
    id = requestIdFrom(request.headers.get('x-request-id'));
    ids.set(request, id);
  }
  return id;
}

/** Echoes the request id on every response, so a caller can quote it when reporting a problem. */
export function useRequestId(): Plugin {
  return {
    onResponse({ request, response }) {
      response.headers.set('x-request-id', requestIdOf(request));
    },
  };
}
