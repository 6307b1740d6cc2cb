/**
 * A minimal upstream for bench/client-overhead.ts: every request gets the same small CCE-shaped job
 * as JSON with a Content-Length. Run as a child process with an IPC channel: it sends its port.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const body = JSON.stringify({
  metadata: { uid: '6d3b2d6e-7f5a-4c1e-9f0a-1b2c3d4e5f60', creationTimestamp: '2026-11-23 10:00:00.123456 +0000 UTC' },
  spec: { type: 'CreateCluster', clusterUID: 'c1', subJobs: [] },
  status: { phase: 'Running' },
});
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => process.send?.((server.address() as AddressInfo).port));
process.on('disconnect', () => process.exit(0));
