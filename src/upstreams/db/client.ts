import type { CallContext, UpstreamClient } from '../../http/upstream-client.js';
import { baseUrlFor, seg } from '../endpoint.js';
import type { UpstreamSettings } from '../types.js';
import type { DbJobDto } from './dto.js';
import type { DbRef } from './map.js';

export type DbJobCall = (ref: DbRef, call: CallContext) => Promise<{ body: DbJobDto; requestId: string | null }>;

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
    return { body: res.body as DbJobDto, requestId: res.requestId };
  };
}
