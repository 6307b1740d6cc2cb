import type { CallContext, UpstreamClient } from '../../http/upstream-client.js';
import { baseUrlFor, seg } from '../endpoint.js';
import { unexpected } from '../shape.js';
import type { UpstreamSettings } from '../types.js';
import type { CceV2JobListDto, CceV3JobDto, CceV2JobDto } from './dto.js';
import type { CceRef } from './map.js';

// CCE documents Content-Type as mandatory even on GETs.
const HEADERS = { 'content-type': 'application/json' };

export interface CceApiCalls {
  /** ShowJob (v3) or GetOneJob (v2), by the API the ref came from. */
  job(ref: CceRef, call: CallContext): Promise<{ body: CceV3JobDto | CceV2JobDto; requestId: string | null }>;
  /** ListJobs (v2): every job of the project. */
  list(region: string, projectId: string, call: CallContext): Promise<{ body: CceV2JobListDto; requestId: string | null }>;
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
      return { body: res.body as CceV3JobDto, requestId: res.requestId };
    },
    async list(region, projectId, call) {
      const res = await client.get(
        { baseUrl: baseUrlFor(settings.endpoint, region, settings.regions), path: `/api/v2/projects/${seg(projectId)}/jobs`, headers: HEADERS, projectId },
        call,
      );
      if (!Array.isArray(res.body)) throw unexpected('CCE', 'job list is not an array', res.requestId);
      return { body: res.body as CceV2JobListDto, requestId: res.requestId };
    },
  };
}
