/**
 * The official Huawei Cloud Node.js SDK (@huaweicloud/huaweicloud-sdk-cce + -core) reads jobs
 * from the simulator, proving it speaks the real CCE v3 ShowJob API: once with an IAM token,
 * once signed with AK/SK, and a wrong SK is refused the way the API gateway refuses it.
 *
 * How the SDK is driven, from its own code (node_modules/@huaweicloud/huaweicloud-sdk-core):
 * - `CceClient.newBuilder().withCredential(c).withEndpoint(url).build()`; with an endpoint and no
 *   region the SDK never calls IAM. A plain `http://` endpoint is fine: axios follows the scheme
 *   (the builder's `disableSslVerification` only matters for https).
 * - AK/SK: `BasicCredentials.withAk/withSk/withProjectId`. Its `processAuthRequest` fills
 *   `{project_id}` into the path, adds `X-Project-Id`, and `AKSKSigner` signs every header it
 *   sends (content-type, host, x-project-id, x-sdk-date) over the JSON of the body, which on a
 *   GET is `{}`.
 * - Token: the SDK has no token support at all (no X-Auth-Token anywhere in core, ShowJobRequest
 *   carries only job_id and Content-Type, and the maintainers declined token auth in the v3 SDKs).
 *   Its extension point is the credential: `withCredential` takes any `ICredential`, whose
 *   `processAuthRequest(hcClient, request)` may rewrite the request. TokenCredential below does
 *   what BasicCredentials does for the path, and sends `X-Auth-Token` instead of a signature.
 * - `customUserAgent` is set because without it the builder writes an application id file
 *   under ~/.huaweicloud to build its User-Agent.
 * - On every failed call the SDK's DefaultHttpClient prints the whole axios config, request
 *   headers (token, signature) included, to stdout through log4js at ERROR level; the builder
 *   offers no way to change that logger, so the tests that expect a failure mute stdout meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CceClient, ShowJobRequest, type ShowJobResponse } from '@huaweicloud/huaweicloud-sdk-cce';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import type { ICredential } from '@huaweicloud/huaweicloud-sdk-core/auth/ICredential.js';
import type { IHttpRequest } from '@huaweicloud/huaweicloud-sdk-core/http/IHttpRequest.js';
import { ClientRequestException } from '@huaweicloud/huaweicloud-sdk-core/exception/ClientRequestException.js';
import { SIM_IDS, SIM_PROJECT_ID, startSimulator, type SimCall, type Simulator } from '../../src/simulator/server.js';

const P = SIM_PROJECT_ID;
const KEYS = { ak: 'SIMSDKAK0000000000000', sk: 'sim-sdk-secret-key' };
const TOKEN = 'sdk-test-iam-token';

/** An IAM token as the credential: fills {project_id} like BasicCredentials, sends X-Auth-Token, signs nothing. */
class TokenCredential implements ICredential {
  constructor(
    private readonly token: string,
    private readonly projectId: string,
  ) {}

  getAk(): string | undefined {
    return undefined;
  }

  getSk(): string | undefined {
    return undefined;
  }

  async processAuthParams(): Promise<ICredential> {
    return this; // the project id is given: nothing to look up in IAM
  }

  async processAuthRequest(_client: unknown, request: IHttpRequest): Promise<IHttpRequest> {
    const url = String(request.url ?? '').replace('{project_id}', encodeURIComponent(this.projectId));
    const headers: Record<string, string> = { ...(request.headers as Record<string, string> | undefined), 'X-Auth-Token': this.token };
    return Object.assign(request, { url, headers });
  }
}

function client(credential: ICredential): CceClient {
  return CceClient.newBuilder()
    .withCredential(credential)
    .withEndpoint(sim.url)
    .withOptions({ customUserAgent: 'job-gateway-sdk-test' })
    .build();
}

const aksk = (sk: string = KEYS.sk): BasicCredentials => new BasicCredentials().withAk(KEYS.ak).withSk(sk).withProjectId(P);

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ keys: KEYS });
});
afterAll(async () => {
  await sim.close();
});

/** The settled error of a call expected to fail, with the SDK's stdout error dump muted while it runs. */
async function failureOf(call: () => Promise<unknown>): Promise<unknown> {
  const mute = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    await call();
    return undefined;
  } catch (e: unknown) {
    return e;
  } finally {
    mute.mockRestore();
  }
}

function lastCall(): SimCall {
  const call = sim.calls.at(-1);
  expect(call).toBeDefined();
  return call as SimCall;
}

