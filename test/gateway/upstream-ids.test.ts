/**
 * Issue 10, item 10: ids from upstream payloads were trusted. A CCE sub-job uid of `..` without
 * timestamps became the upstream request `/jobs/..` (the project's collection, one level up) as
 * soon as a query selected its `createdAt`. Upstream ids now pass the same rules as client ids
 * before they are used in a path or minted into an id: a bad sub-job fails its parent's `subJobs`
 * with UPSTREAM_ERROR, and everything else in the answer stands.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { P, SIM_IDS, cfwField, startFaultyGateway, type FaultyGateway } from '../resilience/helpers.js';
import { errorAt, uniqueToken } from './helpers.js';

const PARENT = 'parent-with-bad-subjob-000000000001';
const T = '2025-09-02 10:23:38 +0000 UTC';

const job = (uid: string, subJobs?: unknown[], times = true) => ({
  kind: 'Job',
  apiVersion: 'v3',
  metadata: { uid, ...(times ? { creationTimestamp: T, updateTimestamp: T } : {}) },
  spec: { type: 'Step', ...(subJobs ? { subJobs } : {}) },
  status: { phase: 'Running' },
});

describe('upstream-supplied ids', () => {
  let g: FaultyGateway;
  beforeAll(async () => {
    g = await startFaultyGateway();
  });
  afterAll(async () => {
    await g.close();
  });
  beforeEach(() => g.faulty.reset());

  const upstreamPaths = () => g.faulty.calls.map((c) => c.path);

  it.each(['..', '.', 'a/b', 'x%2F..', ' padded', 'a\u0000b'])(
    'a sub-job uid %j is never requested; its parent stands, its siblings elsewhere too',
    async (bad) => {
      g.faulty.script = (call) =>
        call.path.endsWith(`/jobs/${PARENT}`)
          ? { kind: 'json', body: job(PARENT, [job('good-sub', [], false), job(bad, [], false)]) }
          : { kind: 'healthy' };
      const res = await g.query<{ cce: { jobId: string; state: string; subJobs: unknown } | null; cfw: { jobId: string } | null }>(
        `{ cce: cceJob(projectId: "${P}", jobId: "${PARENT}") { jobId state subJobs { id jobId createdAt } } ${cfwField('cfw')} }`,
        { token: uniqueToken() },
      );
      expect(res.status).toBe(200);
      expect(res.data?.cce?.jobId).toBe(PARENT);
      expect(res.data?.cce?.state).toBe('RUNNING');
      expect(res.data?.cce?.subJobs).toBeNull();
      const error = errorAt(res.errors, ['cce', 'subJobs']);
      expect(error.extensions?.code).toBe('UPSTREAM_ERROR');
      expect(error.message).toMatch(/metadata\.uid/);
      expect(res.data?.cfw?.jobId).toBe(SIM_IDS.cfw.success);
      expect(res.errors).toHaveLength(1);
      // The parent only: neither the bad uid nor its good sibling (the list is unusable) was read by uid.
      expect(upstreamPaths()).toEqual([`/api/v3/projects/${P}/jobs/${PARENT}`]);
    },
  );

  it('a bad uid two levels down fails only the subJobs that hold it', async () => {
    g.faulty.script = () => ({ kind: 'json', body: job(PARENT, [job('mid-sub', [job('..', [], false)]), job('other-sub', [])]) });
    const res = await g.query<{ cce: { subJobs: { jobId: string; subJobs: unknown }[] } }>(
      `{ cce: cceJob(projectId: "${P}", jobId: "${PARENT}") { subJobs { jobId subJobs { jobId createdAt } } } }`,
      { token: uniqueToken() },
    );
    expect(res.data?.cce.subJobs.map((s) => s.jobId)).toEqual(['mid-sub', 'other-sub']);
    expect(res.data?.cce.subJobs[0]?.subJobs).toBeNull();
    expect(res.data?.cce.subJobs[1]?.subJobs).toEqual([]);
    expect(errorAt(res.errors, ['cce', 'subJobs', 0, 'subJobs']).extensions?.code).toBe('UPSTREAM_ERROR');
    expect(upstreamPaths()).toEqual([`/api/v3/projects/${P}/jobs/${PARENT}`]);
  });

  it('a cceJobs entry with uid ".." fails the list with UPSTREAM_ERROR and is never read', async () => {
    g.faulty.script = (call) =>
      call.path === `/api/v2/projects/${P}/jobs`
        ? {
            kind: 'json',
            body: [
              { ...job('listed-ok'), apiVersion: 'v2' },
              { ...job('..'), apiVersion: 'v2' },
            ],
          }
        : { kind: 'healthy' };
    const res = await g.query(`{ cceJobs(projectId: "${P}") { jobId subJobs { jobId } } }`, { token: uniqueToken() });
    expect(res.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
    expect(upstreamPaths()).toEqual([`/api/v2/projects/${P}/jobs`]);
  });
});
