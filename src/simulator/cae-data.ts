/** The simulated CAE's seed (jobs with their tasks) and its live upgrade job (live.ts). */
import type { LiveInstant } from './live.js';
import { checkLiveIds, checkNamedIds, compact, deepFreeze, type JsonObject } from './seed.js';

export const SIM_CAE_ENVIRONMENT_ID = '5f8e2c1a-7b3d-4e6f-9a0b-c1d2e3f4a5b6';

export interface CaeTaskRecord {
  readonly index: number;
  readonly name: string;
  readonly status: string;
  readonly detail: string;
  /** Absent means the key is left out of the response. */
  readonly created_at?: string;
  readonly updated_at?: string;
}

export interface CaeJobRecord {
  readonly id: string;
  readonly progress: number;
  readonly status: string;
  readonly tasks: readonly CaeTaskRecord[];
}

export function renderCae(job: CaeJobRecord): JsonObject {
  return {
    api_version: 'v1',
    kind: 'Job',
    spec: {
      progress: job.progress,
      status: job.status,
      tasks: job.tasks.map((t) =>
        compact([
          ['index', t.index],
          ['name', t.name],
          ['status', t.status],
          ['detail', t.detail],
          ['created_at', t.created_at],
          ['updated_at', t.updated_at],
        ]),
      ),
    },
  };
}

