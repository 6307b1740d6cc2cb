/**
 * Slow-loris clients over raw sockets: headers or a body sent a byte at a time, and connections
 * opened and left silent. Node's defaults held such a connection for 60 s (headers) to 300 s (body),
 * checked every 30 s, with no cap on connections; the gateway closes them after
 * HTTP_HEADERS_TIMEOUT_MS / HTTP_REQUEST_TIMEOUT_MS and refuses connections past HTTP_MAX_CONNECTIONS.
 * The deadlines below only bound "was it closed at all, well before the client would have finished".
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulatedGateway } from '../support/gateway.js';
import { P, SEED_JOB, sleep } from './support.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface RawClient {
  socket: Socket;
  /** Everything the server sent. */
  received(): string;
  closed: boolean;
  whenClosed: Promise<void>;
}

async function open(url: string): Promise<RawClient> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let received = '';
  const client: RawClient = {
    socket,
    received: () => received,
    closed: false,
    whenClosed: new Promise<void>((resolve) =>
      socket.once('close', () => {
        client.closed = true;
        resolve();
      }),
    ),
  };
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  cleanups.push(() => socket.destroy());
  return client;
}

/** Writes `text` one byte every `everyMs` until the socket closes or the text runs out; how many bytes went. */
async function trickle(client: RawClient, text: string, everyMs: number): Promise<number> {
  let sent = 0;
  for (const byte of text) {
    if (client.closed) break;
    client.socket.write(byte);
    sent++;
    await sleep(everyMs);
  }
  return sent;
}

const QUERY = JSON.stringify({ query: `{ cceJob(projectId: "${P}", jobId: "${SEED_JOB}") { id state } }` });

describe('slow clients', () => {
  it('headers sent a byte at a time: the connection is closed (408) after HTTP_HEADERS_TIMEOUT_MS', { timeout: 30_000 }, async () => {
    const gw = await startSimulatedGateway({ HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '2000' });
    cleanups.push(() => gw.close());
    const client = await open(gw.url);
    // 100 header bytes at 5 per second would take 20 s.
    const sent = await trickle(client, `POST /graphql HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(60)}\r\n\r\n`, 200);
    await client.whenClosed;
    expect(sent).toBeLessThan(60);
    expect(client.received()).toMatch(/^HTTP\/1\.1 408/);
    // The gateway itself is fine.
    expect((await gw.query(JSON.parse(QUERY).query, { token: 'tenant-b' })).data?.cceJob).toBeTruthy();
  });

  it('a body sent a byte at a time: the request is closed (408) after HTTP_REQUEST_TIMEOUT_MS', { timeout: 30_000 }, async () => {
    const gw = await startSimulatedGateway({ HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '2000' });
    cleanups.push(() => gw.close());
    const client = await open(gw.url);
    const body = `${QUERY}${' '.repeat(100)}`;
    client.socket.write(
      `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Auth-Token: slow\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    const sent = await trickle(client, body, 100);
    await client.whenClosed;
    expect(sent).toBeLessThan(body.length / 2);
    expect(client.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('connections past HTTP_MAX_CONNECTIONS are closed at once; silent ones go after the header timeout, and others are served again', {
    timeout: 30_000,
  }, async () => {
    const gw = await startSimulatedGateway({
      HTTP_MAX_CONNECTIONS: '20',
      HTTP_HEADERS_TIMEOUT_MS: '4000',
      HTTP_REQUEST_TIMEOUT_MS: '4000',
    });
    cleanups.push(() => gw.close());
    const hoarders = await Promise.all(Array.from({ length: 20 }, () => open(gw.url)));
    const extra = await Promise.all(Array.from({ length: 5 }, () => open(gw.url)));
    await Promise.race([Promise.all(extra.map((c) => c.whenClosed)), sleep(3000)]);
    expect(extra.map((c) => c.closed)).toEqual([true, true, true, true, true]);
    expect(extra.map((c) => c.received())).toEqual(['', '', '', '', '']);
    // The first twenty were still open when the extra five were turned away ...
    expect(hoarders.filter((c) => c.closed)).toHaveLength(0);
    // ... and are closed for sending no headers in time, after which the gateway serves again.
    await Promise.all(hoarders.map((c) => c.whenClosed));
    const res = await gw.query(JSON.parse(QUERY).query, { token: 'tenant-b' });
    expect(res.errors).toBeUndefined();
    expect(res.data?.cceJob).toBeTruthy();
  });
});
