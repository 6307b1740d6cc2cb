import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { SIM_CCE_TOP_LEVEL } from '../src/simulator/cce-data.js';
import { SIM_CAE_ENVIRONMENT_ID, SIM_IDS, SIM_PROJECT_ID, startSimulator, type Simulator } from '../src/simulator/server.js';

const P = SIM_PROJECT_ID;
const LIVE = SIM_IDS.live;
const STEP = 100;
const RESTART = 1000;
const T0 = Date.parse('2025-11-03T10:00:00.000Z');
const TOKEN = { 'x-auth-token': 'live-test-token' };

/** The fake clock every simulator in this file reads. */
let now = T0;
let sim: Simulator;

type Obj = Record<string, unknown>;

async function get(path: string, headers: Record<string, string> = TOKEN, base = sim.url): Promise<{ status: number; body: Obj }> {
  const r = await request(`${base}${path}`, { headers });
  return { status: r.statusCode, body: (await r.body.json()) as Obj };
}

function obj(v: unknown): Obj {
  expect(v).toBeTypeOf('object');
  expect(v).not.toBeNull();
  return v as Obj;
}
function arr(v: unknown): Obj[] {
  expect(Array.isArray(v)).toBe(true);
  return (v as unknown[]).map(obj);
}

const cceV3 = async (id: string = LIVE.cce, base?: string): Promise<Obj> => {
  const r = await get(`/api/v3/projects/${P}/jobs/${id}`, TOKEN, base);
  expect(r.status).toBe(200);
  return r.body;
};
const cceV2 = async (id: string = LIVE.cce): Promise<Obj> => {
  const r = await get(`/api/v2/projects/${P}/jobs/${id}`);
  expect(r.status).toBe(200);
  return r.body;
};
const cae = async (): Promise<Obj> => {
  const r = await get(`/v1/${P}/cae/jobs/${LIVE.cae}`, { ...TOKEN, 'x-environment-id': SIM_CAE_ENVIRONMENT_ID });
  expect(r.status).toBe(200);
  return obj(r.body.spec);
};
const db = async (): Promise<Obj> => {
  const r = await get(`/v3/${P}/jobs?id=${LIVE.db}`);
  expect(r.status).toBe(200);
  return obj(r.body.job);
};

/** Go's time.String() for the instant `ms` after T0: `2025-11-03 10:00:00.21 +0000 UTC` (fraction zeros trimmed). */
function goAt(ms: number): string {
  const [date = '', time = ''] = new Date(T0 + ms).toISOString().slice(0, -1).split('T');
  const [hms = '', fraction = ''] = time.split('.');
  const trimmed = fraction.replace(/0+$/, '');
  return `${date} ${hms}${trimmed ? `.${trimmed}` : ''} +0000 UTC`;
}

/** A compact view of a CCE v3 job: [parent phase, ...sub-job phases]. */
function phasesV3(job: Obj): string[] {
  return [String(obj(job.status).phase), ...arr(obj(job.spec).subJobs).map((s) => String(obj(s.status).phase))];
}
function phasesV2(job: Obj): string[] {
  return [String(obj(job.status).status), ...arr(obj(job.spec).subjobs).map((s) => String(obj(s.status).status))];
}

beforeAll(async () => {
  sim = await startSimulator({ liveStepMs: STEP, liveRestartAfterMs: RESTART, now: () => now });
});
afterAll(async () => {
  await sim.close();
});
afterEach(() => {
  sim.resetLive();
  now = T0;
});

