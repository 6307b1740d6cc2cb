/**
 * Subscription floods, over real WebSockets and SSE against a gateway whose upstream knows every CCE
 * job id asked for (each a running job that never ends, so every watch needs a poller of its own).
 * Past MAX_SUBSCRIPTIONS_PER_CONNECTION, MAX_SUBSCRIPTIONS_PER_PRINCIPAL or MAX_POLLERS a new
 * subscription is refused with TOO_MANY_SUBSCRIPTIONS (and `extensions.limit` naming the limit),
 * before any upstream call; the subscriptions already open go on, and another tenant's queries are
 * answered throughout.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { cceGlobalId } from '../../src/upstreams/cce/map.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { startFaultyUpstream, type FaultyUpstream } from '../resilience/faulty-upstream.js';
import { subscribeSse } from '../live/helpers.js';
import { P, REGION, SEED_JOB, metric, sleep } from './support.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const WATCH = `subscription W($id: ID!) { jobUpdated(id: $id) { id state } }`;
const jobIdOf = (n: number) => `f100d000-0000-11f0-9f3c-${String(n).padStart(12, '0')}`;
const watchId = (n: number) => cceGlobalId({ api: 'v3', region: REGION, projectId: P, jobId: jobIdOf(n) });

/** An upstream where every CCE v3 job exists and is running; the seed jobs as usual. */
async function everyJobRunning(): Promise<FaultyUpstream> {
  const upstream = await startFaultyUpstream();
  const prefix = `/api/v3/projects/${P}/jobs/f100d000`;
  upstream.script = (call) => {
    if (!call.path.startsWith(prefix)) return { kind: 'healthy' };
    const uid = call.path.split('/').pop()!;
    return {
      kind: 'json',
      body: {
        kind: 'Job',
        apiVersion: 'v3',
        metadata: { uid, creationTimestamp: '2025-01-01T00:00:00Z' },
        spec: { type: 'CreateCluster' },
        status: { phase: 'Running' },
      },
    };
  };
  return upstream;
}

interface Outcome {
  /** `next` with data: the subscription is running. */
  ok: boolean;
  code?: string;
  limit?: string;
}

/** A raw graphql-ws connection; `subscribe` resolves with the first answer to that operation. */
async function wsConnection(url: string, token: string) {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const waiting = new Map<string, (outcome: Outcome) => void>();
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { 'X-Auth-Token': token } })));
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as {
        type: string;
        id?: string;
        payload?:
          | { data?: unknown; errors?: { extensions?: { code?: string; limit?: string } }[] }
          | { extensions?: { code?: string; limit?: string } }[];
      };
      if (message.type === 'connection_ack') return resolve();
      const done = message.id ? waiting.get(message.id) : undefined;
      if (!done) return;
      waiting.delete(message.id!);
      const errors = Array.isArray(message.payload) ? message.payload : message.payload?.errors;
      const first = errors?.[0]?.extensions;
      done(errors ? { ok: false, code: first?.code, limit: first?.limit } : { ok: message.type === 'next' });
    });
    ws.once('close', (code) => reject(new Error(`closed before ack: ${code}`)));
  });
  let next = 0;
  return {
    subscribe(id: string): Promise<Outcome> {
      const opId = String(++next);
      const outcome = new Promise<Outcome>((resolve) => waiting.set(opId, resolve));
      ws.send(JSON.stringify({ id: opId, type: 'subscribe', payload: { query: WATCH, variables: { id } } }));
      return outcome;
    },
    close() {
      ws.close();
      return closed;
    },
  };
}

async function start(env: Record<string, string>): Promise<{ gw: TestGateway; upstream: FaultyUpstream }> {
  const upstream = await everyJobRunning();
  cleanups.push(() => upstream.close());
  const gw = await startGateway(
    { CCE: upstream.url, CAE: upstream.url, CFW: upstream.url, DB: upstream.url },
    { POLL_INTERVAL_MS: '200', ...env },
  );
  cleanups.push(() => gw.close());
  return { gw, upstream };
}

const polledJobs = (upstream: FaultyUpstream) =>
  new Set(upstream.calls.filter((c) => c.path.includes('/jobs/f100d000')).map((c) => c.path)).size;

describe('subscription floods', () => {
  it('one connection, one principal, then everyone: each limit refuses with TOO_MANY_SUBSCRIPTIONS, and tenant B is served', {
    timeout: 30_000,
  }, async () => {
    const { gw, upstream } = await start({
      MAX_SUBSCRIPTIONS_PER_CONNECTION: '20',
      MAX_SUBSCRIPTIONS_PER_PRINCIPAL: '30',
      MAX_POLLERS: '40',
    });
    let job = 0;
    const flood = async (connection: Awaited<ReturnType<typeof wsConnection>>, n: number) =>
      Promise.all(Array.from({ length: n }, () => connection.subscribe(watchId(++job))));
    const tally = (outcomes: Outcome[]) => {
      const counts: Record<string, number> = {};
      for (const o of outcomes) {
        const key = o.ok ? 'ok' : `${o.code}/${o.limit}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
      return counts;
    };

    // Per connection: 25 asked on one WebSocket, 20 run.
    const a1 = await wsConnection(gw.url, 'flooder');
    cleanups.push(() => a1.close());
    expect(tally(await flood(a1, 25))).toEqual({ ok: 20, 'TOO_MANY_SUBSCRIPTIONS/connection': 5 });

    // Per principal: the same token on a second connection gets the 10 left of its 30.
    const a2 = await wsConnection(gw.url, 'flooder');
    cleanups.push(() => a2.close());
    expect(tally(await flood(a2, 15))).toEqual({ ok: 10, 'TOO_MANY_SUBSCRIPTIONS/principal': 5 });

    // Pollers: another principal gets the 10 pollers left of 40, over WebSocket and SSE alike.
    const b = await wsConnection(gw.url, 'second-flooder');
    cleanups.push(() => b.close());
    expect(tally(await flood(b, 12))).toEqual({ ok: 10, 'TOO_MANY_SUBSCRIPTIONS/pollers': 2 });
    const sse = await subscribeSse(gw.url, { id: watchId(++job), token: 'third-flooder', query: WATCH });
    cleanups.push(() => sse.abort());
    await sse.waitForEnd(10_000);
    expect(sse.payloads.map((p) => [p.errors?.[0]?.extensions?.code, p.errors?.[0]?.extensions?.limit])).toEqual([
      ['TOO_MANY_SUBSCRIPTIONS', 'pollers'],
    ]);

    // Joining a poller that already runs costs no new poller: allowed at the cap.
    const b2 = await wsConnection(gw.url, 'second-flooder');
    cleanups.push(() => b2.close());
    expect(await b2.subscribe(watchId(job - 3))).toEqual({ ok: true });

    expect(await metric(gw.url, 'pollers_active')).toBe(40);
    expect(polledJobs(upstream)).toBe(40);

    // Another tenant's queries are answered while all of this runs.
    for (let i = 0; i < 5; i++) {
      const res = await gw.query(`{ cceJob(projectId: "${P}", jobId: "${SEED_JOB}") { id state } }`, { token: 'tenant-b' });
      expect(res.errors).toBeUndefined();
      expect(res.data?.cceJob).toBeTruthy();
    }

    // Closing a connection gives its subscriptions and pollers back.
    await a1.close();
    for (let i = 0; i < 100 && (await metric(gw.url, 'pollers_active')) !== 20; i++) await sleep(20);
    expect(await metric(gw.url, 'pollers_active')).toBe(20);
    expect(await b.subscribe(watchId(++job))).toEqual({ ok: true });
  });
});
