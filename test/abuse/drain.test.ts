/**
 * SIGTERM under load, against the production build in a child process: queries in flight on
 * kept-alive connections (answered on the fast path), an SSE subscription and a graphql-ws
 * subscription. Before, the in-flight answers said `Connection: keep-alive`, the SSE stream was cut
 * without `complete` when the connections were force-closed at the deadline, and the process waited
 * for that deadline. Now every answer says `Connection: close`, in-flight queries finish, the SSE
 * stream ends with `complete`, WebSockets close with 1001, and the process exits 0 as soon as the
 * last connection is gone, well before DRAIN_TIMEOUT_MS.
 */
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { cceGlobalId } from '../../src/upstreams/cce/map.js';
import { SIM_IDS } from '../../src/simulator/server.js';
import { startFaultyUpstream } from '../resilience/faulty-upstream.js';
import { subscribeSse } from '../live/helpers.js';
import { P, REGION, endpointsEnv, metric, sleep, spawnGateway } from './support.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const SLOW_JOB = SIM_IDS.cce.docV3;
const SLOW_QUERY = `{ cceJob(projectId: "${P}", jobId: "${SLOW_JOB}") { id state } }`;
const RUNNING_ID = cceGlobalId({ api: 'v3', region: REGION, projectId: P, jobId: SIM_IDS.cce.running });
const WATCH = `subscription W($id: ID!) { jobUpdated(id: $id) { id state } }`;

/** A graphql-ws subscription that records what it got and how its socket closed. */
async function wsSubscriber(url: string, id: string) {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const messages: string[] = [];
  ws.on('error', () => undefined);
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve) => {
    ws.once('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { 'X-Auth-Token': 'watcher' } })));
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { type: string };
      messages.push(message.type);
      if (message.type === 'connection_ack')
        ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: WATCH, variables: { id } } }));
      if (message.type === 'next') resolve();
    });
  });
  cleanups.push(() => ws.terminate());
  return { messages, closed };
}

describe('graceful drain', () => {
  it('SIGTERM: in-flight queries finish with Connection: close, SSE completes, WebSockets close 1001, exit 0 once idle', {
    timeout: 60_000,
  }, async () => {
    const upstream = await startFaultyUpstream();
    cleanups.push(() => upstream.close());
    upstream.script = (call) => ({ kind: 'healthy', delayMs: call.path.endsWith(SLOW_JOB) ? 1500 : 0 });
    const gw = await spawnGateway({ ...endpointsEnv(upstream), DRAIN_TIMEOUT_MS: '25000', POLL_INTERVAL_MS: '500' });
    cleanups.push(() => gw.kill());
    const agent = new Agent({ connections: 8 });
    cleanups.push(() => agent.destroy());
    const ask = async (token = 'tenant-a') => {
      const res = await request(`${gw.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-auth-token': token },
        body: JSON.stringify({ query: SLOW_QUERY }),
        dispatcher: agent,
      });
      return {
        status: res.statusCode,
        connection: res.headers.connection,
        body: (await res.body.json()) as { data?: { cceJob?: unknown } },
      };
    };
    // Once through yoga, so that the same document is answered on the fast path from then on.
    expect((await ask()).body.data?.cceJob).toBeTruthy();

    const sse = await subscribeSse(gw.url, { id: RUNNING_ID, token: 'watcher', query: WATCH });
    cleanups.push(() => sse.abort());
    await sse.waitForPayloads(1);
    const ws = await wsSubscriber(gw.url, RUNNING_ID);

    const preparedBefore = await metric(gw.url, 'graphql_prepared_operations_total');
    const slowCalls = () => upstream.calls.filter((c) => c.path.endsWith(SLOW_JOB) && !c.isClosed).length;
    // Eight callers (eight tokens: no sharing of one upstream call), each on a kept-alive connection.
    const inFlight = Array.from({ length: 8 }, (_, i) => ask(`tenant-${i}`));
    for (let i = 0; i < 500 && slowCalls() < 8; i++) await sleep(10);
    expect(slowCalls()).toBe(8);
    // All eight are on the fast path, which must honour the drain too.
    expect(await metric(gw.url, 'graphql_prepared_operations_total')).toBe(preparedBefore + 8);

    gw.child.kill('SIGTERM');
    const answers = await Promise.all(inFlight);
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(answers.every((a) => a.body.data?.cceJob)).toBe(true);
    expect(
      answers.map((a) => a.connection),
      gw.output().slice(-2000),
    ).toEqual(Array(8).fill('close'));

    await sse.waitForEnd(10_000);
    expect(sse.completed).toBe(true);
    expect(sse.events.at(-1)).toEqual({ event: 'complete' });
    const wsClose = await ws.closed;
    expect(wsClose.code).toBe(1001);
    expect(ws.messages).toContain('complete');

    expect(await gw.exited).toEqual({ code: 0, signal: null });
    expect(gw.output()).toContain('drained: every connection finished');
    expect(gw.output()).not.toContain('drain deadline reached');
  });
});
