/**
 * METRICS_PORT: metrics, health and readiness on a port of their own; the GraphQL port then serves no
 * /metrics at all. A busy METRICS_PORT stops start-up like a busy PORT.
 */
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { listeningUrl, spawnGateway, type Spawned } from '../support/spawn.js';

function rawGet(base: string, path: string): Promise<{ status: number; type: string; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    // A GraphQL GET needs the CSRF header (use-csrf-prevention.ts); the probe paths ignore it.
    const req = httpRequest({ host: hostname, port, path, headers: { 'x-graphql-yoga-csrf': '1' } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let gateway: Spawned | undefined;
afterAll(async () => {
  await gateway?.stop(2000);
});

describe('METRICS_PORT', () => {
  it('serves /metrics, /health and /ready there, and /metrics no longer on the GraphQL port', async () => {
    gateway = spawnGateway({ METRICS_PORT: '0' });
    const base = await listeningUrl(gateway);
    const metricsBase = (await gateway.waitFor(/metrics on (http:\/\/[^ "]+)\/metrics/))[1]!.replace('//localhost:', '//127.0.0.1:');
    expect(metricsBase).not.toBe(base);

    expect((await rawGet(base, '/graphql?query=%7B__typename%7D')).body).toContain('"__typename":"Query"');
    const onMain = await rawGet(base, '/metrics');
    expect(onMain.status).toBe(404);
    expect(onMain.body).not.toContain('http_request_duration_seconds');

    const metrics = await rawGet(metricsBase, '/metrics');
    expect(metrics.status).toBe(200);
    // The GraphQL port's requests are what it counts.
    expect(metrics.body).toMatch(/http_request_duration_seconds_count\{method="GET",path="\/graphql",status="200"\} 1/);
    expect(metrics.body).toContain('process_cpu_user_seconds_total');
    expect(await rawGet(metricsBase, '/health')).toMatchObject({ status: 200, body: '{"status":"ok"}' });
    expect(await rawGet(metricsBase, '/ready')).toMatchObject({ status: 200, body: '{"ready":true}' });
    expect((await rawGet(metricsBase, '/graphql')).status).toBe(404);
    expect((await rawGet(metricsBase, '/graphql/../metrics')).status).toBe(404);
  }, 60_000);

  it('a busy METRICS_PORT: exit 1, naming METRICS_PORT', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const g = spawnGateway({ METRICS_PORT: String(port) });
      const how = await g.exited(30_000).finally(() => g.child.kill('SIGKILL'));
      expect(how, g.output()).toEqual({ code: 1, signal: null });
      expect(g.stderr()).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(g.stderr()).toContain('METRICS_PORT');
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  }, 60_000);
});
