/**
 * An upstream answer whose timestamps are 50,000 spaces and a "!" made each field's regular
 * expression of an earlier version backtrack for seconds, with the event loop blocked: /health
 * and every other tenant waited. The answer here carries eleven such fields; the
 * gateway must map it (those times are null, never an error) while /health keeps answering.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { P, startFaultyGateway, type FaultyGateway } from '../resilience/helpers.js';

const JOB = 'padded-times-0000-0000-000000000001';
const BAD = `2025-09-02 10:23:38${' '.repeat(50_000)}!`;

/** A CCE v3 job with eleven hostile timestamps: two of its own, two on each of four sub-jobs, one more on a fifth. */
function paddedJob(): unknown {
  const sub = (i: number, times: 1 | 2) => ({
    kind: 'Job',
    metadata: {
      uid: `padded-sub-${i}`,
      creationTimestamp: BAD,
      ...(times === 2 ? { updateTimestamp: BAD } : { updateTimestamp: '2025-09-02 10:23:39 +0000 UTC' }),
    },
    spec: { type: 'Step' },
    status: { phase: 'Running' },
  });
  return {
    kind: 'Job',
    apiVersion: 'v3',
    metadata: { uid: JOB, creationTimestamp: BAD, updateTimestamp: BAD },
    spec: { type: 'CreateCluster', subJobs: [sub(1, 2), sub(2, 2), sub(3, 2), sub(4, 2), sub(5, 1)] },
    status: { phase: 'Running' },
  };
}

async function healthLatency(url: string): Promise<number> {
  const started = performance.now();
  const res = await request(`${url}/health`);
  await res.body.text();
  expect(res.statusCode).toBe(200);
  return performance.now() - started;
}

describe('hostile upstream timestamps', () => {
  let g: FaultyGateway;
  beforeAll(async () => {
    g = await startFaultyGateway();
    g.faulty.script = (call) => (call.path.endsWith(`/jobs/${JOB}`) ? { kind: 'json', body: paddedJob() } : { kind: 'healthy' });
  });
  afterAll(async () => {
    await g.close();
  });

  it('are mapped to null while /health keeps answering', { timeout: 30_000 }, async () => {
    // Warm up both routes (first-request compilation is not what is measured).
    await healthLatency(g.url);
    const query = `{ cce: cceJob(projectId: "${P}", jobId: "${JOB}") { jobId createdAt updatedAt subJobs { jobId createdAt updatedAt } } }`;
    let done = false;
    const answer = g.query(query).finally(() => (done = true));
    const latencies: number[] = [];
    // Probe /health for as long as the query is being served (at least a few times).
    while (!done || latencies.length < 3) latencies.push(await healthLatency(g.url));
    const res = await answer;
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    const cce = res.data?.cce as {
      createdAt: string | null;
      updatedAt: string | null;
      subJobs: { createdAt: string | null; updatedAt: string | null }[];
    };
    expect(cce.createdAt).toBeNull();
    expect(cce.updatedAt).toBeNull();
    expect(cce.subJobs.map((s) => s.createdAt)).toEqual([null, null, null, null, null]);
    expect(cce.subJobs[4]?.updatedAt).toBe('2025-09-02T10:23:39.000Z');
    // One upstream read: hostile times are not "missing" times, so no follow-up read per sub-job.
    expect(g.faulty.calls).toHaveLength(1);
    // Eleven quadratic parses blocked the loop for ~20 s; linear ones take microseconds. The bound
    // is loose on purpose (a shared, loaded machine), yet far below what a blocked loop costs.
    expect(Math.max(...latencies)).toBeLessThan(2_000);
  });
});