/** The doc 004 example: CreateCluster, Running, sub-jobs InstallMaster and CreatePSMCert. */
function expectDocJob(res: ShowJobResponse): void {
  expect(res.httpStatusCode).toBe(200);
  expect(res.kind).toBe('Job');
  expect(res.apiVersion).toBe('v3');
  expect(res.metadata?.uid).toBe(SIM_IDS.cce.docV3);
  expect(res.metadata?.creationTimestamp).toBe('2018-08-02 08:12:40.672772389 +0000 UTC');
  expect(res.status?.phase).toBe('Running');
  expect(res.spec?.type).toBe('CreateCluster');
  expect(res.spec?.resourceName).toBe('cluster-name');
  expect(res.spec?.extendParam).toEqual({ serverID: 'bc467e3a-2338-11e8-825b-0255ac100c13' });
  const subJobs = res.spec?.subJobs ?? [];
  expect(subJobs.map((j) => [j.metadata?.uid, j.spec?.type, j.status?.phase])).toEqual([
    [SIM_IDS.cce.docV3InstallMaster, 'InstallMaster', 'Success'],
    [SIM_IDS.cce.docV3CreatePSMCert, 'CreatePSMCert', 'Success'],
  ]);
}

describe('official Huawei Cloud SDK (CceClient.showJob) against the simulator', () => {
  it('reads a job with an IAM token', async () => {
    sim.resetCalls();
    const res = await client(new TokenCredential(TOKEN, P)).showJob(new ShowJobRequest().withJobId(SIM_IDS.cce.docV3));
    expectDocJob(res);

    const call = lastCall();
    expect(call).toMatchObject({ service: 'CCE', method: 'GET', path: `/api/v3/projects/${P}/jobs/${SIM_IDS.cce.docV3}` });
    expect(call.headers['x-auth-token']).toBe(TOKEN);
    expect(call.headers.authorization).toBeUndefined();
    expect(call.headers['user-agent']).toMatch(/^huaweicloud-usdk-nodejs\/3\.0; job-gateway-sdk-test/);
  });

  it('reads a job signed with AK/SK (SDK-HMAC-SHA256), which the simulator verifies', async () => {
    sim.resetCalls();
    const res = await client(aksk()).showJob(new ShowJobRequest().withJobId(SIM_IDS.cce.docV3));
    expectDocJob(res);

    const call = lastCall();
    expect(call.path).toBe(`/api/v3/projects/${P}/jobs/${SIM_IDS.cce.docV3}`);
    expect(call.headers['x-auth-token']).toBeUndefined();
    expect(call.headers['x-project-id']).toBe(P);
    expect(call.headers['x-sdk-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(call.headers.authorization).toMatch(
      new RegExp(`^SDK-HMAC-SHA256 Access=${KEYS.ak}, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=[0-9a-f]{64}$`),
    );
  });

  it('reads a live job as it advances, with sub-jobs parsed', async () => {
    const res = await client(aksk()).showJob(new ShowJobRequest().withJobId(SIM_IDS.live.cce));
    expect(res.metadata?.uid).toBe(SIM_IDS.live.cce);
    expect(res.spec?.type).toBe('CreateCluster');
    expect(['Initializing', 'Running', 'Success']).toContain(res.status?.phase);
    expect(res.spec?.subJobs?.map((j) => j.spec?.type)).toEqual(['CreatePSMCert', 'InstallMaster', 'InstallAddons']);
  });

  it('surfaces a wrong SK as the API gateway 401 APIG.0301', async () => {
    const err = await failureOf(() => client(aksk('not-the-secret-key')).showJob(new ShowJobRequest().withJobId(SIM_IDS.cce.docV3)));
    expect(err).toBeInstanceOf(ClientRequestException);
    const e = err as ClientRequestException;
    expect(e.httpStatusCode).toBe(401);
    expect(e.errorCode).toBe('APIG.0301');
    expect(e.errorMsg).toMatch(/verify aksk signature fail/);
    expect(e.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('surfaces an unknown job as CCE’s own 404 error', async () => {
    const err = await failureOf(() =>
      client(new TokenCredential(TOKEN, P)).showJob(new ShowJobRequest().withJobId('00000000-0000-0000-0000-000000000000')),
    );
    expect(err).toBeInstanceOf(ClientRequestException);
    const e = err as ClientRequestException;
    expect(e.httpStatusCode).toBe(404);
    // The SDK reads only error_code/error_msg (or error.code/message): the documented form.
    expect(e.errorCode).toBe('CCE.01404001');
    expect(e.errorMsg).toBe('Resource not found');
  });
});
