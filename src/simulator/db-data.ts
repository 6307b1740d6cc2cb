/** The simulated RDS task center's seed and its live job (live.ts). */
import type { LiveInstant } from './live.js';
import { checkLiveIds, checkNamedIds, compact, deepFreeze, type JsonObject } from './seed.js';

export interface DbJobRecord {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly created: string;
  /** Absent means the key is left out of the response. */
  readonly ended?: string;
  readonly progress: string;
  readonly instance: { readonly id: string; readonly name: string };
  readonly fail_reason: string | null;
}

export function renderDb(job: DbJobRecord): JsonObject {
  return {
    job: compact([
      ['id', job.id],
      ['name', job.name],
      ['status', job.status],
      ['created', job.created],
      ['ended', job.ended],
      ['progress', job.progress],
      ['instance', { id: job.instance.id, name: job.instance.name }],
      ['fail_reason', job.fail_reason],
    ]),
  };
}

const DB_JOBS_LIST: readonly DbJobRecord[] = [
  // the RDS API reference's example, verbatim
  {
    id: 'a9767ede-fe0f-4888-9003-e843a4c90514',
    name: 'CreateMysqlInstance',
    status: 'Completed',
    created: '2021-07-12T09:22:04+0800',
    ended: '2021-07-12T10:10:13+0800',
    progress: '',
    instance: { id: 'b34f8c791f2643578510c093aa2351a8in01', name: 'mysql-c1a3' },
    fail_reason: null,
  },
  {
    id: '5e6f7a8b-0001-4c9d-8e0f-1a2b3c4d5e01',
    name: 'RestartInstance',
    status: 'Pending',
    created: '2025-01-10T08:00:00+0800',
    ended: '',
    progress: '',
    instance: { id: 'c45a9d8e2f3b4c6d7e8f9a0b1c2d3e4fin01', name: 'mysql-pending' },
    fail_reason: null,
  },
  {
    id: '5e6f7a8b-0002-4c9d-8e0f-1a2b3c4d5e02',
    name: 'ResizeFlavor',
    status: 'Running',
    created: '2025-01-10T09:30:12+0800',
    ended: '',
    progress: '60%',
    instance: { id: 'd56b0e9f3a4c5d7e8f9a0b1c2d3e4f5ain01', name: 'mysql-resize' },
    fail_reason: null,
  },
  {
    id: '5e6f7a8b-0003-4c9d-8e0f-1a2b3c4d5e03',
    name: 'CreateMysqlInstance',
    status: 'Failed',
    created: '2024-12-24T23:50:00+0800',
    ended: '2024-12-25T00:05:31+0800',
    progress: '',
    instance: { id: 'e67c1f0a4b5d6e8f9a0b1c2d3e4f5a6bin01', name: 'mysql-failed' },
    fail_reason: 'Insufficient resources: flavor rds.mysql.x1.large.2 is sold out in cn-north-4a.',
  },
  {
    id: '5e6f7a8b-0004-4c9d-8e0f-1a2b3c4d5e04',
    name: 'CreateTaurusDBInstance',
    status: 'Canceled',
    created: '2018-08-06T10:41:14+0000',
    ended: '2018-08-06T10:45:00+0000',
    progress: '',
    instance: { id: 'f78d2a1b5c6e7f9a0b1c2d3e4f5a6b7cin07', name: 'taurus-canceled' },
    fail_reason: null,
  },
  {
    id: '5e6f7a8b-0005-4c9d-8e0f-1a2b3c4d5e05',
    name: 'CreateTaurusDBInstance',
    status: 'Unauthorized',
    created: '2023-05-05T05:05:05+0800',
    // ended left out entirely
    progress: '',
    instance: { id: '089e3b2c6d7f8a0b1c2d3e4f5a6b7c8din07', name: 'taurus-unauthorized' },
    fail_reason: 'The account is restricted: the operation is not authorized.',
  },
];

export const SIM_DB_JOBS: ReadonlyMap<string, DbJobRecord> = new Map(deepFreeze(DB_JOBS_LIST).map((j) => [j.id, j]));

/* ------------------------------------------------------------------------------------------ */
/* Live job: its state is computed per request from a timeline (see live.ts)                  */
/* ------------------------------------------------------------------------------------------ */

/** RDS job: Pending → Running 20% → Running 60% → Completed. */
export const LIVE_DB_ID = '5e6f7a8b-00a1-4c9d-8e0f-1a2b3c4d5ea1';

/** 0 Pending; 1 Running "20%"; 2 Running "60%"; 3 Completed. */
export const LIVE_DB_TERMINAL_STEP = 3;

/** `2021-07-12T09:22:04+0800`: RDS's local time with an offset without a colon. */
function rdsTime(epochMs: number, offsetMinutes = 480): string {
  const d = new Date(epochMs + offsetMinutes * 60_000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}` +
    `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
  );
}

/** The live RDS job as it is at `at`. */
export function liveDbJob(at: LiveInstant): DbJobRecord {
  const { startMs, stepMs, step } = at;
  const terminal = step >= LIVE_DB_TERMINAL_STEP;
  return deepFreeze({
    id: LIVE_DB_ID,
    name: 'CreateMysqlInstance',
    status: step === 0 ? 'Pending' : terminal ? 'Completed' : 'Running',
    created: rdsTime(startMs),
    ended: terminal ? rdsTime(startMs + LIVE_DB_TERMINAL_STEP * stepMs) : '',
    progress: step === 1 ? '20%' : step === 2 ? '60%' : '',
    instance: { id: '6c1e0b10a1b24c3d8e9f0a1b2c3d4e5fin01', name: 'mysql-live-demo' },
    fail_reason: null,
  });
}

/* ------------------------------------------------------------------------------------------ */
/* Named ids, so tests never hard-code uuids                                                  */
/* ------------------------------------------------------------------------------------------ */

export const DB_SIM_IDS = deepFreeze({
  /** The API reference's example. */
  doc: 'a9767ede-fe0f-4888-9003-e843a4c90514',
  completed: 'a9767ede-fe0f-4888-9003-e843a4c90514',
  pending: '5e6f7a8b-0001-4c9d-8e0f-1a2b3c4d5e01',
  running: '5e6f7a8b-0002-4c9d-8e0f-1a2b3c4d5e02',
  failed: '5e6f7a8b-0003-4c9d-8e0f-1a2b3c4d5e03',
  canceled: '5e6f7a8b-0004-4c9d-8e0f-1a2b3c4d5e04',
  unauthorized: '5e6f7a8b-0005-4c9d-8e0f-1a2b3c4d5e05',
});

export const DB_LIVE_IDS = deepFreeze({
  /** RDS: Pending → Running "20%" → Running "60%" → Completed. */
  db: LIVE_DB_ID,
});

checkNamedIds('db', DB_SIM_IDS, SIM_DB_JOBS);
checkLiveIds([LIVE_DB_ID], SIM_DB_JOBS);
