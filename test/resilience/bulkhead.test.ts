import { request } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GraphQLResponse } from '../support/gateway.js';
import { createTestClock } from '../support/test-clock.js';
import { createGate } from './faulty-upstream.js';
import {
  SIM_IDS,
  cceField,
  cfwField,
  codeAt,
  errorAt,
  eventually,
  fieldAt,
  sleep,
  startFaultyGateway,
  timed,
  upstreamAt,
  type FaultyGateway,
} from './helpers.js';

let gw: FaultyGateway | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await gw?.close();
  gw = undefined;
});

interface Tracked {
  promise: Promise<GraphQLResponse>;
  result: GraphQLResponse | undefined;
}

function track(promise: Promise<GraphQLResponse>): Tracked {
  const t: Tracked = { promise, result: undefined };
  // A query left pending when a failed test tears the gateway down must not become an unhandled rejection.
  promise.then(
    (r) => (t.result = r),
    () => undefined,
  );
  return t;
}

const CFW_JOBS = [SIM_IDS.cfw.success, SIM_IDS.cfw.running, SIM_IDS.cfw.failed];
const CFW_STATES: Record<string, string> = {
  [SIM_IDS.cfw.success]: 'SUCCEEDED',
  [SIM_IDS.cfw.running]: 'RUNNING',
  [SIM_IDS.cfw.failed]: 'FAILED',
};

