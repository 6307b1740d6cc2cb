import type { RequestListener, ServerResponse } from 'node:http';
import type { Metrics } from './metrics.js';
import type { Readiness } from './use-readiness.js';

/**
 * METRICS_PORT: /metrics, /health and /ready on a port of their own (as Apollo Router does), so the
 * GraphQL port can be public while the scrape and probe port stays inside the cluster. Nothing else is
 * served here, and paths must match exactly (no normalisation to reach them by another spelling).
 */
export function createProbeListener(metrics: Metrics, readiness: Readiness): RequestListener {
  return (req, res) => {
    const path = req.url?.split('?', 1)[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'method not allowed' });
    if (path === '/health') return json(res, 200, { status: 'ok' });
    if (path === '/ready') return json(res, readiness.ready ? 200 : 503, { ready: readiness.ready });
    if (path !== '/metrics') return json(res, 404, { error: 'not found: this port serves /metrics, /health and /ready' });
    metrics.registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(text);
      },
      () => json(res, 500, { error: 'metrics could not be collected' }),
    );
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
