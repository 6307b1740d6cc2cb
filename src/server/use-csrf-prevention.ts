import type { Plugin } from 'graphql-yoga';
import { refusal } from './bad-request.js';

/** A custom header a page on another origin cannot add without a CORS preflight (which it would fail). */
export const CSRF_HEADERS = ['x-graphql-yoga-csrf', 'x-auth-token'] as const;

// What an HTML form (or fetch in no-cors mode) can send cross-origin without a preflight.
const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data'];
const SIMPLE_TYPES = [...FORM_TYPES, 'text/plain'];

/**
 * Cross-site request forgery: a page on any origin can make the user's browser send a GET, or a
 * POST with a form content type, without a CORS preflight. The response is unreadable to that page,
 * but the request runs, and token-less requests are signed with the gateway's own AK/SK. So, as
 * yoga's useCSRFPrevention does, every request a browser could send without a preflight must carry
 * one of CSRF_HEADERS (a custom header forces the preflight); and form bodies are refused outright,
 * since the gateway has no use for them (no file uploads). JSON POSTs, which always need a
 * preflight cross-origin, are untouched, and so is the fast path (fast-path.ts takes only those).
 */
export function useCsrfPrevention(): Plugin {
  return {
    onRequestParse({ request, setRequestParser, fetchAPI }) {
      const contentType = request.headers.get('content-type')?.toLowerCase() ?? '';
      if (request.method === 'POST' && FORM_TYPES.some((type) => contentType.startsWith(type))) {
        setRequestParser(() =>
          refusal(fetchAPI, 415, 'UNSUPPORTED_MEDIA_TYPE', 'send GraphQL requests as application/json (form bodies are not accepted)'),
        );
        return;
      }
      const preflighted = contentType !== '' && !SIMPLE_TYPES.some((type) => contentType.startsWith(type));
      if (preflighted || CSRF_HEADERS.some((name) => request.headers.has(name))) return;
      setRequestParser(() =>
        refusal(
          fetchAPI,
          403,
          'CSRF_HEADER_REQUIRED',
          `a request without a JSON body (a GET, say) must carry an X-GraphQL-Yoga-CSRF or X-Auth-Token header`,
        ),
      );
    },
  };
}
