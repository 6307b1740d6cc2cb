import type { RequestListener } from 'node:http';

/**
 * Only paths in normal form are served. WHATWG URL parsing (yoga's) folds `/graphql/../metrics` and
 * `/%2e%2e/metrics` into `/metrics`, while a proxy that routes or blocks by path prefix sees
 * `/graphql/...`: without this, "only /graphql is public" would still expose /metrics. A path with a
 * `.` or `..` segment (plain or percent-encoded), an encoded slash or backslash, a backslash or an
 * empty segment is answered 404 before anything else sees it.
 */
export function isNormalPath(rawUrl: string | undefined): boolean {
  // The absolute form (`GET http://host/path`) is legal HTTP/1.1 too: judge its path.
  const url = rawUrl?.replace(/^https?:\/\/[^/?#]*/i, '');
  if (!url?.startsWith('/')) return false;
  const path = url.split(/[?#]/, 1)[0]!;
  // The common case (`/graphql`), decided at once: nothing that could make a dot or empty segment.
  if (!/[.%\\]|\/\//.test(path)) return true;
  if (path.includes('\\') || path.includes('//') || /%(2f|5c)/i.test(path)) return false;
  return !path.split('/').some((segment) => {
    const decoded = segment.replace(/%2e/gi, '.');
    return decoded === '.' || decoded === '..';
  });
}

export function guardPaths(listener: RequestListener): RequestListener {
  return (req, res) => {
    if (isNormalPath(req.url)) return void listener(req, res);
    res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
    res.end(
      JSON.stringify({
        errors: [{ message: 'Not found: paths must be in normal form (no . or .. segments).', extensions: { code: 'NOT_FOUND' } }],
      }),
    );
  };
}
