import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../../src/server/gateway.js';
import { loadConfig } from '../../src/config.js';
import { SIM_IDS, SIM_PROJECT_ID, startSimulator, type Simulator } from '../../src/simulator/server.js';
import { startTracing } from '../../src/telemetry.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
}

/** A stand-in OTLP/HTTP collector: records every span it is sent. */
async function startCollector(): Promise<{ url: string; spans: OtlpSpan[]; close(): Promise<void> }> {
  const spans: OtlpSpan[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[];
        };
        for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const attr = (span: OtlpSpan, key: string) => {
  const v = span.attributes.find((a) => a.key === key)?.value;
  return v?.stringValue ?? (v?.intValue === undefined ? undefined : Number(v.intValue));
};

describe('OpenTelemetry tracing', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let sim: Simulator;

  beforeAll(async () => {
    collector = await startCollector();
    sim = await startSimulator();
  });
  afterAll(async () => {
    await sim.close();
    await collector.close();
    trace.disable();
  });

  it('is off without OTEL_EXPORTER_OTLP_ENDPOINT', async () => {
    expect(await startTracing({})).toBeUndefined();
  });

  it('exports a server span per request with each upstream call as its child', async () => {
    const stop = await startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SERVICE_NAME: 'gateway-under-test' });
    expect(stop).toBeTypeOf('function');
    const config = loadConfig({ LOG_LEVEL: 'silent' });
    const gateway = createGateway(config, { endpoints: { CCE: sim.url, CAE: sim.url, CFW: sim.url, DB: sim.url }, tracing: true });
    const server = createServer(gateway.listener);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-auth-token': 'trace-token' },
        body: JSON.stringify({
          query: `query Traced { a: cfwJob(projectId: "${SIM_PROJECT_ID}", jobId: "${SIM_IDS.cfw.running}") { state }
                   b: dbJob(projectId: "${SIM_PROJECT_ID}", jobId: "${SIM_IDS.db.running}") { state } }`,
        }),
      });
      expect(res.status).toBe(200);
      await res.text();
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.close();
      await stop?.(); // flushes the batch processor
    }

    const root = collector.spans.find((s) => s.name === 'query Traced');
    expect(root, JSON.stringify(collector.spans.map((s) => s.name))).toBeDefined();
    expect(attr(root!, 'graphql.operation.name')).toBe('Traced');
    expect(attr(root!, 'http.response.status_code')).toBe(200);
    const children = collector.spans.filter((s) => s.parentSpanId === root!.spanId);
    expect(children.map((s) => s.name).sort()).toEqual(['GET CFW', 'GET DB']);
    for (const child of children) {
      expect(child.traceId).toBe(root!.traceId);
      expect(attr(child, 'http.response.status_code')).toBe(200);
      expect(attr(child, 'upstream.request_id')).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(JSON.stringify(collector.spans)).not.toContain('trace-token');
  });
});