const CAE_JOBS_LIST: readonly CaeJobRecord[] = [
  {
    // the CAE API reference's ShowJob example, verbatim
    id: '8c3d2e1f-4a5b-4c6d-8e7f-90a1b2c3d4e5',
    progress: 0,
    status: 'running',
    tasks: [
      {
        index: 1,
        name: 'upgrade',
        status: 'init',
        detail: '',
        created_at: '2023-02-16T11:24:07.950175Z',
        updated_at: '2023-02-16T11:24:07.950175Z',
      },
    ],
  },
  {
    id: '1a2b3c4d-0001-4e5f-8a9b-0c1d2e3f4a01',
    progress: 0,
    status: 'init',
    tasks: [
      { index: 1, name: 'build', status: 'init', detail: '', created_at: '2024-03-01T10:00:00Z', updated_at: '' },
      { index: 2, name: 'deploy', status: 'init', detail: '', created_at: '2024-03-01T10:00:00Z', updated_at: '' },
    ],
  },
  {
    id: '1a2b3c4d-0002-4e5f-8a9b-0c1d2e3f4a02',
    progress: 50,
    status: 'running',
    tasks: [
      {
        index: 1,
        name: 'build',
        status: 'success',
        detail: '',
        created_at: '2024-03-02T09:00:00.1Z',
        updated_at: '2024-03-02T09:04:12.345Z',
      },
      {
        index: 2,
        name: 'deploy',
        status: 'running',
        detail: 'rolling update 1/3 instances',
        created_at: '2024-03-02T09:04:12.345Z',
        updated_at: '2024-03-02T09:05:40.987654321Z',
      },
      { index: 3, name: 'healthcheck', status: 'init', detail: '', created_at: '2024-03-02T09:04:12.345Z', updated_at: '' },
    ],
  },
  {
    id: '1a2b3c4d-0003-4e5f-8a9b-0c1d2e3f4a03',
    progress: 66.7,
    status: 'failed',
    tasks: [
      {
        index: 1,
        name: 'build',
        status: 'success',
        detail: '',
        created_at: '2022-12-05T08:10:19.951Z',
        updated_at: '2022-12-05T08:13:01.002Z',
      },
      {
        index: 2,
        name: 'deploy',
        status: 'failed',
        detail: 'ImagePullBackOff: swr.cn-north-4.myhuaweicloud.com/demo/app:1.4.2 not found',
        created_at: '2022-12-05T08:13:01.002Z',
        updated_at: '2022-12-05T08:23:01.5Z',
      },
      {
        index: 3,
        name: 'verify',
        status: 'skip',
        detail: 'skipped after a failed step',
        created_at: '2022-12-05T08:13:01.002Z',
        updated_at: '2022-12-05T08:23:01.5Z',
      },
    ],
  },
  {
    id: '1a2b3c4d-0004-4e5f-8a9b-0c1d2e3f4a04',
    progress: 80,
    status: 'timeout',
    tasks: [
      { index: 1, name: 'deploy', status: 'success', detail: '', created_at: '2020-09-16T02:38:33Z', updated_at: '2020-09-16T02:40:00Z' },
      {
        index: 2,
        name: 'healthcheck',
        status: 'timeout',
        detail: 'readiness probe did not pass within 600s',
        created_at: '2020-09-16T02:40:00Z',
        updated_at: '2020-09-16T02:50:00Z',
      },
    ],
  },
  {
    id: '1a2b3c4d-0005-4e5f-8a9b-0c1d2e3f4a05',
    progress: 100,
    status: 'success',
    tasks: [
      {
        index: 1,
        name: 'build',
        status: 'success',
        detail: '',
        created_at: '2021-07-12T09:22:04+0800',
        updated_at: '2021-07-12T09:30:10+0800',
      },
      {
        index: 2,
        name: 'deploy',
        status: 'success',
        detail: '',
        created_at: '2021-07-12T09:30:10+0800',
        updated_at: '2021-07-12T09:35:55+0800',
      },
      {
        index: 3,
        name: 'healthcheck',
        status: 'success',
        detail: '',
        created_at: '2021-07-12T09:35:55+0800',
        updated_at: '2021-07-12T09:36:20+0800',
      },
      {
        index: 4,
        name: 'cleanup',
        status: 'skip',
        detail: 'nothing to clean',
        created_at: '2021-07-12T09:36:20+0800',
        updated_at: '2021-07-12T09:36:20+0800',
      },
    ],
  },
  {
    id: '1a2b3c4d-0006-4e5f-8a9b-0c1d2e3f4a06',
    progress: 100,
    status: 'skip',
    tasks: [
      {
        index: 1,
        name: 'build',
        status: 'skip',
        detail: 'image unchanged',
        created_at: '2025-01-20T06:00:00.000001Z',
        updated_at: '2025-01-20T06:00:00.000001Z',
      },
      { index: 2, name: 'deploy', status: 'skip', detail: 'configuration unchanged' }, // no timestamps at all
    ],
  },
  {
    id: '1a2b3c4d-0007-4e5f-8a9b-0c1d2e3f4a07',
    progress: 40,
    status: 'terminating',
    tasks: [
      {
        index: 1,
        name: 'deploy',
        status: 'terminating',
        detail: 'stop requested by user',
        created_at: '2025-02-11T13:14:15.16Z',
        updated_at: '2025-02-11T13:20:00Z',
      },
      { index: 2, name: 'healthcheck', status: 'init', detail: '', created_at: '2025-02-11T13:14:15.16Z', updated_at: '' },
      {
        index: 3,
        name: 'cleanup',
        status: 'running',
        detail: 'removing 2 instances',
        created_at: '2025-02-11T13:20:00Z',
        updated_at: '2025-02-11T13:20:05Z',
      },
    ],
  },
  {
    id: '1a2b3c4d-0008-4e5f-8a9b-0c1d2e3f4a08',
    progress: 40,
    status: 'terminated',
    tasks: [
      {
        index: 1,
        name: 'deploy',
        status: 'terminated',
        detail: 'stopped by user',
        created_at: '2025-02-12T01:00:00Z',
        updated_at: '2025-02-12T01:06:30Z',
      },
      { index: 2, name: 'cleanup', status: 'success', detail: '', created_at: '2025-02-12T01:06:30Z', updated_at: '2025-02-12T01:07:00Z' },
    ],
  },
  {
    // Markup in upstream text: every client (the job page above all) must show it as text, never run it.
    id: '1a2b3c4d-0009-4e5f-8a9b-0c1d2e3f4a09',
    progress: 50,
    status: 'failed',
    tasks: [
      {
        index: 1,
        name: 'build <b>image</b>',
        status: 'success',
        detail: '',
        created_at: '2025-03-03T03:03:03Z',
        updated_at: '2025-03-03T03:05:00Z',
      },
      {
        index: 2,
        name: 'deploy',
        status: 'failed',
        detail: '<img src=x onerror="document.title=\'pwned\';window.__pwned=1"><script>window.__pwned=2</script> & "quoted"',
        created_at: '2025-03-03T03:05:00Z',
        updated_at: '2025-03-03T03:06:30Z',
      },
    ],
  },
];

