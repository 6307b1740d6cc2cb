/** The simulated CFW's seed. */
import { checkNamedIds, compact, deepFreeze, type JsonObject } from './seed.js';

export interface CfwJobRecord {
  readonly id: string;
  readonly status: string;
  /** Epoch milliseconds; absent means left out of the response. */
  readonly begin_time?: number;
  readonly end_time?: number;
  /** CFW's response also carries top-level error fields; set on the failed job. */
  readonly error_code?: string;
  readonly error_msg?: string;
}

export function renderCfw(job: CfwJobRecord): JsonObject {
  return compact([
    ['error_code', job.error_code],
    ['error_msg', job.error_msg],
    [
      'data',
      compact([
        ['begin_time', job.begin_time],
        ['end_time', job.end_time],
        ['id', job.id],
        ['status', job.status],
      ]),
    ],
  ]);
}

const CFW_JOBS_LIST: readonly CfwJobRecord[] = [
  // the CFW API reference's example, verbatim
  { id: 'f588ce71-e26c-400d-8981-f854355f6849', status: 'Success', begin_time: 1641370501000, end_time: 1641370515000 },
  { id: '3c4d5e6f-0001-4a7b-8c9d-0e1f2a3b4c01', status: 'Running', begin_time: 1757066400123 },
  {
    id: '3c4d5e6f-0002-4a7b-8c9d-0e1f2a3b4c02',
    status: 'Failed',
    begin_time: 1736935200000,
    end_time: 1736935267890,
    error_code: 'CFW.00200016',
    error_msg: 'Instance status error.',
  },
];

export const SIM_CFW_JOBS: ReadonlyMap<string, CfwJobRecord> = new Map(deepFreeze(CFW_JOBS_LIST).map((j) => [j.id, j]));

/* ------------------------------------------------------------------------------------------ */
/* Named ids, so tests never hard-code uuids                                                  */
/* ------------------------------------------------------------------------------------------ */

export const CFW_SIM_IDS = deepFreeze({
  /** The API reference's example. */
  doc: 'f588ce71-e26c-400d-8981-f854355f6849',
  success: 'f588ce71-e26c-400d-8981-f854355f6849',
  running: '3c4d5e6f-0001-4a7b-8c9d-0e1f2a3b4c01',
  failed: '3c4d5e6f-0002-4a7b-8c9d-0e1f2a3b4c02',
});

checkNamedIds('cfw', CFW_SIM_IDS, SIM_CFW_JOBS);
