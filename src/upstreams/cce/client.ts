import type { CallContext, UpstreamClient } from '../../http/upstream-client.js';
import { baseUrlFor, seg } from '../endpoint.js';
import { unexpected } from '../shape.js';
import type { UpstreamSettings } from '../types.js';
import type { CceRef } from './map.js';

// CCE documents Content-Type as mandatory even on GETs.
const HEADERS = { 'content-type': 'application/json' };

export interface CceApiCalls {
  /** ShowJob (v3) or GetOneJob (v2), by the API the ref came from. */
  job(ref: CceRef, call: CallContext): Promise<{ body: unknown; requestId: string | null }>;
  /** ListJobs (v2): every job of the project. */
  list(region: string, projectId: string, call: CallContext): Promise<{ body: unknown[]; requestId: string | null }>;
}

export function cceApiCalls(client: UpstreamClient, settings: UpstreamSettings): CceApiCalls {
  return {
    async job(ref, call) {
      const res = await client.get(
        {
          baseUrl: baseUrlFor(settings.endpoint, ref.region, settings.regions),
          path: `/api/${ref.api}/projects/${seg(ref.projectId)}/jobs/${seg(ref.jobId)}`,
          headers: HEADERS,
          projectId: ref.projectId,
        },
        call,
      );
      return { body: res.body, requestId: res.requestId };
    },
    async list(region, projectId, call) {
      const res = await client.get(
        {
          baseUrl: baseUrlFor(settings.endpoint, region, settings.regions),
          path: `/api/v2/projects/${seg(projectId)}/jobs`,
          headers: HEADERS,
          projectId,
        },
        call,
      );
      const body: unknown = res.body;
      if (!Array.isArray(body)) throw unexpected('CCE', 'job list is not an array', res.requestId);
      return { body, requestId: res.requestId };
    },
  };
}
