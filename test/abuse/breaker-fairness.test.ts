/**
 * Issue 10, item 7: one request for 40 jobs that each answered 503 opened the CCE circuit, and
 * every other tenant got `circuit: "open"`. A request now counts at most
 * BREAKER_SAMPLES_PER_REQUEST (1) times toward a circuit; many requests failing (an outage) still
 * open it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cceGlobalId } from '../../src/upstreams/cce/map.js';
import { P, SIM_IDS, cceField, codeAt, startFaultyGateway, upstreamAt, type FaultyGateway } from '../resilience/helpers.js';
import type { Script } from '../resilience/faulty-upstream.js';

let gw: FaultyGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

// Ten outcomes in a 10 s window, more than half failed: the circuit opens.
const ENV = { UPSTREAM_RETRIES: '0', BREAKER_MIN_REQUESTS: '10', BREAKER_WINDOW_MS: '10000', BREAKER_FAILURE_RATIO: '0.5' };
const unavailable503: Script = (call) =>
  call.path.includes('/jobs/broken-')
    ? { kind: 'json', status: 503, body: { errorCode: 'CCE.01500503', errorMessage: 'Service unavailable' } }
    : { kind: 'healthy' };

const circuit = (g: FaultyGateway) => g.gateway.upstreams.find((u) => u.source === 'CCE')!.client.circuits()[g.faulty.url];
const brokenIds = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => cceGlobalId({ api: 'v3', region: 'cn-north-4', projectId: P, jobId: `broken-${from + i}` }));

describe('breaker fairness', () => {
  it('one request for 40 jobs that all answer 503 does not open the circuit for anyone', async () => {
    const g = (gw = await startFaultyGateway(ENV));
    g.faulty.script = unavailable503;
    const res = await g.query<{ jobs: unknown[] }>(`query($ids: [ID!]!) { jobs(ids: $ids) { jobId } }`, {
      variables: { ids: brokenIds(40) },
      token: 'attacker',
    });
    expect(res.data?.jobs).toEqual(Array(40).fill(null));
    expect(res.errors).toHaveLength(40);
    for (const error of res.errors ?? []) {
      expect(error.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
      expect(error.extensions?.upstream).toMatchObject({ status: 503 });
    }
    expect(g.faulty.calls).toHaveLength(40);
    expect(circuit(g)).toBe('closed');

    // Another tenant, right after: read from the upstream, no circuit in the way.
    const other = await g.query(`{ ${cceField('cce')} }`, { token: 'tenant-b' });
    expect(other.errors, JSON.stringify(other.errors)).toBeUndefined();
    expect(g.faulty.calls).toHaveLength(41);
  });

  it('an outage (many requests failing) still opens it, and then calls fail fast', async () => {
    const g = (gw = await startFaultyGateway(ENV));
    g.faulty.script = unavailable503;
    for (let i = 0; i < 10; i++) {
      const res = await g.query(`{ ${cceField('cce', `broken-${i}`)} }`, { token: `tenant-${i % 3}` });
      expect(codeAt(res, 'cce')).toBe('UPSTREAM_UNAVAILABLE');
    }
    expect(circuit(g)).toBe('open');
    const refused = await g.query(`{ ${cceField('cce', SIM_IDS.cce.running)} }`, { token: 'tenant-b' });
    expect(upstreamAt(refused, 'cce')?.circuit).toBe('open');
    expect(g.faulty.calls).toHaveLength(10);
  });

  it('many requests, each with many failing jobs: one vote each, and the circuit opens after ten of them', async () => {
    const g = (gw = await startFaultyGateway(ENV));
    g.faulty.script = unavailable503;
    for (let r = 0; r < 9; r++) {
      await g.query(`query($ids: [ID!]!) { jobs(ids: $ids) { jobId } }`, { variables: { ids: brokenIds(5, r * 5) } });
      expect(circuit(g)).toBe('closed');
    }
    await g.query(`query($ids: [ID!]!) { jobs(ids: $ids) { jobId } }`, { variables: { ids: brokenIds(5, 45) } });
    expect(circuit(g)).toBe('open');
  });
});
