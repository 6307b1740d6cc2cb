import { redactSecrets } from '../../http/credentials.js';
import type { ErrorClassifier } from '../../http/error-map.js';
import { upstreamAnswerError } from '../../http/error-map.js';
import type { CallContext, UpstreamClient } from '../../http/upstream-client.js';
import { baseUrlFor, seg } from '../endpoint.js';
import { isObject, stringOr } from '../shape.js';
import type { JobRef, UpstreamSettings } from '../types.js';

// CFW answers "not found" with HTTP 400 and this code.
const NOT_FOUND_CODE = 'CFW.00200005';
export const classifyCfwError: ErrorClassifier = (_status, code) => (code === NOT_FOUND_CODE ? 'NOT_FOUND' : undefined);

export type CfwJobCall = (ref: JobRef, call: CallContext) => Promise<{ body: unknown; requestId: string | null }>;

export function cfwJobCall(client: UpstreamClient, settings: UpstreamSettings): CfwJobCall {
  return async (ref, call) => {
    const res = await client.get(
      { baseUrl: baseUrlFor(settings.endpoint, ref.region, settings.regions), path: `/v3/${seg(ref.projectId)}/jobs/${seg(ref.jobId)}`, projectId: ref.projectId },
      call,
    );
    // CFW may put an error in a 200 body instead of the job.
    if (isObject(res.body) && !isObject(res.body.data) && typeof res.body.error_code === 'string') {
      const errorCode = res.body.error_code;
      const info = { service: 'CFW', status: res.status, errorCode, requestId: res.requestId };
      throw upstreamAnswerError(
        errorCode === NOT_FOUND_CODE ? 'NOT_FOUND' : 'UPSTREAM_ERROR',
        info,
        redactSecrets(stringOr(res.body.error_msg), call.credential),
      );
    }
    return { body: res.body, requestId: res.requestId };
  };
}