describe('live CCE CreateCluster', () => {
  it('goes Initializing → Running → each sub-job Success in turn → Success, with updateTimestamp moving', async () => {
    const seen: string[][] = [];
    const updated: string[] = [];
    for (let step = 0; step <= 6; step++) {
      now = T0 + step * STEP + 10; // mid-step (the first request starts the clock at T0 + 10)
      const job = await cceV3();
      seen.push(phasesV3(job));
      updated.push(String(obj(job.metadata).updateTimestamp));
    }
    expect(seen).toEqual([
      ['Initializing', 'Initializing', 'Initializing', 'Initializing'],
      ['Running', 'Running', 'Initializing', 'Initializing'],
      ['Running', 'Success', 'Running', 'Initializing'],
      ['Running', 'Success', 'Success', 'Running'],
      ['Success', 'Success', 'Success', 'Success'],
      ['Success', 'Success', 'Success', 'Success'],
      ['Success', 'Success', 'Success', 'Success'],
    ]);
    // Not started yet: no update time; then the time of each step's change, then it stops moving.
    const start = 10;
    expect(updated).toEqual([
      '',
      goAt(start + STEP),
      goAt(start + 2 * STEP),
      goAt(start + 3 * STEP),
      goAt(start + 4 * STEP),
      goAt(start + 4 * STEP),
      goAt(start + 4 * STEP),
    ]);
  });

  it('serves the documented v3 shape, sub-jobs embedded whole with their own times', async () => {
    now = T0;
    await cceV3(); // starts the timeline at T0
    now = T0 + 2 * STEP + 50;
    expect(await cceV3()).toEqual({
      kind: 'Job',
      apiVersion: 'v3',
      metadata: { uid: LIVE.cce, creationTimestamp: goAt(0), updateTimestamp: goAt(2 * STEP) },
      spec: {
        type: 'CreateCluster',
        clusterUID: expect.any(String),
        resourceID: expect.any(String),
        resourceName: 'cluster-live-demo',
        extendParam: { clusterVersion: 'v1.31', flavor: 'cce.s1.small' },
        subJobs: [
          {
            kind: 'Job',
            apiVersion: 'v3',
            metadata: { uid: LIVE.cceSubJobs[0], creationTimestamp: goAt(0), updateTimestamp: goAt(2 * STEP) },
            spec: { type: 'CreatePSMCert', clusterUID: expect.any(String), resourceID: expect.any(String) },
            status: { phase: 'Success', reason: '' },
          },
          {
            kind: 'Job',
            apiVersion: 'v3',
            metadata: { uid: LIVE.cceSubJobs[1], creationTimestamp: goAt(0), updateTimestamp: goAt(STEP * 2) },
            spec: { type: 'InstallMaster', clusterUID: expect.any(String), resourceID: expect.any(String) },
            status: { phase: 'Running', reason: '' },
          },
          {
            kind: 'Job',
            apiVersion: 'v3',
            metadata: { uid: LIVE.cceSubJobs[2], creationTimestamp: goAt(0), updateTimestamp: '' },
            spec: { type: 'InstallAddons', clusterUID: expect.any(String), resourceID: expect.any(String) },
            status: { phase: 'Initializing', reason: '' },
          },
        ],
      },
      status: { phase: 'Running', reason: '' },
    });
  });

  it('the v3 and v2 views agree at every step (v2 adds completionTime once terminal)', async () => {
    for (let step = 0; step <= 5; step++) {
      now = T0 + step * STEP;
      const v3 = await cceV3();
      const v2 = await cceV2();
      expect(phasesV2(v2)).toEqual(phasesV3(v3));
      expect(v2.metadata).toEqual(v3.metadata);
      expect(v2.apiVersion).toBe('v2');
      const s3 = obj(v3.spec);
      const s2 = obj(v2.spec);
      expect(s2).toMatchObject({
        type: s3.type,
        clusteruid: s3.clusterUID,
        resourceid: s3.resourceID,
        resourcename: s3.resourceName,
        extendparam: s3.extendParam,
      });
      const sub3 = arr(s3.subJobs);
      const sub2 = arr(s2.subjobs);
      expect(sub2.map((s) => s.metadata)).toEqual(sub3.map((s) => s.metadata));
      expect(sub2.map((s) => obj(s.spec).type)).toEqual(sub3.map((s) => obj(s.spec).type));
      const status2 = obj(v2.status);
      if (obj(v3.status).phase === 'Success') expect(status2.completionTime).toBe(obj(v3.metadata).updateTimestamp);
      else expect(status2).not.toHaveProperty('completionTime');
    }
  });

  it('serves each sub-job on its own, on the parent timeline', async () => {
    const [psm, master, addons] = LIVE.cceSubJobs;
    now = T0;
    // A sub-job's request starts the shared timeline too.
    expect(obj((await cceV3(master)).status).phase).toBe('Initializing');
    now = T0 + 2 * STEP;
    expect(obj((await cceV3(psm)).status).phase).toBe('Success');
    expect(obj((await cceV3(master)).status).phase).toBe('Running');
    expect(obj((await cceV2(addons)).status)).toEqual({ status: 'Initializing', reason: '' });
    expect(phasesV3(await cceV3())).toEqual(['Running', 'Success', 'Running', 'Initializing']);
    now = T0 + 4 * STEP;
    const done = await cceV2(addons);
    expect(done.status).toEqual({ status: 'Success', reason: '', completionTime: goAt(4 * STEP) });
  });
});

