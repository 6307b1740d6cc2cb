/**
 * Input the gateway must refuse before any upstream sees it (ids that would bend a URL path or
 * query, regions that would bend a host name, forged or garbled global ids, oversized id lists),
 * and upstream status words it does not know, which are shown raw and never fail a query.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { SIM_CCE_JOBS, renderCceV3 } from '../../src/simulator/cce-data.js';
import { SIM_CAE_JOBS, renderCae } from '../../src/simulator/cae-data.js';
import { SIM_CAE_ENVIRONMENT_ID, SIM_IDS, SIM_PROJECT_ID } from '../../src/simulator/server.js';
import { useSharedSimulatedGateway, type GraphQLResponse } from '../support/gateway.js';
import { errorAt, pathsOf, reply, uniqueToken, type GqlError, type JobOut } from './helpers.js';

const P = SIM_PROJECT_ID;
const ENV = SIM_CAE_ENVIRONMENT_ID;
const OK_PATH = `/v3/${P}/jobs/${SIM_IDS.cfw.running}`;

const shared = useSharedSimulatedGateway();

async function ask<T>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> {
  const res = await shared.gw.query<T>(query, { token: uniqueToken('validation'), variables });
  expect(res.status).toBe(200);
  return res;
}

function expectBadInput(error: GqlError, mentions?: string): void {
  expect(error.extensions?.code).toBe('BAD_USER_INPUT');
  expect(error.extensions?.upstream).toBeUndefined();
  if (mentions) expect(error.message).toContain(mentions);
}

const BAD_IDS: Array<[string, string]> = [
  ['.', '.'],
  ['..', '..'],
  ['a slash', 'a/b'],
  ['a leading ../', '../x'],
  ['only a slash', '/'],
  ['a backslash', 'a\\b'],
  ['a question mark', 'a?b'],
  ['a hash', 'a#b'],
  ['a percent escape', 'a%2Fb'],
  ['a bare percent', '%'],
  ['NUL', 'a\u0000b'],
  ['a newline', 'a\nb'],
  ['a carriage return', 'a\rb'],
  ['DEL', 'a\u007fb'],
  ['a C1 control', 'a\u0085b'],
  ['empty', ''],
  ['surrounding spaces', ' padded '],
  ['longer than 256', 'x'.repeat(257)],
];

describe('ids in arguments', () => {
  it.each(BAD_IDS)('%s: BAD_USER_INPUT for every id argument of every root field, no upstream call', async (_name, bad) => {
    const res = await ask<Record<string, JobOut | null>>(
      `query($v: String!) {
        c1: cceJob(projectId: $v, jobId: "${SIM_IDS.cce.running}") { state }
        c2: cceJob(projectId: "${P}", jobId: $v) { state }
        a1: caeJob(projectId: $v, environmentId: "${ENV}", jobId: "${SIM_IDS.cae.running}") { state }
        a2: caeJob(projectId: "${P}", environmentId: $v, jobId: "${SIM_IDS.cae.running}") { state }
        a3: caeJob(projectId: "${P}", environmentId: "${ENV}", jobId: $v) { state }
        a4: caeJob(projectId: "${P}", environmentId: "${ENV}", jobId: "${SIM_IDS.cae.running}", enterpriseProjectId: $v) { state }
        f1: cfwJob(projectId: $v, jobId: "${SIM_IDS.cfw.failed}") { state }
        f2: cfwJob(projectId: "${P}", jobId: $v) { state }
        d1: dbJob(projectId: $v, jobId: "${SIM_IDS.db.running}") { state }
        d2: dbJob(projectId: "${P}", jobId: $v) { state }
        ok: cfwJob(projectId: "${P}", jobId: "${SIM_IDS.cfw.running}") { state }
      }`,
      { v: bad },
    );
    const refused: Array<[string, string]> = [
      ['c1', 'projectId'],
      ['c2', 'jobId'],
      ['a1', 'projectId'],
      ['a2', 'environmentId'],
      ['a3', 'jobId'],
      ['a4', 'enterpriseProjectId'],
      ['f1', 'projectId'],
      ['f2', 'jobId'],
      ['d1', 'projectId'],
      ['d2', 'jobId'],
    ];
    expect(res.data).toEqual({ ...Object.fromEntries(refused.map(([field]) => [field, null])), ok: { state: 'RUNNING' } });
    expect(res.errors).toHaveLength(refused.length);
    for (const [field, argument] of refused) expectBadInput(errorAt(res.errors, [field]), argument);
    // Only the one valid field reached an upstream.
    expect(pathsOf(shared.gw.sim)).toEqual([OK_PATH]);
  });

  it.each(BAD_IDS)('%s: cceJobs(projectId:) is refused with no upstream call', async (_name, bad) => {
    const res = await ask<{ cceJobs: JobOut[] } | null>(`query($v: String!) { cceJobs(projectId: $v) { jobId } }`, { v: bad });
    // cceJobs is a non-null list, so its error nulls the whole data.
    expect(res.data).toBeNull();
    expect(res.errors).toHaveLength(1);
    expectBadInput(errorAt(res.errors, ['cceJobs']), 'projectId');
    expect(shared.gw.sim.calls).toHaveLength(0);
  });
});

describe('regions', () => {
  const BAD_REGIONS = [
    'evil.com/',
    'CN-NORTH-4',
    'cn-north-4.attacker.net',
    '127.0.0.1',
    'cn',
    '',
    'cn-north-4/',
    'cn-north-4:8443',
    'cn-north-4@evil.com',
    'cn-north-4?x=1',
    'cn-north-4#x',
    'cn-north-4 ',
    'cn-',
    'cn--4',
    'cn_north_4',
    'cn-north-4\n',
    `cn-${'a'.repeat(64)}`,
  ];

  it.each(BAD_REGIONS)('%j: BAD_USER_INPUT on every root field, no upstream call', async (bad) => {
    const res = await ask<Record<string, JobOut | null>>(
      `query($r: String!) {
        c: cceJob(projectId: "${P}", jobId: "${SIM_IDS.cce.running}", region: $r) { state }
        a: caeJob(projectId: "${P}", environmentId: "${ENV}", jobId: "${SIM_IDS.cae.running}", region: $r) { state }
        f: cfwJob(projectId: "${P}", jobId: "${SIM_IDS.cfw.failed}", region: $r) { state }
        d: dbJob(projectId: "${P}", jobId: "${SIM_IDS.db.running}", region: $r) { state }
        ok: cfwJob(projectId: "${P}", jobId: "${SIM_IDS.cfw.running}") { state }
      }`,
      { r: bad },
    );
    expect(res.data).toEqual({ c: null, a: null, f: null, d: null, ok: { state: 'RUNNING' } });
    expect(res.errors).toHaveLength(4);
    for (const field of ['c', 'a', 'f', 'd']) expectBadInput(errorAt(res.errors, [field]), 'region');
    expect(pathsOf(shared.gw.sim)).toEqual([OK_PATH]);

    const list = await ask<null>(`query($r: String!) { cceJobs(projectId: "${P}", region: $r) { jobId } }`, { r: bad });
    expect(list.data).toBeNull();
    expectBadInput(errorAt(list.errors, ['cceJobs']), 'region');
    expect(pathsOf(shared.gw.sim)).toEqual([OK_PATH]);
  });

  it('a well-formed region is used, and shown on the job and in its id', async () => {
    const res = await ask<{ c: JobOut; f: JobOut }>(
      `{ c: cceJob(projectId: "${P}", jobId: "${SIM_IDS.cce.running}", region: "ap-southeast-3") { id region }
         f: cfwJob(projectId: "${P}", jobId: "${SIM_IDS.cfw.running}") { id region } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.c.region).toBe('ap-southeast-3');
    expect(res.data!.f.region).toBe('cn-north-4'); // the gateway's default
    expect(shared.gw.sim.calls).toHaveLength(2);
    const again = await ask<{ job: JobOut }>(`query($id: ID!) { job(id: $id) { region jobId } }`, { id: res.data!.c.id });
    expect(again.data!.job).toEqual({ region: 'ap-southeast-3', jobId: SIM_IDS.cce.running });
  });
});

const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

const MALFORMED_IDS: Array<[string, string]> = [
  ['not base64url', 'not base64url!'],
  ['base64 padding', `${b64(['cfw', 'cn-north-4', P, SIM_IDS.cfw.running])}=`],
  // Well-formed parts; only the alphabet is wrong (this one encodes with a '+').
  ['standard base64 alphabet', Buffer.from(JSON.stringify(['cfw', 'cn-north-4', P, 'a>>>b'])).toString('base64')],
  ['empty', ''],
  ['far too long', 'A'.repeat(5000)],
  ['base64 of garbage', b64('garbage, not json at all')],
  ['base64 of a JSON object', b64({ tag: 'cfw', parts: ['cn-north-4', P, SIM_IDS.cfw.running] })],
  ['base64 of a JSON string', b64('"cfw"')],
  ['base64 of an empty array', b64([])],
  ['a number as tag', b64([1, 'cn-north-4', P, SIM_IDS.cfw.running])],
  ['an unknown tag', b64(['nope', 'cn-north-4', P, SIM_IDS.cfw.running])],
  ['CCE with too few parts', b64(['cce3', 'cn-north-4', P])],
  ['CFW with too many parts', b64(['cfw', 'cn-north-4', P, SIM_IDS.cfw.running, 'extra'])],
  ['DB with too few parts', b64(['db', 'cn-north-4', SIM_IDS.db.running])],
  ['CAE with too few parts', b64(['cae', 'cn-north-4', P, ENV, null])],
  ['a region with a host in it', b64(['cce3', 'evil.com/', P, SIM_IDS.cce.running])],
  ['an upper-case region', b64(['cce2', 'CN-NORTH-4', P, SIM_IDS.cce.running])],
  ['an IP address as region', b64(['cfw', '127.0.0.1', P, SIM_IDS.cfw.running])],
  ['a job id with ../', b64(['cfw', 'cn-north-4', P, '../x'])],
  ['a DB job id with ?', b64(['db', 'cn-north-4', P, 'a?id=b'])],
  ['a project with /', b64(['cce3', 'cn-north-4', `${P}/jobs`, SIM_IDS.cce.running])],
  ['a percent-escaped job id', b64(['cfw', 'cn-north-4', P, '%2e%2e'])],
  ['a control character', b64(['cfw', 'cn-north-4', P, 'a\u0000b'])],
  ['a CAE environment with /', b64(['cae', 'cn-north-4', P, 'env/x', null, SIM_IDS.cae.running])],
  ['a CAE enterprise project with #', b64(['cae', 'cn-north-4', P, ENV, 'ep#1', SIM_IDS.cae.running])],
  ['a CAE task with a negative index', b64(['caet', 'cn-north-4', P, ENV, null, SIM_IDS.cae.running, -1])],
  ['a CAE task with a string index', b64(['caet', 'cn-north-4', P, ENV, null, SIM_IDS.cae.running, '1'])],
  ['a CAE task with a fractional index', b64(['caet', 'cn-north-4', P, ENV, null, SIM_IDS.cae.running, 1.5])],
  ['a number where a job id goes', b64(['cce3', 'cn-north-4', P, 7])],
  ['null where the project goes', b64(['cce3', 'cn-north-4', null, SIM_IDS.cce.running])],
  ['"." as job id', b64(['cce3', 'cn-north-4', P, '.'])],
];

describe('malformed global ids', () => {
  let okCce: string;
  let okDb: string;
  beforeAll(async () => {
    const res = await shared.gw.query<{ c: JobOut; d: JobOut }>(
      `{ c: cceJob(projectId: "${P}", jobId: "${SIM_IDS.cce.running}") { id } d: dbJob(projectId: "${P}", jobId: "${SIM_IDS.db.running}") { id } }`,
      { token: uniqueToken('ids') },
    );
    okCce = res.data!.c.id;
    okDb = res.data!.d.id;
  });

  it.each(MALFORMED_IDS)('%s: job(id:) is BAD_USER_INPUT; in jobs(ids:) only that entry is', async (_name, bad) => {
    const res = await ask<{ one: JobOut | null; many: (JobOut | null)[] }>(
      `query($bad: ID!, $c: ID!, $d: ID!) { one: job(id: $bad) { jobId } many: jobs(ids: [$c, $bad, $d]) { jobId } }`,
      { bad, c: okCce, d: okDb },
    );
    expect(res.data).toEqual({ one: null, many: [{ jobId: SIM_IDS.cce.running }, null, { jobId: SIM_IDS.db.running }] });
    expect(res.errors).toHaveLength(2);
    expectBadInput(errorAt(res.errors, ['one']));
    expectBadInput(errorAt(res.errors, ['many', 1]));
    // Only the two good ids were read upstream.
    expect(pathsOf(shared.gw.sim).sort()).toEqual(
      [`/api/v3/projects/${P}/jobs/${SIM_IDS.cce.running}`, `/v3/${P}/jobs?id=${SIM_IDS.db.running}`].sort(),
    );
  });
});

describe('jobs(ids:) size limit', () => {
  it('101 ids are BAD_USER_INPUT with no upstream call', async () => {
    const ids = Array.from({ length: 101 }, (_, i) => b64(['cfw', 'cn-north-4', P, `job-${i}`]));
    const res = await ask<null>(`query($ids: [ID!]!) { jobs(ids: $ids) { jobId } }`, { ids });
    expect(res.data).toBeNull();
    expect(res.errors).toHaveLength(1);
    expectBadInput(errorAt(res.errors, ['jobs']), '100');
    expect(shared.gw.sim.calls).toHaveLength(0);
  });

  it('an empty list is an empty answer, with no upstream call', async () => {
    const res = await ask<{ jobs: JobOut[] }>(`{ jobs(ids: []) { jobId } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ jobs: [] });
    expect(shared.gw.sim.calls).toHaveLength(0);
  });
});

describe('status words the gateway does not know', () => {
  it('CCE "Paused" (in the seed) is UNKNOWN with rawStatus verbatim, however the job is read', async () => {
    const first = await ask<{ cceJob: JobOut; cceJobs: JobOut[] }>(
      `{ cceJob(projectId: "${P}", jobId: "${SIM_IDS.cce.unknownPhase}") { id state rawStatus terminal finishedAt message }
         cceJobs(projectId: "${P}") { id jobId state rawStatus terminal } }`,
    );
    expect(first.errors).toBeUndefined();
    const expected = { state: 'UNKNOWN', rawStatus: 'Paused', terminal: false };
    expect(first.data!.cceJob).toEqual({ ...expected, id: expect.any(String), finishedAt: null, message: 'paused by operator' });
    const listed = first.data!.cceJobs.find((j) => j.jobId === SIM_IDS.cce.unknownPhase)!;
    expect(listed).toEqual({ ...expected, id: expect.any(String), jobId: SIM_IDS.cce.unknownPhase });
    const byId = await ask<{ jobs: JobOut[] }>(`query($ids: [ID!]!) { jobs(ids: $ids) { state rawStatus terminal } }`, {
      ids: [first.data!.cceJob.id, listed.id],
    });
    expect(byId.errors).toBeUndefined();
    expect(byId.data!.jobs).toEqual([expected, expected]);
  });

  it('unknown words from every upstream are UNKNOWN, known words match in any case, and nothing fails', async () => {
    const cceBody = renderCceV3(SIM_CCE_JOBS.get(SIM_IDS.cce.running)!);
    (cceBody.status as Record<string, unknown>).phase = 'SUCCESS';
    const caeBody = renderCae(SIM_CAE_JOBS.get(SIM_IDS.cae.running)!);
    const caeSpec = caeBody.spec as { status: string; tasks: Array<Record<string, unknown>> };
    caeSpec.status = 'Suspended';
    caeSpec.tasks[0]!.status = 'SUCCESS';
    caeSpec.tasks[1]!.status = 'queued';
    const answers: Record<string, unknown> = {
      [`/api/v3/projects/${P}/jobs/${SIM_IDS.cce.running}`]: cceBody,
      [`/v1/${P}/cae/jobs/${SIM_IDS.cae.running}`]: caeBody,
      [`/v3/${P}/jobs/${SIM_IDS.cfw.running}`]: { data: { id: SIM_IDS.cfw.running, status: 'Exploded', begin_time: 1757066400123 } },
      [`/v3/${P}/jobs/${SIM_IDS.cfw.failed}`]: { data: { id: SIM_IDS.cfw.failed, status: 'failed' } },
      [`/v3/${P}/jobs?id=${SIM_IDS.db.running}`]: { job: { id: SIM_IDS.db.running, name: 'ResizeFlavor', status: 'Queued', progress: '' } },
      [`/v3/${P}/jobs?id=${SIM_IDS.db.pending}`]: { job: { id: SIM_IDS.db.pending, name: 'RestartInstance', status: 'CANCELED' } },
    };
    shared.hook = (call, res) => {
      const body = answers[call.query ? `${call.path}?${call.query}` : call.path];
      return body !== undefined && reply(res, 200, JSON.stringify(body));
    };
    const res = await ask<Record<string, JobOut>>(`{
      c: cceJob(projectId: "${P}", jobId: "${SIM_IDS.cce.running}") { state rawStatus terminal }
      a: caeJob(projectId: "${P}", environmentId: "${ENV}", jobId: "${SIM_IDS.cae.running}") { state rawStatus terminal subJobs { state rawStatus terminal } }
      f1: cfwJob(projectId: "${P}", jobId: "${SIM_IDS.cfw.running}") { state rawStatus terminal createdAt }
      f2: cfwJob(projectId: "${P}", jobId: "${SIM_IDS.cfw.failed}") { state rawStatus terminal }
      d1: dbJob(projectId: "${P}", jobId: "${SIM_IDS.db.running}") { state rawStatus terminal }
      d2: dbJob(projectId: "${P}", jobId: "${SIM_IDS.db.pending}") { state rawStatus terminal }
    }`);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      c: { state: 'SUCCEEDED', rawStatus: 'SUCCESS', terminal: true },
      a: {
        state: 'UNKNOWN',
        rawStatus: 'Suspended',
        terminal: false,
        subJobs: [
          { state: 'SUCCEEDED', rawStatus: 'SUCCESS', terminal: true },
          { state: 'UNKNOWN', rawStatus: 'queued', terminal: false },
          { state: 'PENDING', rawStatus: 'init', terminal: false },
        ],
      },
      f1: { state: 'UNKNOWN', rawStatus: 'Exploded', terminal: false, createdAt: '2025-09-05T10:00:00.123Z' },
      f2: { state: 'FAILED', rawStatus: 'failed', terminal: true },
      d1: { state: 'UNKNOWN', rawStatus: 'Queued', terminal: false },
      d2: { state: 'CANCELLED', rawStatus: 'CANCELED', terminal: true },
    });
  });
});
