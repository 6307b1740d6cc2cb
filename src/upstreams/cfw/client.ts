import type { ErrorClassifier } from '../../http/error-map.js';
import type { CallContext, UpstreamClient } from '../../http/upstream-client.js';
import { baseUrlFor, seg } from '../endpoint.js';
import { isObject, stringOr } from '../shape.js';
import type { JobRef, UpstreamSettings } from '../types.js';

// CFW answers "not found" with HTTP 400 and this code.
const NOT_FOUND_CODE = 'CFW.00200005';
export const classifyCfwError: ErrorClassifier = (_status, code) => (code === NOT_FOUND_CODE ? 'NOT_FOUND' : undefined);
// CFW may put an error in a 200 body instead of the job: a failed attempt, not `ok`.
classifyCfwError.errorFromResponse = (body) =>
  isObject(body) && !isObject(body.data) && typeof body.error_code === 'string'
    ? {
        code: body.error_code === NOT_FOUND_CODE ? 'NOT_FOUND' : 'UPSTREAM_ERROR',
        errorCode: body.error_code,
        message: stringOr(body.error_msg),
      }
    : undefined;

export type CfwJobCall = (ref: JobRef, call: CallContext) => Promise<{ body: unknown; requestId: string | null }>;

export function cfwJobCall(client: UpstreamClient, settings: UpstreamSettings): CfwJobCall {
  return async (ref, call) => {
    const res = await client.get(
      {
        baseUrl: baseUrlFor(settings.endpoint, ref.region, settings.regions),
        path: `/v3/${seg(ref.projectId)}/jobs/${seg(ref.jobId)}`,
        projectId: ref.projectId,
      },
      call,
    );
    return { body: res.body, requestId: res.requestId };
  };
}
