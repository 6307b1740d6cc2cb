import type { Plugin } from 'graphql-yoga';

/**
 * Caps the request body before it is buffered or parsed. A declared Content-Length over the limit
 * is refused without reading; a chunked body is read only up to the limit. The parse itself stays
 * yoga's, so every content type it accepts keeps working.
 */
export function useBodyLimit(maxBytes: number): Plugin {
  const tooLarge = (fetchAPI: { Response: typeof Response }) =>
    new fetchAPI.Response(
      JSON.stringify({
        errors: [{ message: `Request body is larger than ${maxBytes} bytes`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }],
      }),
      { status: 413, headers: { 'content-type': 'application/json' } },
    );

  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      if (request.method !== 'POST' || !requestParser) return;
      const declared = request.headers.get('content-length');
      if (declared !== null) {
        // Node's HTTP parser enforces Content-Length framing, so the body cannot exceed it.
        if (Number(declared) > maxBytes) setRequestParser(() => tooLarge(fetchAPI));
        return;
      }
      setRequestParser(async (req) => {
        const body = await readAtMost(req, maxBytes);
        if (body === null) return tooLarge(fetchAPI);
        return requestParser(new fetchAPI.Request(req.url, { method: req.method, headers: req.headers, body }));
      });
    },
  };
}

async function readAtMost(request: Request, maxBytes: number): Promise<string | null> {
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}