export const SIM_CAE_JOBS: ReadonlyMap<string, CaeJobRecord> = new Map(deepFreeze(CAE_JOBS_LIST).map((j) => [j.id, j]));

/* ------------------------------------------------------------------------------------------ */
/* Live upgrade: its state is computed per request from a timeline (see live.ts)              */
/* ------------------------------------------------------------------------------------------ */

/** CAE upgrade job whose progress climbs 0 → 33 → 66 → 100. */
export const LIVE_CAE_ID = '1a2b3c4d-00a1-4e5f-8a9b-0c1d2e3f4aa1';

const CAE_TASKS = ['build', 'deploy', 'healthcheck'] as const;

/** 0 init; 1 running at 0 %; each later step finishes one task (33, 66, 100 %). */
export const LIVE_CAE_TERMINAL_STEP = CAE_TASKS.length + 1;

const CAE_PROGRESS = [0, 0, 33, 66, 100] as const;

/** The live CAE upgrade job as it is at `at`. */
export function liveCaeJob(at: LiveInstant): CaeJobRecord {
  const { startMs, stepMs, step } = at;
  const time = (s: number): string => new Date(startMs + s * stepMs).toISOString();
  const tasks = CAE_TASKS.map((name, i): CaeTaskRecord => {
    const status = step >= i + 2 ? 'success' : step === i + 1 ? 'running' : 'init';
    return {
      index: i + 1,
      name,
      status,
      detail: status === 'running' && name === 'deploy' ? 'rolling update of 2 instances' : '',
      created_at: time(0),
      updated_at: status === 'success' ? time(i + 2) : status === 'running' ? time(i + 1) : '',
    };
  });
  const terminal = step >= LIVE_CAE_TERMINAL_STEP;
  return deepFreeze({
    id: LIVE_CAE_ID,
    progress: CAE_PROGRESS[Math.min(step, CAE_PROGRESS.length - 1)] ?? 100,
    status: step === 0 ? 'init' : terminal ? 'success' : 'running',
    tasks,
  });
}

/* ------------------------------------------------------------------------------------------ */
/* Named ids, so tests never hard-code uuids                                                  */
/* ------------------------------------------------------------------------------------------ */

export const CAE_SIM_IDS = deepFreeze({
  /** The API reference's example: running, progress 0, one task "upgrade" in init. */
  doc: '8c3d2e1f-4a5b-4c6d-8e7f-90a1b2c3d4e5',
  init: '1a2b3c4d-0001-4e5f-8a9b-0c1d2e3f4a01',
  running: '1a2b3c4d-0002-4e5f-8a9b-0c1d2e3f4a02',
  failed: '1a2b3c4d-0003-4e5f-8a9b-0c1d2e3f4a03',
  timeout: '1a2b3c4d-0004-4e5f-8a9b-0c1d2e3f4a04',
  success: '1a2b3c4d-0005-4e5f-8a9b-0c1d2e3f4a05',
  skip: '1a2b3c4d-0006-4e5f-8a9b-0c1d2e3f4a06',
  terminating: '1a2b3c4d-0007-4e5f-8a9b-0c1d2e3f4a07',
  terminated: '1a2b3c4d-0008-4e5f-8a9b-0c1d2e3f4a08',
  /** Failed, with HTML (an <img onerror> and a <script>) in a task name and a task's detail. */
  hostile: '1a2b3c4d-0009-4e5f-8a9b-0c1d2e3f4a09',
});

export const CAE_LIVE_IDS = deepFreeze({
  /** CAE upgrade: init → running (progress 0 → 33 → 66) → success (100). */
  cae: LIVE_CAE_ID,
});

checkNamedIds('cae', CAE_SIM_IDS, SIM_CAE_JOBS);
checkLiveIds([LIVE_CAE_ID], SIM_CAE_JOBS);
