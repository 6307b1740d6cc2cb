/**
 * The gateway's non-GraphQL HTTP surface over real sockets: /health's body, GraphiQL served compressed,
 * `_service { sdl }` behind its own switch, and /metrics not reachable through paths that a proxy
 * would route elsewhere but URL parsing folds back into /metrics.
 */
import { request as httpRequest } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulatedGateway, type TestGateway } from '../support/gateway.js';

type Gw = Awaited<ReturnType<typeof startSimulatedGateway>>;

/** A raw GET: node:http sends the path exactly as given (fetch and undici would normalise it first). */
function rawGet(
  base: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

let gw: Gw;
let noIntrospection: TestGateway;
let sdlOnly: TestGateway;
beforeAll(async () => {
  gw = await startSimulatedGateway();
  const endpoints = { CCE: gw.sim.url, CAE: gw.sim.url, CFW: gw.sim.url, DB: gw.sim.url };
  const { startGateway } = await import('../support/gateway.js');
  noIntrospection = await startGateway(endpoints, { INTROSPECTION: 'false' });
  sdlOnly = await startGateway(endpoints, { INTROSPECTION: 'false', SUBGRAPH_SDL: 'true' });
});
afterAll(async () => {
  await noIntrospection?.close();
  await sdlOnly?.close();
  await gw?.close();
});

describe('/health', () => {
  it('answers a small JSON body, like /ready', async () => {
    const res = await rawGet(gw.url, '/health');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(res.body.toString())).toEqual({ status: 'ok' });
  });
});

describe('GraphiQL page', () => {
  const html = { accept: 'text/html' };
  it('is compressed with br or gzip when the browser accepts it, and the same page as uncompressed', async () => {
    const plain = await rawGet(gw.url, '/graphql', html);
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    const page = plain.body.toString();
    expect(page).toContain('<title>Job gateway</title>');

    const br = await rawGet(gw.url, '/graphql', { ...html, 'accept-encoding': 'gzip, deflate, br, zstd' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toMatch(/accept-encoding/i);
    expect(brotliDecompressSync(br.body).toString()).toBe(page);
    // What a browser saves: the 9 MB page goes over the wire as less than a quarter of that.
    expect(br.body.length).toBeLessThan(plain.body.length / 4);

    const gzip = await rawGet(gw.url, '/graphql', { ...html, 'accept-encoding': 'gzip' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.body).toString()).toBe(page);
    expect(gzip.body.length).toBeLessThan(plain.body.length / 3);

    const refused = await rawGet(gw.url, '/graphql', { ...html, 'accept-encoding': 'br;q=0, gzip;q=0' });
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(refused.body.toString()).toBe(page);
  });
});

describe('_service { sdl }', () => {
  const SDL = '{ _service { sdl } }';
  it('answers by default', async () => {
    const res = await gw.query<{ _service: { sdl: string } }>(SDL);
    expect(res.data?._service.sdl).toContain('interface Job');
  });
  it('is refused when INTROSPECTION=false (its default follows introspection)', async () => {
    const res = await noIntrospection.query(SDL);
    expect(res.data ?? null).toBeNull();
    expect(res.errors?.[0]?.message).toMatch(/SUBGRAPH_SDL/);
    expect(JSON.stringify(res)).not.toContain('interface Job');
    // Ordinary queries still work.
    expect((await noIntrospection.query('{ __typename }')).data).toEqual({ __typename: 'Query' });
  });
  it('SUBGRAPH_SDL=true serves it with introspection off, for a supergraph composer', async () => {
    const res = await sdlOnly.query<{ _service: { sdl: string } }>(SDL);
    expect(res.data?._service.sdl).toContain('interface Job');
    const introspection = await sdlOnly.query('{ __schema { types { name } } }');
    expect(introspection.errors?.[0]?.message).toMatch(/introspection/i);
  });
});

describe('paths', () => {
  it('/metrics itself answers', async () => {
    const res = await rawGet(gw.url, '/metrics');
    expect(res.status).toBe(200);
    expect(res.body.toString()).toContain('http_request_duration_seconds');
  });
  it('dots in the query string, or inside a segment, are not dot segments', async () => {
    expect((await rawGet(gw.url, '/ready?from=../..')).status).toBe(200);
    const res = await rawGet(gw.url, `/graphql?query=${encodeURIComponent('{ __typename }')}&x=a.b`, { 'x-graphql-yoga-csrf': '1' });
    expect(JSON.parse(res.body.toString())).toEqual({ data: { __typename: 'Query' } });
  });
  it.each(['/graphql/../metrics', '/%2e%2e/metrics', '/graphql/%2E%2E/metrics', '/./metrics', '/graphql/..%2fmetrics', '//metrics'])(
    '%s does not reach /metrics',
    async (path) => {
      const res = await rawGet(gw.url, path);
      expect(res.status).toBe(404);
      expect(res.body.toString()).not.toContain('http_request_duration_seconds');
    },
  );
});
