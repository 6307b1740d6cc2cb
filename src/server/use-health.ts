import type { Plugin } from 'graphql-yoga';

const BODY = JSON.stringify({ status: 'ok' });

/**
 * `/health` (liveness) answers `{"status":"ok"}`, a small JSON body like `/ready`'s, rather than
 * yoga's empty 200. Yoga's own health check answers first (its built-in plugins run before ours),
 * so its response is replaced here: metrics and the probe log line still see the request.
 */
export function useHealthBody(): Plugin {
  return {
    onResponse({ request, response, setResponse, fetchAPI }) {
      if (response.status !== 200 || !response.headers.has('x-yoga-id') || new URL(request.url).pathname !== '/health') return;
      setResponse(new fetchAPI.Response(BODY, { status: 200, headers: { 'content-type': 'application/json' } }));
    },
  };
}