describe('live CAE upgrade', () => {
  it('climbs 0 → 33 → 66 → 100 with tasks going init → running → success', async () => {
    const seen: Array<[number, string, string[]]> = [];
    for (let step = 0; step <= 5; step++) {
      now = T0 + step * STEP;
      const spec = await cae();
      seen.push([Number(spec.progress), String(spec.status), arr(spec.tasks).map((t) => String(t.status))]);
    }
    expect(seen).toEqual([
      [0, 'init', ['init', 'init', 'init']],
      [0, 'running', ['running', 'init', 'init']],
      [33, 'running', ['success', 'running', 'init']],
      [66, 'running', ['success', 'success', 'running']],
      [100, 'success', ['success', 'success', 'success']],
      [100, 'success', ['success', 'success', 'success']],
    ]);
  });

  it('keeps the documented task shape, updated_at moving and empty until a task starts', async () => {
    now = T0;
    await cae();
    now = T0 + 2 * STEP;
    const r = await get(`/v1/${P}/cae/jobs/${LIVE.cae}`, { ...TOKEN, 'x-environment-id': SIM_CAE_ENVIRONMENT_ID });
    const iso = (ms: number): string => new Date(T0 + ms).toISOString();
    expect(r.body).toEqual({
      api_version: 'v1',
      kind: 'Job',
      spec: {
        progress: 33,
        status: 'running',
        tasks: [
          { index: 1, name: 'build', status: 'success', detail: '', created_at: iso(0), updated_at: iso(2 * STEP) },
          {
            index: 2,
            name: 'deploy',
            status: 'running',
            detail: 'rolling update of 2 instances',
            created_at: iso(0),
            updated_at: iso(2 * STEP),
          },
          { index: 3, name: 'healthcheck', status: 'init', detail: '', created_at: iso(0), updated_at: '' },
        ],
      },
    });
  });

  it('still needs the environment header and the right environment', async () => {
    expect((await get(`/v1/${P}/cae/jobs/${LIVE.cae}`)).status).toBe(400);
    const other = await get(`/v1/${P}/cae/jobs/${LIVE.cae}`, { ...TOKEN, 'x-environment-id': 'nope' });
    expect(other.status).toBe(500);
    expect(other.body.error_code).toBe('CAE.01500404');
  });
});

describe('live RDS job', () => {
  it('goes Pending → Running "20%" → Running "60%" → Completed', async () => {
    const seen: Array<[string, string, string]> = [];
    for (let step = 0; step <= 4; step++) {
      now = T0 + step * STEP;
      const job = await db();
      seen.push([String(job.status), String(job.progress), String(job.ended)]);
    }
    // T0 is 10:00:00Z = 18:00:00+0800; the job completes 300 ms later, within the same second.
    expect(seen).toEqual([
      ['Pending', '', ''],
      ['Running', '20%', ''],
      ['Running', '60%', ''],
      ['Completed', '', '2025-11-03T18:00:00+0800'],
      ['Completed', '', '2025-11-03T18:00:00+0800'],
    ]);
    expect(await db()).toMatchObject({ id: LIVE.db, name: 'CreateMysqlInstance', created: '2025-11-03T18:00:00+0800', fail_reason: null });
  });
});

