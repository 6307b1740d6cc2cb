import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import Negotiator from 'negotiator';
import type { Plugin } from 'graphql-yoga';

const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

export interface GraphiQLPageOptions {
  title: string;
  defaultQuery?: string;
  /** Headers GraphiQL sends with every request (the CSRF header its SSE GETs need). */
  additionalHeaders?: Record<string, string>;
  /** The GraphQL endpoint the page is served on (yoga's rule: a GET asking for HTML there). */
  endpoint?: string;
}

type Encoding = 'br' | 'gzip' | 'identity';

/**
 * GraphiQL, served by the gateway itself instead of yoga's built-in page handler, for two reasons:
 * - `@graphql-yoga/render-graphiql` (GraphiQL inlined: megabytes of HTML, and more of heap once
 *   loaded) is imported on the first request for the page, never when GraphiQL is off;
 * - the page is the same for every request, so it is rendered once and compressed once per encoding
 *   (brotli, else gzip, as the browser accepts), a fraction of the bytes over the wire. Compressing
 *   takes a noticeable moment of libuv's thread pool, so it is done once, not per request.
 * Add this plugin only when GraphiQL is on.
 */
export function useGraphiQLPage(options: GraphiQLPageOptions): Plugin {
  const endpoint = options.endpoint ?? '/graphql';
  let html: Promise<Buffer> | undefined;
  const encoded = new Map<Encoding, Promise<Buffer>>();

  const page = (): Promise<Buffer> => {
    if (!html) {
      html = import('@graphql-yoga/render-graphiql').then(({ renderGraphiQL }) =>
        Buffer.from(
          renderGraphiQL({
            title: options.title,
            defaultQuery: options.defaultQuery,
            additionalHeaders: options.additionalHeaders,
          }) as string,
        ),
      );
      // A failed import or render is tried again on the next request rather than cached.
      html.catch(() => (html = undefined));
    }
    return html;
  };
  const pageIn = (encoding: Encoding): Promise<Buffer> => {
    if (encoding === 'identity') return page();
    let body = encoded.get(encoding);
    if (!body) {
      body =
        encoding === 'br'
          ? page().then((b) => brotli(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_SIZE_HINT]: b.length } }))
          : page().then((b) => gzipped(b));
      // A failed compression is retried on the next request rather than cached.
      body.catch(() => encoded.delete(encoding));
      encoded.set(encoding, body);
    }
    return body;
  };

  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET' || !request.headers.get('accept')?.includes('text/html')) return;
      if (url.pathname !== endpoint && url.pathname !== `${endpoint}/`) return;
      const encoding = encodingFor(request.headers.get('accept-encoding'));
      return pageIn(encoding).then((body) => {
        const headers: Record<string, string> = {
          'content-type': 'text/html; charset=utf-8',
          'content-length': String(body.length),
          vary: 'Accept-Encoding',
        };
        if (encoding !== 'identity') headers['content-encoding'] = encoding;
        endResponse(
          new fetchAPI.Response(new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.length), { status: 200, headers }),
        );
      });
    },
  };
}

// negotiator 1.x takes a server preference for ties (`gzip, deflate, br` lists gzip first); its
// @types (0.6) do not know the option yet.
type EncodingWithPreference = (available: readonly string[], options: { preferred: readonly string[] }) => string | undefined;

/** br when the client takes it as gladly as gzip (smaller), then gzip, else the page as is. */
function encodingFor(acceptEncoding: string | null): Encoding {
  const negotiator = new Negotiator({ headers: { 'accept-encoding': acceptEncoding ?? undefined } });
  const chosen = (negotiator.encoding as EncodingWithPreference).call(negotiator, ['br', 'gzip', 'identity'], {
    preferred: ['br', 'gzip', 'identity'],
  });
  return (chosen ?? 'identity') as Encoding;
}