describe('bulkhead per upstream host', () => {
  it('a hanging CCE fills its 2 connections and 2 queue slots; the rest fail fast; CFW stays fast', async () => {
    // One caller fills the whole host here: its per-principal share (test/abuse/fair-share.test.ts) is lifted.
    const g = (gw = await startFaultyGateway({
      UPSTREAM_CONNECTIONS: '2',
      UPSTREAM_QUEUE: '2',
      UPSTREAM_TIMEOUT_MS: '15000',
      UPSTREAM_PRINCIPAL_SHARE: '1',
    }));
    const gate = createGate();
    g.faulty.script = () => ({ kind: 'gate', gate });

    // Distinct jobs, so in-flight de-duplication cannot fold them into one call.
    const cce = Array.from({ length: 10 }, (_, i) => track(g.query(`{ ${cceField('cce', `hung-${i}`)} }`)));
    await g.faulty.waitForCalls(2);

    // Beyond 2 running + 2 queued, calls are refused at once (long before the 15 s deadline).
    await eventually(() => cce.filter((t) => t.result).length === 6, 'six refusals', 5_000);
    const refused = cce.filter((t) => t.result).map((t) => t.result!);
    for (const res of refused) {
      expect(codeAt(res, 'cce')).toBe('UPSTREAM_UNAVAILABLE');
      expect(errorAt(res, 'cce')?.message).toMatch(/too many calls already waiting/);
      expect(upstreamAt(res, 'cce')?.circuit).toBeUndefined();
    }

    // Meanwhile the healthy upstream answers every query, while the four CCE calls are still pending.
    // (CFW has its own bulkhead of the same size: two at a time stay within it.)
    const { value: cfw, ms } = await timed(async () => {
      const all: GraphQLResponse[] = [];
      for (let round = 0; round < 10; round++) {
        const pair = [0, 1].map((k) => {
          const i = round * 2 + k;
          return g.query(`{ ${cfwField('cfw', CFW_JOBS[i % CFW_JOBS.length]!)} }`, { token: `tenant-${i % 5}` });
        });
        all.push(...(await Promise.all(pair)));
      }
      return all;
    });
    for (const res of cfw) {
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      const job = fieldAt(res, 'cfw');
      expect(job?.state).toBe(CFW_STATES[String(job?.jobId)]);
    }
    expect(ms).toBeLessThan(5_000);
    const pending = cce.filter((t) => !t.result);
    expect(pending).toHaveLength(4);
    // Only two connections were ever opened to the hanging host.
    expect(g.faulty.calls).toHaveLength(2);

    // The upstream recovers: the two running calls answer, and the two queued ones then run too.
    g.faulty.script = undefined;
    gate.release();
    const rest = await Promise.all(pending.map((t) => t.promise));
    for (const res of rest) {
      // Unknown jobs, answered by the (now healthy) upstream: a real answer, not a refusal.
      expect(codeAt(res, 'cce')).toBe('NOT_FOUND');
    }
    expect(g.faulty.calls).toHaveLength(4);

    // And the bulkhead is empty again: a fresh call goes straight through.
    const after = await g.query(`{ ${cceField('cce')} }`);
    expect(after.errors).toBeUndefined();
  });

  it('queued calls are bounded by the deadline too: they time out, they do not wait forever', async () => {
    const g = (gw = await startFaultyGateway({ UPSTREAM_CONNECTIONS: '1', UPSTREAM_QUEUE: '3', UPSTREAM_TIMEOUT_MS: '400' }));
    g.faulty.script = () => ({ kind: 'hang' });
    const all = Promise.all(Array.from({ length: 4 }, (_, i) => g.query(`{ ${cceField('cce', `hung-${i}`)} } `)));
    const { value: results, ms } = await timed(() => Promise.race([all, sleep(400 + 3_000).then(() => 'hung' as const)]));
    expect(results).not.toBe('hung');
    for (const res of results === 'hung' ? [] : results) expect(codeAt(res, 'cce')).toBe('UPSTREAM_TIMEOUT');
    // Each call's deadline started when it was asked, so every one ended within one deadline of the
    // last one asked (a queued call that still had time left when a slot freed may have run briefly).
    expect(ms).toBeLessThan(400 + 2_000);
    expect(g.faulty.calls.length).toBeGreaterThanOrEqual(1);
    expect(g.faulty.calls.length).toBeLessThanOrEqual(4);
    g.faulty.script = undefined;
    await sleep(10);
    const res = await g.query(`{ ${cceField('cce')} }`);
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  });

  it('a retry that has to queue still ends at its own deadline, not when the busy connection frees', async () => {
    const timers = createTestClock();
    const g = (gw = await startFaultyGateway(
      { UPSTREAM_CONNECTIONS: '1', UPSTREAM_QUEUE: '5', UPSTREAM_TIMEOUT_MS: '3000' },
      { clock: timers },
    ));
    // X is throttled with Retry-After: 1 s; meanwhile Y takes the only connection and hangs until its own deadline.
    g.faulty.enqueue({ kind: 'json', status: 429, body: { error_code: 'APIG.0308' }, headers: { 'Retry-After': '1' } }, { kind: 'hang' });
    const settled: string[] = [];
    const x = g.query(`{ ${cceField('cce', 'job-x')} }`).then((r) => {
      settled.push('x');
      return r;
    });
    await g.faulty.waitForCalls(1);
    await timers.waitForTimer(1000);
    await timers.advance(300);
    const y = g.query(`{ ${cceField('cce', 'job-y')} }`).then((r) => {
      settled.push('y');
      return r;
    });
    await g.faulty.waitForCalls(2);
    // At 1 s X's retry queues behind Y; at 3 s X's deadline passes, 300 ms before Y's: X ends first, alone.
    await timers.advance(2_700);
    const rx = await x;
    expect(settled).toEqual(['x']);
    expect(codeAt(rx, 'cce')).toBe('UPSTREAM_TIMEOUT');
    await timers.advance(300);
    const ry = await y;
    expect(settled).toEqual(['x', 'y']);
    expect(codeAt(ry, 'cce')).toBe('UPSTREAM_TIMEOUT');
    // X's retry never reached the upstream: it waited for the connection until its deadline.
    expect(g.faulty.calls).toHaveLength(2);
  });

  it('a queued call whose client left does not strand the calls queued behind it', async () => {
    const g = (gw = await startFaultyGateway({ UPSTREAM_CONNECTIONS: '1', UPSTREAM_QUEUE: '5', UPSTREAM_TIMEOUT_MS: '4000' }));
    const gate = createGate();
    g.faulty.enqueue({ kind: 'gate', gate });
    const first = g.query(`{ ${cceField('cce', SIM_IDS.cce.running)} }`);
    await g.faulty.waitForCalls(1);
    // Queued behind the busy connection: one caller that will leave, then one that stays.
    const controller = new AbortController();
    const leaving = request(`${g.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-auth-token': 'test-token' },
      body: JSON.stringify({ query: `{ ${cceField('cce', SIM_IDS.cce.initializing)} }` }),
      signal: controller.signal,
    }).catch((error: unknown) => error);
    await sleep(100);
    const staying = g.query(`{ ${cceField('cce', SIM_IDS.cce.docV3)} }`);
    await sleep(100);
    controller.abort();
    await leaving;
    await sleep(100);

    gate.release();
    const { value: res, ms } = await timed(() =>
      Promise.race([staying, sleep(3_000).then(() => 'still queued after the connection freed up' as const)]),
    );
    expect(res).not.toBe('still queued after the connection freed up');
    expect(typeof res === 'string' ? res : res.errors, JSON.stringify(res)).toBeUndefined();
    expect(ms).toBeLessThan(3_000);
    expect((await first).errors).toBeUndefined();
    // The caller that left never reached the upstream.
    expect(g.faulty.calls.map((c) => c.path.split('/').pop())).toEqual([SIM_IDS.cce.running, SIM_IDS.cce.docV3]);
  });

  it('UPSTREAM_QUEUE=0: with the connections busy, the next call is refused at once', async () => {
    const g = (gw = await startFaultyGateway({ UPSTREAM_CONNECTIONS: '1', UPSTREAM_QUEUE: '0', UPSTREAM_TIMEOUT_MS: '15000' }));
    const gate = createGate();
    g.faulty.script = () => ({ kind: 'gate', gate });
    const busy = g.query(`{ ${cceField('cce', 'busy')} }`);
    await g.faulty.waitForCalls(1);
    const { value: res, ms } = await timed(() => g.query(`{ ${cceField('cce')} ${cfwField('cfw')} }`));
    expect(codeAt(res, 'cce')).toBe('UPSTREAM_UNAVAILABLE');
    expect(fieldAt(res, 'cfw')).toEqual({ jobId: SIM_IDS.cfw.success, state: 'SUCCEEDED' });
    expect(ms).toBeLessThan(5_000);
    gate.release();
    expect(codeAt(await busy, 'cce')).toBe('NOT_FOUND');
    expect(g.faulty.calls).toHaveLength(1);
  });
});