describe('live timelines', () => {
  it('start at the first request, not when the simulator starts', async () => {
    now = T0 + 60_000;
    expect(phasesV3(await cceV3())[0]).toBe('Initializing');
    expect(obj((await cceV3()).metadata).creationTimestamp).toBe(goAt(60_000));
    // Each job has its own timeline: the CCE request started neither the CAE nor the RDS one.
    now = T0 + 60_000 + 3 * STEP;
    expect(phasesV3(await cceV3())[0]).toBe('Running');
    expect((await cae()).status).toBe('init');
    expect((await db()).status).toBe('Pending');
  });

  it(`restart once terminal for liveRestartAfterMs (${RESTART} ms), at the next request`, async () => {
    now = T0;
    await cceV3();
    await cae();
    await db();
    const terminalAt = { cce: 4 * STEP, cae: 4 * STEP, db: 3 * STEP };

    // Just before the threshold: still terminal.
    now = T0 + terminalAt.cce + RESTART - 1;
    expect(phasesV3(await cceV3())[0]).toBe('Success');
    now = T0 + terminalAt.db + RESTART - 1;
    expect((await db()).status).toBe('Completed');

    // At the threshold: a fresh timeline starting now.
    now = T0 + terminalAt.cce + RESTART;
    const again = await cceV3();
    expect(phasesV3(again)).toEqual(['Initializing', 'Initializing', 'Initializing', 'Initializing']);
    expect(obj(again.metadata)).toEqual({ uid: LIVE.cce, creationTimestamp: goAt(terminalAt.cce + RESTART), updateTimestamp: '' });
    expect((await cae()).status).toBe('init');
    expect((await db()).status).toBe('Pending');

    // …which runs through its steps again.
    now += STEP;
    expect(phasesV3(await cceV3())).toEqual(['Running', 'Running', 'Initializing', 'Initializing']);
    expect((await cae()).status).toBe('running');
    expect(await db()).toMatchObject({ status: 'Running', progress: '20%' });
  });

  it('restart after a long pause between requests (the job was terminal long enough meanwhile)', async () => {
    now = T0;
    await cae();
    now = T0 + 10 * RESTART; // only its second request: it finished long ago, so this one restarts it
    expect((await cae()).status).toBe('init');
    now += 2 * STEP;
    expect((await cae()).progress).toBe(33);
  });

  it('belong to one simulator instance', async () => {
    now = T0;
    await cceV3();
    now = T0 + 2 * STEP;
    const other = await startSimulator({ liveStepMs: STEP, now: () => now });
    try {
      expect(phasesV3(await cceV3(LIVE.cce, other.url))[0]).toBe('Initializing');
      expect(phasesV3(await cceV3())[0]).toBe('Running');
    } finally {
      await other.close();
    }
  });

  it('resetLive() forgets them', async () => {
    now = T0;
    await db();
    now = T0 + 2 * STEP;
    expect((await db()).progress).toBe('60%');
    sim.resetLive();
    expect((await db()).status).toBe('Pending');
  });

  it('do not touch the seed: ListJobs is unchanged, other projects 404, bad options are refused', async () => {
    const list = await request(`${sim.url}/api/v2/projects/${P}/jobs`, { headers: TOKEN });
    const uids = ((await list.body.json()) as Obj[]).map((j) => obj(j.metadata).uid);
    expect(uids).toEqual(SIM_CCE_TOP_LEVEL.map((j) => j.uid));
    expect(uids).not.toContain(LIVE.cce);

    const otherProject = 'f'.repeat(32);
    expect((await get(`/api/v3/projects/${otherProject}/jobs/${LIVE.cce}`)).status).toBe(404);
    expect((await get(`/v3/${otherProject}/jobs?id=${LIVE.db}`)).status).toBe(404);
    // Unauthenticated requests are refused before the job is looked at.
    expect((await get(`/api/v3/projects/${P}/jobs/${LIVE.cce}`, {})).status).toBe(401);

    await expect(startSimulator({ liveStepMs: 0 })).rejects.toThrow(/liveStepMs/);
    await expect(startSimulator({ liveRestartAfterMs: -1 })).rejects.toThrow(/liveRestartAfterMs/);
  });

  it('advance on the real clock when no clock is injected', async () => {
    const real = await startSimulator({ liveStepMs: 40 });
    try {
      const phases: string[] = [];
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline) {
        const phase = phasesV3(await cceV3(LIVE.cce, real.url))[0] ?? '';
        if (phases.at(-1) !== phase) phases.push(phase);
        if (phase === 'Success') break;
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(phases).toEqual(['Initializing', 'Running', 'Success']);
    } finally {
      await real.close();
    }
  });
});
