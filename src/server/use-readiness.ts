import type { Plugin } from 'graphql-yoga';

export interface Readiness {
  ready: boolean;
}

/**
 * `/ready` reports the gateway itself (configuration loaded, listening, not shutting down), not
 * the upstreams: their health shows per field, in errors and breaker state, and a gateway that
 * went unready whenever one cloud API hiccuped would take every other upstream down with it.
 */
export function useReadiness(state: Readiness): Plugin {
  return {
    onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== '/ready') return;
      endResponse(
        new fetchAPI.Response(JSON.stringify({ ready: state.ready }), {
          status: state.ready ? 200 : 503,
          headers: { 'content-type': 'application/json' },
        }),
      );
    },
  };
}
