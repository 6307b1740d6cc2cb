import type { CallContext, UpstreamClient } from '../../http/upstream-client.js';
import type { ErrorClassifier } from '../../http/error-map.js';
import { badUserInput } from '../../model/errors.js';
import { baseUrlFor, seg } from '../endpoint.js';
import type { UpstreamSettings } from '../types.js';
import type { CaeRef } from './map.js';

/** CAE is offered in only a few regions; on the public cloud anything else cannot succeed. */
export const CAE_REGIONS = new Set([
  'cn-north-4',
  'cn-east-3',
  'cn-south-1',
  'ap-southeast-3',
  'af-south-1',
  'me-east-1',
  'la-north-2',
  'tr-west-1',
]);

// "Environment not found" arrives as HTTP 500; it is a not-found, not an outage.
export const classifyCaeError: ErrorClassifier = (_status, code) => (code === 'CAE.01500404' ? 'NOT_FOUND' : undefined);

export function caeJobCall(client: UpstreamClient, settings: UpstreamSettings) {
  return async (ref: CaeRef, call: CallContext): Promise<{ body: unknown; requestId: string | null }> => {
    if (settings.publicEndpoint && !CAE_REGIONS.has(ref.region)) {
      throw badUserInput(`CAE is not offered in region ${ref.region}`);
    }
    const headers: Record<string, string> = { 'x-environment-id': ref.environmentId };
    if (ref.enterpriseProjectId) headers['x-enterprise-project-id'] = ref.enterpriseProjectId;
    const res = await client.get(
      {
        baseUrl: baseUrlFor(settings.endpoint, ref.region, settings.regions),
        path: `/v1/${seg(ref.projectId)}/cae/jobs/${seg(ref.jobId)}`,
        headers,
        projectId: ref.projectId,
      },
      call,
    );
    return { body: res.body, requestId: res.requestId };
  };
}
