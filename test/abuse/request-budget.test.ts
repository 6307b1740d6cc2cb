/**
 * Issue 10, items 3 and 5: one request could make any number of upstream calls, lazy follow-up
 * reads included (`subJobs { createdAt }` on a job with 300 embedded sub-jobs lacking timestamps
 * made 289 follow-up calls). Past UPSTREAM_CALLS_PER_REQUEST the remaining fields fail with
 * UPSTREAM_BUDGET_EXCEEDED, without an upstream call; what fit in the budget is answered.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { P, SIM_IDS, cceField, cfwField, codeAt, fieldAt, startFaultyGateway, type FaultyGateway } from '../resilience/helpers.js';
import type { GraphQLResponse } from '../support/gateway.js';

let gw: FaultyGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const codesOf = (res: GraphQLResponse) => (res.errors ?? []).map((e) => e.extensions?.code);

describe('per-request budget of upstream calls', () => {
  it('UPSTREAM_CALLS_PER_REQUEST=5: 1 CFW + 4 CCE calls are made, the other 4 CCE fields fail with the clear code', async () => {
    const g = (gw = await startFaultyGateway({ UPSTREAM_CALLS_PER_REQUEST: '5' }));
    const cce = Array.from({ length: 8 }, (_, i) => cceField(`c${i}`, i === 0 ? SIM_IDS.cce.running : `job-${i}`)).join(' ');
    const res = await g.query(`{ ${cfwField('cfw')} ${cce} }`);
    // Exactly the budget reached the upstreams: the simulator's CFW once, the faulty CCE four times.
    expect(g.sim.calls.filter((c) => c.service === 'CFW')).toHaveLength(1);
    expect(g.faulty.calls).toHaveLength(4);
    expect(fieldAt(res, 'cfw')).toEqual({ jobId: SIM_IDS.cfw.success, state: 'SUCCEEDED' });
    expect(fieldAt(res, 'c0')).toEqual({ jobId: SIM_IDS.cce.running, state: 'RUNNING' });
    expect([1, 2, 3].map((i) => codeAt(res, `c${i}`))).toEqual(['NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND']);
    expect([4, 5, 6, 7].map((i) => codeAt(res, `c${i}`))).toEqual(Array(4).fill('UPSTREAM_BUDGET_EXCEEDED'));
    const budget = res.errors!.find((e) => e.extensions?.code === 'UPSTREAM_BUDGET_EXCEEDED')!;
    expect(budget.message).toMatch(/UPSTREAM_CALLS_PER_REQUEST/);

    // The budget is per request: the next one starts afresh.
    const next = await g.query(`{ ${cceField('c0')} }`);
    expect(next.errors).toBeUndefined();
    expect(g.faulty.calls).toHaveLength(5);
  });

  it('lazy follow-up reads count: 30 sub-jobs lacking timestamps, budget 10 → 8 follow-ups, the rest fail, siblings intact', async () => {
    const g = (gw = await startFaultyGateway({ UPSTREAM_CALLS_PER_REQUEST: '10' }));
    const SUBS = 30;
    const at = '2025-01-01 00:00:00 +0000 UTC';
    const meta = (uid: string) => ({ uid, creationTimestamp: at, updateTimestamp: at });
    const parent = {
      kind: 'Job',
      apiVersion: 'v3',
      metadata: meta('parent'),
      status: { phase: 'Running' },
      spec: {
        type: 'CreateCluster',
        // Embedded without timestamps: createdAt needs each sub-job's own record.
        subJobs: Array.from({ length: SUBS }, (_, i) => ({
          kind: 'Job',
          metadata: { uid: `sub-${i}` },
          status: { phase: 'Running' },
          spec: { type: 'Step' },
        })),
      },
    };
    g.faulty.script = (call) => {
      const uid = call.path.split('/').pop()!;
      if (uid === 'parent') return { kind: 'json', status: 200, body: parent };
      return {
        kind: 'json',
        status: 200,
        body: { kind: 'Job', apiVersion: 'v3', metadata: meta(uid), status: { phase: 'Running' }, spec: { type: 'Step' } },
      };
    };
    const res = await g.query<{ cceJob: { jobId: string; subJobs: { jobId: string; state: string; createdAt: string | null }[] } }>(
      `{ cceJob(projectId: "${P}", jobId: "parent") { jobId subJobs { jobId state createdAt } } ${cfwField('cfw')} }`,
    );
    // The budget, exactly: CFW and the parent, then eight follow-ups.
    expect(g.sim.calls.filter((c) => c.service === 'CFW')).toHaveLength(1);
    expect(g.faulty.calls).toHaveLength(9);
    const subs = res.data!.cceJob.subJobs;
    expect(subs.map((s) => s.jobId)).toEqual(Array.from({ length: SUBS }, (_, i) => `sub-${i}`));
    expect(subs.every((s) => s.state === 'RUNNING')).toBe(true);
    expect(subs.filter((s) => s.createdAt !== null)).toHaveLength(8);
    expect(codesOf(res)).toEqual(Array(SUBS - 8).fill('UPSTREAM_BUDGET_EXCEEDED'));
    for (const error of res.errors ?? []) expect(error.path?.at(-1)).toBe('createdAt');
    // CFW was asked alongside the parent, before the follow-ups, and fit in the budget.
    expect(fieldAt(res, 'cfw')).toEqual({ jobId: SIM_IDS.cfw.success, state: 'SUCCEEDED' });
  });
});
