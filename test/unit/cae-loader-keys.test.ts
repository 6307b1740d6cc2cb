/**
 * CAE loader keys join validated id parts with `/` (src/upstreams/keys.ts), writing an absent
 * enterprise project as the empty part. A job with no enterprise project and one in a project
 * named "null" are different reads (the JSON tuples they replaced told them apart as well).
 */
import { describe, expect, it } from 'vitest';
import type { RequestContext } from '../../src/graph/context.js';
import { createCaeLoader } from '../../src/upstreams/cae/loader.js';
import type { CaeRef } from '../../src/upstreams/cae/map.js';
import type { UpstreamSettings } from '../../src/upstreams/types.js';

const ref = (enterpriseProjectId: string | null): CaeRef => ({
  region: 'cn-north-4',
  projectId: 'p',
  environmentId: 'e',
  enterpriseProjectId,
  jobId: 'j',
});

describe('CAE loader keys', () => {
  it('no enterprise project, and one named "null", are two reads; the same ref twice is one', async () => {
    const asked: Array<string | null> = [];
    const fetchJob = ((r: CaeRef) => {
      asked.push(r.enterpriseProjectId);
      return Promise.resolve({ body: { spec: { status: 'RUNNING' } }, requestId: null });
    }) as unknown as Parameters<typeof createCaeLoader>[0];
    const context = { call: { principal: 'someone' } } as unknown as RequestContext;
    const loader = createCaeLoader(fetchJob, context, {} as UpstreamSettings);
    await Promise.all([loader.load(ref(null)), loader.load(ref('null')), loader.load(ref(null))]);
    expect(asked.sort()).toEqual([null, 'null'].sort());
  });
});
