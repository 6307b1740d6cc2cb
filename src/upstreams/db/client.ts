import type { CallContext, UpstreamClient } from '../../http/upstream-client.js';
import { baseUrlFor, seg } from '../endpoint.js';
import type { JobRef, UpstreamSettings } from '../types.js';

export type DbJobCall = (ref: JobRef, call: CallContext) => Promise<{ body: unknown; requestId: string | null }>;

/** The RDS task center reads one job through a query parameter, not a path segment. */
export function dbJobCall(client: UpstreamClient, settings: UpstreamSettings): DbJobCall {
  return async (ref, call) => {
    const res = await client.get(
      {
        baseUrl: baseUrlFor(settings.endpoint, ref.region, settings.regions),
        path: `/v3/${seg(ref.projectId)}/jobs`,
        query: `id=${seg(ref.jobId)}`,
        projectId: ref.projectId,
      },
      call,
    );
    return { body: res.body, requestId: res.requestId };
  };
}
