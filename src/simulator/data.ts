/**
 * Seed data for the upstream simulator. Every job lives in SIM_PROJECT_ID.
 *
 * The records here are neutral (one shape per service); the render* functions turn them into
 * the exact wire shape of each API, so a CCE job is stored once and served by both the v3
 * (camelCase) and the v2 (lowercase) job APIs. Records are deep-frozen and every render builds
 * new objects, so no response can leak a mutation into the next one.
 *
 * The examples of the upstream API references are reproduced verbatim (including the v3 example's 9-hex-digit uid, which
 * is not a valid UUID: the gateway must not insist on UUID syntax).
 */
import { createHash } from 'node:crypto';

export const SIM_PROJECT_ID = '09bb24e6fe80d23d2fa2c010b53b418c';
export const SIM_CAE_ENVIRONMENT_ID = '5f8e2c1a-7b3d-4e6f-9a0b-c1d2e3f4a5b6';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                     */
/* ------------------------------------------------------------------------------------------ */

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Stable, v1-looking uid derived from a name, so generated ids are the same on every run. */
function simUid(name: string): string {
  const h = createHash('sha1').update(`job-gateway-simulator:${name}`).digest('hex');
  const variant = '89ab'.charAt(parseInt(h.charAt(16), 16) & 3);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-1${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Go's time.Time.String() for a UTC instant: `2006-01-02 15:04:05.999999999 +0000 UTC`, trailing zeros trimmed. */
export function goTimeString(epochMs: number, extraNanos = 0): string {
  const d = new Date(epochMs);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const nanos = d.getUTCMilliseconds() * 1_000_000 + extraNanos;
  const fraction = nanos === 0 ? '' : `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}`;
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${fraction} +0000 UTC`
  );
}

/** Copies only the defined entries, keeping key order: the APIs omit absent fields rather than sending null. */
function compact(entries: Array<[string, Json | undefined]>): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of entries) if (v !== undefined) out[k] = v;
  return out;
}

/* ------------------------------------------------------------------------------------------ */
/* CCE                                                                                         */
/* ------------------------------------------------------------------------------------------ */

export interface CceJobRecord {
  readonly uid: string;
  readonly type: string;
  readonly clusterUID?: string;
  readonly resourceID?: string;
  readonly resourceName?: string;
  readonly extendParam?: Readonly<Record<string, string>>;
  /** v3 `status.phase` = v2 `status.status`. */
  readonly phase: string;
  readonly reason?: string;
  readonly creationTimestamp?: string;
  readonly updateTimestamp?: string;
  /** v2 only. Defaults to updateTimestamp for terminal phases; set explicitly to override (e.g. ''). */
  readonly completionTime?: string;
  readonly subJobs?: readonly CceJobRecord[];
  /** Embedded in a parent, rendered without apiVersion or any timestamp (as the real API often does). */
  readonly bareWhenEmbedded?: boolean;
}

const CCE_TERMINAL = new Set(['Success', 'Failed']);

export function renderCceV3(job: CceJobRecord, embedded = false): JsonObject {
  const bare = embedded && job.bareWhenEmbedded === true;
  return compact([
    ['kind', 'Job'],
    ['apiVersion', bare ? undefined : 'v3'],
    [
      'metadata',
      compact([
        ['uid', job.uid],
        ['creationTimestamp', bare ? undefined : job.creationTimestamp],
        ['updateTimestamp', bare ? undefined : job.updateTimestamp],
      ]),
    ],
    [
      'spec',
      compact([
        ['type', job.type],
        ['clusterUID', job.clusterUID],
        ['resourceID', job.resourceID],
        ['resourceName', job.resourceName],
        ['extendParam', job.extendParam ? { ...job.extendParam } : undefined],
        ['subJobs', job.subJobs?.map((s) => renderCceV3(s, true))],
      ]),
    ],
    ['status', compact([['phase', job.phase], ['reason', job.reason]])],
  ]);
}

export function renderCceV2(job: CceJobRecord, embedded = false): JsonObject {
  const bare = embedded && job.bareWhenEmbedded === true;
  const completion = job.completionTime ?? (CCE_TERMINAL.has(job.phase) ? job.updateTimestamp : undefined);
  return compact([
    ['kind', 'Job'],
    ['apiVersion', bare ? undefined : 'v2'],
    [
      'metadata',
      compact([
        ['uid', job.uid],
        ['creationTimestamp', bare ? undefined : job.creationTimestamp],
        ['updateTimestamp', bare ? undefined : job.updateTimestamp],
      ]),
    ],
    [
      'spec',
      compact([
        ['type', job.type],
        ['clusteruid', job.clusterUID],
        ['resourceid', job.resourceID],
        ['resourcename', job.resourceName],
        ['extendparam', job.extendParam ? { ...job.extendParam } : undefined],
        ['subjobs', job.subJobs?.map((s) => renderCceV2(s, true))],
      ]),
    ],
    [
      'status',
      compact([
        ['status', job.phase],
        ['reason', job.reason],
        ['completionTime', bare ? undefined : completion],
      ]),
    ],
  ]);
}

// --- the docs' own examples --------------------------------------------------------------

const CCE_DOC_V3: CceJobRecord = {
  uid: '354331b2c-229a-11e8-9c75-0255ac100ceb',
  type: 'CreateCluster',
  clusterUID: '4d1ecb2c-229a-11e8-9c75-0255ac100ceb',
  resourceID: '6f4dcb2c-229a-11e8-9c75-0255ac100ceb',
  resourceName: 'cluster-name',
  extendParam: { serverID: 'bc467e3a-2338-11e8-825b-0255ac100c13' },
  phase: 'Running',
  reason: '',
  creationTimestamp: '2018-08-02 08:12:40.672772389 +0000 UTC',
  updateTimestamp: '2018-08-02 08:21:50.478108569 +0000 UTC',
  subJobs: [
    {
      uid: 'fd474fab-9606-11e8-baa9-0255ac10215d',
      type: 'InstallMaster',
      clusterUID: 'fcc72de0-9606-11e8-baa8-0255ac10215d',
      resourceID: 'fd3b4ac0-9606-11e8-baa8-0255ac10215d',
      extendParam: { serverID: 'fd3b4ac0-9606-11e8-baa8-0255ac10215d' },
      phase: 'Success',
      creationTimestamp: '2018-08-02 03:52:34.615819618 +0000 UTC',
      updateTimestamp: '2018-08-02 04:05:29.196243031 +0000 UTC',
    },
    {
      uid: 'fd474f82-9606-11e8-baa8-0255ac10215d',
      type: 'CreatePSMCert',
      clusterUID: 'fcc72de0-9606-11e8-baa8-0255ac10215d',
      phase: 'Success',
      creationTimestamp: '2018-08-02 03:52:33.859150791 +0000 UTC',
      updateTimestamp: '2018-08-02 03:52:34.615655429 +0000 UTC',
    },
  ],
};

const CCE_DOC_V2: CceJobRecord = {
  uid: 'e43c6f3b-87e6-11f0-be88-0255ac10003f',
  type: 'ScaleupCluster',
  clusterUID: '7ec8b73d-83db-11f0-8baa-0255ac10003e',
  resourceID: '3b4410fa-87e6-11f0-be88-0255ac10003f',
  resourceName: 'node-iv28j9',
  extendParam: {
    claimrollback: 'true',
    'node.zone': 'cn-north-7c',
    nodepooluid: '',
    orderID: 'CS25090218238EI5V',
    'v3-scaleup': 'true',
  },
  phase: 'Failed',
  reason: 'Something bad happened at server, recycle resource',
  creationTimestamp: '2025-09-02 10:23:38.987955 +0000 UTC',
  updateTimestamp: '2025-09-02 11:26:03.218087 +0000 UTC',
  completionTime: '2025-09-02 11:26:03.218087 +0000 UTC',
};

// --- one job per phase, spreading Go's 0–9 fraction digits and the other formats --------

const SIM_CLUSTER = '7ec8b73d-83db-11f0-8baa-0255ac10003e';

const CCE_INITIALIZING: CceJobRecord = {
  uid: 'a1c0e5d2-9a41-11f0-8d2e-0255ac100031',
  type: 'CreateNode',
  clusterUID: SIM_CLUSTER,
  resourceID: 'a1b7f0c4-9a41-11f0-8d2e-0255ac100031',
  resourceName: 'node-init-01',
  extendParam: { 'node.zone': 'cn-north-4a' },
  phase: 'Initializing',
  reason: '',
  creationTimestamp: '2025-09-03 07:00:00 +0000 UTC', // 0 fraction digits
  updateTimestamp: '', // empty: not started yet
};

const CCE_RUNNING: CceJobRecord = {
  uid: 'b2d1f6e3-9a42-11f0-8d2e-0255ac100032',
  type: 'UpgradeCluster',
  clusterUID: SIM_CLUSTER,
  resourceID: SIM_CLUSTER,
  resourceName: 'cluster-sim',
  extendParam: { targetVersion: 'v1.31', upgradeStrategy: 'inPlaceRollingUpdate' },
  phase: 'Running',
  reason: '',
  creationTimestamp: '2025-09-03 08:15:30.5 +0000 UTC', // 1
  updateTimestamp: '2025-09-03 08:16:02.123 +0000 UTC', // 3
};

const CCE_SUCCESS: CceJobRecord = {
  uid: 'c3e2a7f4-9a43-11f0-8d2e-0255ac100033',
  type: 'DeleteNode',
  clusterUID: SIM_CLUSTER,
  resourceID: 'c3d9b1e5-9a43-11f0-8d2e-0255ac100033',
  resourceName: 'node-old-07',
  extendParam: {},
  phase: 'Success',
  reason: '',
  creationTimestamp: '2024-11-20 01:02:03.12 +0000 UTC', // 2
  updateTimestamp: '2024-11-20 01:09:44.1234 +0000 UTC', // 4
  subJobs: [],
};

const CCE_FAILED: CceJobRecord = {
  uid: 'd4f3b8a5-9a44-11f0-8d2e-0255ac100034',
  type: 'CreateNode',
  clusterUID: SIM_CLUSTER,
  resourceID: 'd4e0c2f6-9a44-11f0-8d2e-0255ac100034',
  resourceName: 'node-fail-02',
  extendParam: { 'node.zone': 'cn-north-4a', orderID: '' },
  phase: 'Failed',
  reason: 'Create server failed: insufficient capacity for flavor c7.large.2 in cn-north-4a',
  creationTimestamp: '2024-05-10 12:00:00.12345 +0000 UTC', // 5
  updateTimestamp: '2024-05-10 12:03:10.1234567 +0000 UTC', // 7
  subJobs: [
    {
      uid: 'd4f3b8a6-9a44-11f0-8d2e-0255ac100034',
      type: 'GetPSMCert',
      clusterUID: SIM_CLUSTER,
      phase: 'Success',
      creationTimestamp: '2024-05-10 12:00:00.2 +0000 UTC',
      updateTimestamp: '2024-05-10 12:00:05.8 +0000 UTC',
      bareWhenEmbedded: true,
    },
    {
      uid: 'd4f3b8a7-9a44-11f0-8d2e-0255ac100034',
      type: 'CreateServer',
      clusterUID: SIM_CLUSTER,
      resourceID: 'd4e0c2f6-9a44-11f0-8d2e-0255ac100034',
      phase: 'Failed',
      reason: 'ECS.0005: insufficient capacity',
      creationTimestamp: '2024-05-10 12:00:06.000001 +0000 UTC',
      updateTimestamp: '2024-05-10 12:03:10.1234567 +0000 UTC',
      bareWhenEmbedded: true,
    },
  ],
};

/** A phase word outside the documented four: the gateway must keep it raw and map it to UNKNOWN. */
const CCE_UNKNOWN_PHASE: CceJobRecord = {
  uid: 'e5a4c9b6-9a45-11f0-8d2e-0255ac100035',
  type: 'HibernateCluster',
  clusterUID: SIM_CLUSTER,
  resourceID: SIM_CLUSTER,
  resourceName: 'cluster-sim',
  phase: 'Paused',
  reason: 'paused by operator',
  creationTimestamp: '2024-06-01 00:00:00.12345678 +0000 UTC', // 8
  // A Go server running in a +0800 zone prints its zone abbreviation after the offset.
  updateTimestamp: '2024-06-01 08:30:00.25 +0800 CST',
};

/** RFC 3339 forms instead of Go's time.String (some CCE fronts serialise time.Time with encoding/json). */
const CCE_RFC3339: CceJobRecord = {
  uid: 'f6b5d0c7-9a46-11f0-8d2e-0255ac100036',
  type: 'InstallAddon',
  clusterUID: SIM_CLUSTER,
  resourceID: 'f6a0e1d8-9a46-11f0-8d2e-0255ac100036',
  resourceName: 'coredns',
  extendParam: { addonTemplateName: 'coredns', addonVersion: '1.30.5' },
  phase: 'Success',
  reason: '',
  creationTimestamp: '2022-12-05T08:10:19.951Z',
  updateTimestamp: '2022-12-05T08:12:00Z',
};

/** Offsets without a colon. */
const CCE_OFFSET_NO_COLON: CceJobRecord = {
  uid: '07c6e1d8-9a47-11f0-8d2e-0255ac100037',
  type: 'DeleteCluster',
  clusterUID: '07b1f2e9-9a47-11f0-8d2e-0255ac100037',
  resourceID: '07b1f2e9-9a47-11f0-8d2e-0255ac100037',
  resourceName: 'cluster-retired',
  phase: 'Failed',
  reason: 'cluster has dependent resources: 2 load balancers',
  creationTimestamp: '2018-08-06T10:41:14+0000',
  updateTimestamp: '2018-08-06T18:47:02+0800',
};

/** No timestamps at all, even fetched on its own. */
const CCE_NO_TIMESTAMPS: CceJobRecord = {
  uid: '18d7f2e9-9a48-11f0-8d2e-0255ac100038',
  type: 'UpdateNodePool',
  clusterUID: SIM_CLUSTER,
  resourceID: '18c2a3fa-9a48-11f0-8d2e-0255ac100038',
  resourceName: 'pool-general',
  phase: 'Running',
};

// --- the deep tree: ScaleupCluster → CreateNode ×2 → GetPSMCert, InstallNode; one branch 5 levels below the root

const DEEP_CLUSTER = '3b0d5c72-9b01-11f0-a1b2-0255ac100040';

function goTime(base: string, plusSeconds: number, nanosSuffix = 0): string {
  return goTimeString(Date.parse(base) + plusSeconds * 1000, nanosSuffix);
}

const DEEP_T0 = '2025-10-01T09:00:00.000Z';

const DEEP_VERIFY_IMAGE: CceJobRecord = {
  uid: '2a9c4b6b-9b01-11f0-a1b2-0255ac100041',
  type: 'VerifyImageSignature',
  clusterUID: DEEP_CLUSTER,
  phase: 'Initializing',
  creationTimestamp: goTime(DEEP_T0, 300, 111),
  updateTimestamp: '',
  bareWhenEmbedded: true,
};
const DEEP_PULL_IMAGE: CceJobRecord = {
  uid: '2a9c4b6a-9b01-11f0-a1b2-0255ac100041',
  type: 'PullImage',
  clusterUID: DEEP_CLUSTER,
  phase: 'Running',
  reason: '',
  creationTimestamp: goTime(DEEP_T0, 240, 222),
  updateTimestamp: goTime(DEEP_T0, 290, 333),
  subJobs: [DEEP_VERIFY_IMAGE],
  bareWhenEmbedded: true,
};
const DEEP_INSTALL_KUBELET: CceJobRecord = {
  uid: '2a9c4b69-9b01-11f0-a1b2-0255ac100041',
  type: 'InstallKubelet',
  clusterUID: DEEP_CLUSTER,
  phase: 'Running',
  creationTimestamp: goTime(DEEP_T0, 200, 444),
  updateTimestamp: goTime(DEEP_T0, 240, 555),
  subJobs: [DEEP_PULL_IMAGE],
  bareWhenEmbedded: true,
};
const DEEP_INSTALL_NODE_B: CceJobRecord = {
  uid: '2a9c4b68-9b01-11f0-a1b2-0255ac100041',
  type: 'InstallNode',
  clusterUID: DEEP_CLUSTER,
  resourceID: '2a9c4b72-9b01-11f0-a1b2-0255ac100041',
  phase: 'Running',
  creationTimestamp: goTime(DEEP_T0, 150, 666),
  updateTimestamp: goTime(DEEP_T0, 200, 777),
  subJobs: [DEEP_INSTALL_KUBELET],
  bareWhenEmbedded: true,
};
const DEEP_PSM_B: CceJobRecord = {
  uid: '2a9c4b67-9b01-11f0-a1b2-0255ac100041',
  type: 'GetPSMCert',
  clusterUID: DEEP_CLUSTER,
  resourceID: '2a9c4b72-9b01-11f0-a1b2-0255ac100041',
  phase: 'Success',
  creationTimestamp: goTime(DEEP_T0, 100, 888),
  updateTimestamp: goTime(DEEP_T0, 140, 999),
  bareWhenEmbedded: true,
};
const DEEP_CREATE_NODE_B: CceJobRecord = {
  uid: '2a9c4b66-9b01-11f0-a1b2-0255ac100041',
  type: 'CreateNode',
  clusterUID: DEEP_CLUSTER,
  resourceID: '2a9c4b72-9b01-11f0-a1b2-0255ac100041',
  resourceName: 'node-deep-b',
  phase: 'Running',
  reason: '',
  creationTimestamp: goTime(DEEP_T0, 90, 123),
  updateTimestamp: goTime(DEEP_T0, 290, 456),
  subJobs: [DEEP_PSM_B, DEEP_INSTALL_NODE_B],
  bareWhenEmbedded: true,
};
const DEEP_PSM_A: CceJobRecord = {
  uid: '2a9c4b63-9b01-11f0-a1b2-0255ac100041',
  type: 'GetPSMCert',
  clusterUID: DEEP_CLUSTER,
  resourceID: '2a9c4b71-9b01-11f0-a1b2-0255ac100041',
  phase: 'Success',
  creationTimestamp: goTime(DEEP_T0, 20, 100),
  updateTimestamp: goTime(DEEP_T0, 45, 200),
  bareWhenEmbedded: true,
};
const DEEP_INSTALL_NODE_A: CceJobRecord = {
  uid: '2a9c4b64-9b01-11f0-a1b2-0255ac100041',
  type: 'InstallNode',
  clusterUID: DEEP_CLUSTER,
  resourceID: '2a9c4b71-9b01-11f0-a1b2-0255ac100041',
  phase: 'Success',
  creationTimestamp: goTime(DEEP_T0, 46, 300),
  updateTimestamp: goTime(DEEP_T0, 180, 400),
  bareWhenEmbedded: true,
};
/** The one child that keeps apiVersion and timestamps when embedded: the real API mixes both. */
const DEEP_CREATE_NODE_A: CceJobRecord = {
  uid: '2a9c4b62-9b01-11f0-a1b2-0255ac100041',
  type: 'CreateNode',
  clusterUID: DEEP_CLUSTER,
  resourceID: '2a9c4b71-9b01-11f0-a1b2-0255ac100041',
  resourceName: 'node-deep-a',
  extendParam: { 'node.zone': 'cn-north-4b' },
  phase: 'Success',
  reason: '',
  creationTimestamp: goTime(DEEP_T0, 10, 500),
  updateTimestamp: goTime(DEEP_T0, 181, 600),
  subJobs: [DEEP_PSM_A, DEEP_INSTALL_NODE_A],
};
const DEEP_ROOT: CceJobRecord = {
  uid: '2a9c4b61-9b01-11f0-a1b2-0255ac100042',
  type: 'ScaleupCluster',
  clusterUID: DEEP_CLUSTER,
  resourceID: '2a9c4b70-9b01-11f0-a1b2-0255ac100041',
  resourceName: 'pool-deep',
  extendParam: { nodepooluid: '2a9c4b70-9b01-11f0-a1b2-0255ac100041', scaleupCount: '2', 'v3-scaleup': 'true' },
  phase: 'Running',
  reason: '',
  creationTimestamp: goTime(DEEP_T0, 0, 987654),
  updateTimestamp: goTime(DEEP_T0, 300, 123456),
  subJobs: [DEEP_CREATE_NODE_A, DEEP_CREATE_NODE_B],
};

// --- 40 generated jobs, so batching tests can ask for 20+ distinct uids -------------------

const BULK_TYPES = ['CreateNode', 'DeleteNode', 'UpgradeCluster', 'CreateCluster', 'ScaleupCluster', 'InstallAddon'];
const BULK_PHASES = ['Initializing', 'Running', 'Success', 'Failed'];

function bulkJob(i: number): CceJobRecord {
  const phase = BULK_PHASES[i % BULK_PHASES.length] ?? 'Running';
  const created = Date.parse('2025-08-01T00:00:00.000Z') + i * 3_600_000;
  return {
    uid: simUid(`cce-bulk-${i}`),
    type: BULK_TYPES[i % BULK_TYPES.length] ?? 'CreateNode',
    clusterUID: SIM_CLUSTER,
    resourceID: simUid(`cce-bulk-resource-${i}`),
    resourceName: `bulk-node-${String(i).padStart(2, '0')}`,
    extendParam: { batch: String(Math.floor(i / 10)) },
    phase,
    reason: phase === 'Failed' ? `bulk job ${i} failed: simulated error` : '',
    creationTimestamp: goTimeString(created, (i * 7919) % 1_000_000),
    updateTimestamp: phase === 'Initializing' ? '' : goTimeString(created + 600_000 + i * 1000, (i * 104729) % 1_000_000),
  };
}

const CCE_BULK: readonly CceJobRecord[] = Array.from({ length: 40 }, (_, i) => bulkJob(i));

/** Top-level CCE jobs, in the order the v2 list returns them. */
export const SIM_CCE_TOP_LEVEL: readonly CceJobRecord[] = deepFreeze([
  CCE_DOC_V3,
  CCE_DOC_V2,
  CCE_INITIALIZING,
  CCE_RUNNING,
  CCE_SUCCESS,
  CCE_FAILED,
  CCE_UNKNOWN_PHASE,
  CCE_RFC3339,
  CCE_OFFSET_NO_COLON,
  CCE_NO_TIMESTAMPS,
  DEEP_ROOT,
  ...CCE_BULK,
]);

function indexCce(jobs: readonly CceJobRecord[], into: Map<string, CceJobRecord>): Map<string, CceJobRecord> {
  for (const job of jobs) {
    if (into.has(job.uid)) throw new Error(`simulator seed: duplicate CCE uid ${job.uid}`);
    into.set(job.uid, job);
    indexCce(job.subJobs ?? [], into);
  }
  return into;
}

/** Every CCE job by uid, sub-jobs included: each is fetchable on its own through both detail APIs. */
export const SIM_CCE_JOBS: ReadonlyMap<string, CceJobRecord> = indexCce(SIM_CCE_TOP_LEVEL, new Map());

export const SIM_BULK_CCE_IDS: readonly string[] = Object.freeze(CCE_BULK.map((j) => j.uid));

/* ------------------------------------------------------------------------------------------ */
/* CAE                                                                                         */
/* ------------------------------------------------------------------------------------------ */

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
    // The CAE API reference's example, verbatim
    id: '8c3d2e1f-4a5b-4c6d-8e7f-90a1b2c3d4e5',
    progress: 0,
    status: 'running',
    tasks: [
      { index: 1, name: 'upgrade', status: 'init', detail: '', created_at: '2023-02-16T11:24:07.950175Z', updated_at: '2023-02-16T11:24:07.950175Z' },
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
      { index: 1, name: 'build', status: 'success', detail: '', created_at: '2024-03-02T09:00:00.1Z', updated_at: '2024-03-02T09:04:12.345Z' },
      { index: 2, name: 'deploy', status: 'running', detail: 'rolling update 1/3 instances', created_at: '2024-03-02T09:04:12.345Z', updated_at: '2024-03-02T09:05:40.987654321Z' },
      { index: 3, name: 'healthcheck', status: 'init', detail: '', created_at: '2024-03-02T09:04:12.345Z', updated_at: '' },
    ],
  },
  {
    id: '1a2b3c4d-0003-4e5f-8a9b-0c1d2e3f4a03',
    progress: 66.7,
    status: 'failed',
    tasks: [
      { index: 1, name: 'build', status: 'success', detail: '', created_at: '2022-12-05T08:10:19.951Z', updated_at: '2022-12-05T08:13:01.002Z' },
      { index: 2, name: 'deploy', status: 'failed', detail: 'ImagePullBackOff: swr.cn-north-4.myhuaweicloud.com/demo/app:1.4.2 not found', created_at: '2022-12-05T08:13:01.002Z', updated_at: '2022-12-05T08:23:01.5Z' },
      { index: 3, name: 'verify', status: 'skip', detail: 'skipped after a failed step', created_at: '2022-12-05T08:13:01.002Z', updated_at: '2022-12-05T08:23:01.5Z' },
    ],
  },
  {
    id: '1a2b3c4d-0004-4e5f-8a9b-0c1d2e3f4a04',
    progress: 80,
    status: 'timeout',
    tasks: [
      { index: 1, name: 'deploy', status: 'success', detail: '', created_at: '2020-09-16T02:38:33Z', updated_at: '2020-09-16T02:40:00Z' },
      { index: 2, name: 'healthcheck', status: 'timeout', detail: 'readiness probe did not pass within 600s', created_at: '2020-09-16T02:40:00Z', updated_at: '2020-09-16T02:50:00Z' },
    ],
  },
  {
    id: '1a2b3c4d-0005-4e5f-8a9b-0c1d2e3f4a05',
    progress: 100,
    status: 'success',
    tasks: [
      { index: 1, name: 'build', status: 'success', detail: '', created_at: '2021-07-12T09:22:04+0800', updated_at: '2021-07-12T09:30:10+0800' },
      { index: 2, name: 'deploy', status: 'success', detail: '', created_at: '2021-07-12T09:30:10+0800', updated_at: '2021-07-12T09:35:55+0800' },
      { index: 3, name: 'healthcheck', status: 'success', detail: '', created_at: '2021-07-12T09:35:55+0800', updated_at: '2021-07-12T09:36:20+0800' },
      { index: 4, name: 'cleanup', status: 'skip', detail: 'nothing to clean', created_at: '2021-07-12T09:36:20+0800', updated_at: '2021-07-12T09:36:20+0800' },
    ],
  },
  {
    id: '1a2b3c4d-0006-4e5f-8a9b-0c1d2e3f4a06',
    progress: 100,
    status: 'skip',
    tasks: [
      { index: 1, name: 'build', status: 'skip', detail: 'image unchanged', created_at: '2025-01-20T06:00:00.000001Z', updated_at: '2025-01-20T06:00:00.000001Z' },
      { index: 2, name: 'deploy', status: 'skip', detail: 'configuration unchanged' }, // no timestamps at all
    ],
  },
  {
    id: '1a2b3c4d-0007-4e5f-8a9b-0c1d2e3f4a07',
    progress: 40,
    status: 'terminating',
    tasks: [
      { index: 1, name: 'deploy', status: 'terminating', detail: 'stop requested by user', created_at: '2025-02-11T13:14:15.16Z', updated_at: '2025-02-11T13:20:00Z' },
      { index: 2, name: 'healthcheck', status: 'init', detail: '', created_at: '2025-02-11T13:14:15.16Z', updated_at: '' },
      { index: 3, name: 'cleanup', status: 'running', detail: 'removing 2 instances', created_at: '2025-02-11T13:20:00Z', updated_at: '2025-02-11T13:20:05Z' },
    ],
  },
  {
    id: '1a2b3c4d-0008-4e5f-8a9b-0c1d2e3f4a08',
    progress: 40,
    status: 'terminated',
    tasks: [
      { index: 1, name: 'deploy', status: 'terminated', detail: 'stopped by user', created_at: '2025-02-12T01:00:00Z', updated_at: '2025-02-12T01:06:30Z' },
      { index: 2, name: 'cleanup', status: 'success', detail: '', created_at: '2025-02-12T01:06:30Z', updated_at: '2025-02-12T01:07:00Z' },
    ],
  },
  {
    // Markup in upstream text: every client (the job page above all) must show it as text, never run it.
    id: '1a2b3c4d-0009-4e5f-8a9b-0c1d2e3f4a09',
    progress: 50,
    status: 'failed',
    tasks: [
      { index: 1, name: 'build <b>image</b>', status: 'success', detail: '', created_at: '2025-03-03T03:03:03Z', updated_at: '2025-03-03T03:05:00Z' },
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
/* CFW                                                                                         */
/* ------------------------------------------------------------------------------------------ */

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
  // The CFW API reference's example, verbatim
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
/* RDS task center                                                                             */
/* ------------------------------------------------------------------------------------------ */

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
  // The RDS API reference's example, verbatim
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
/* Live jobs: ids only; their state is computed per request from a timeline (see live.ts)      */
/* ------------------------------------------------------------------------------------------ */

/** CCE CreateCluster whose sub-jobs finish one by one (served by both the v3 and the v2 detail APIs). */
export const LIVE_CCE_ID = '6c1e0a00-b1a1-11f0-9f3c-0255ac1000a1';
/** Its sub-jobs in order (CreatePSMCert, InstallMaster, InstallAddons); each is fetchable on its own too. */
export const LIVE_CCE_SUB_IDS: readonly string[] = Object.freeze([
  '6c1e0a01-b1a1-11f0-9f3c-0255ac1000a1',
  '6c1e0a02-b1a1-11f0-9f3c-0255ac1000a1',
  '6c1e0a03-b1a1-11f0-9f3c-0255ac1000a1',
]);
/** CAE upgrade job whose progress climbs 0 → 33 → 66 → 100. */
export const LIVE_CAE_ID = '1a2b3c4d-00a1-4e5f-8a9b-0c1d2e3f4aa1';
/** RDS job: Pending → Running 20% → Running 60% → Completed. */
export const LIVE_DB_ID = '5e6f7a8b-00a1-4c9d-8e0f-1a2b3c4d5ea1';

/* ------------------------------------------------------------------------------------------ */
/* Named ids, so tests never hard-code uuids                                                   */
/* ------------------------------------------------------------------------------------------ */

export const SIM_IDS = deepFreeze({
  cce: {
    /** The CCE API reference's example: CreateCluster, Running, sub-jobs InstallMaster + CreatePSMCert (embedded whole). */
    docV3: CCE_DOC_V3.uid,
    docV3InstallMaster: 'fd474fab-9606-11e8-baa9-0255ac10215d',
    docV3CreatePSMCert: 'fd474f82-9606-11e8-baa8-0255ac10215d',
    /** The CCE API reference's second example: ScaleupCluster, Failed, completionTime set. */
    docV2: CCE_DOC_V2.uid,
    initializing: CCE_INITIALIZING.uid,
    running: CCE_RUNNING.uid,
    success: CCE_SUCCESS.uid,
    failed: CCE_FAILED.uid,
    /** Sub-jobs of `failed` (embedded bare). */
    failedPsmCert: 'd4f3b8a6-9a44-11f0-8d2e-0255ac100034',
    failedCreateServer: 'd4f3b8a7-9a44-11f0-8d2e-0255ac100034',
    /** Phase "Paused": not a documented word. */
    unknownPhase: CCE_UNKNOWN_PHASE.uid,
    rfc3339Times: CCE_RFC3339.uid,
    offsetNoColonTimes: CCE_OFFSET_NO_COLON.uid,
    noTimestamps: CCE_NO_TIMESTAMPS.uid,
    /** ScaleupCluster → CreateNode ×2 → GetPSMCert, InstallNode; branch B goes 5 levels below the root. */
    deepTree: DEEP_ROOT.uid,
    deepCreateNodeA: DEEP_CREATE_NODE_A.uid,
    deepPsmCertA: DEEP_PSM_A.uid,
    deepInstallNodeA: DEEP_INSTALL_NODE_A.uid,
    deepCreateNodeB: DEEP_CREATE_NODE_B.uid,
    deepPsmCertB: DEEP_PSM_B.uid,
    deepInstallNodeB: DEEP_INSTALL_NODE_B.uid,
    deepInstallKubelet: DEEP_INSTALL_KUBELET.uid,
    deepPullImage: DEEP_PULL_IMAGE.uid,
    /** The deepest leaf (Initializing). */
    deepLeaf: DEEP_VERIFY_IMAGE.uid,
    /** Root → deepest leaf, 6 uids (the root plus 5 nested levels). */
    deepBranch: [
      DEEP_ROOT.uid,
      DEEP_CREATE_NODE_B.uid,
      DEEP_INSTALL_NODE_B.uid,
      DEEP_INSTALL_KUBELET.uid,
      DEEP_PULL_IMAGE.uid,
      DEEP_VERIFY_IMAGE.uid,
    ],
  },
  cae: {
    /** The CAE API reference's example: running, progress 0, one task "upgrade" in init. */
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
  },
  cfw: {
    /** The CFW API reference's example. */
    doc: 'f588ce71-e26c-400d-8981-f854355f6849',
    success: 'f588ce71-e26c-400d-8981-f854355f6849',
    running: '3c4d5e6f-0001-4a7b-8c9d-0e1f2a3b4c01',
    failed: '3c4d5e6f-0002-4a7b-8c9d-0e1f2a3b4c02',
  },
  db: {
    /** The RDS API reference's example. */
    doc: 'a9767ede-fe0f-4888-9003-e843a4c90514',
    completed: 'a9767ede-fe0f-4888-9003-e843a4c90514',
    pending: '5e6f7a8b-0001-4c9d-8e0f-1a2b3c4d5e01',
    running: '5e6f7a8b-0002-4c9d-8e0f-1a2b3c4d5e02',
    failed: '5e6f7a8b-0003-4c9d-8e0f-1a2b3c4d5e03',
    canceled: '5e6f7a8b-0004-4c9d-8e0f-1a2b3c4d5e04',
    unauthorized: '5e6f7a8b-0005-4c9d-8e0f-1a2b3c4d5e05',
  },
  /**
   * Jobs that advance over time (see live.ts): their timeline starts at the first request to a
   * simulator instance and restarts once they have been terminal for `liveRestartAfterMs`.
   * Not in the v2 ListJobs array (fetch them by id).
   */
  live: {
    /** CCE CreateCluster: Initializing → Running → each sub-job Success in turn → Success. */
    cce: LIVE_CCE_ID,
    /** Its sub-jobs: CreatePSMCert, InstallMaster, InstallAddons. */
    cceSubJobs: [...LIVE_CCE_SUB_IDS],
    /** CAE upgrade: init → running (progress 0 → 33 → 66) → success (100). */
    cae: LIVE_CAE_ID,
    /** RDS: Pending → Running "20%" → Running "60%" → Completed. */
    db: LIVE_DB_ID,
  },
});

// Fail at import time, not in a confusing test, if a named id drifts from the seed.
for (const [service, ids] of Object.entries(SIM_IDS)) {
  if (service === 'live') continue;
  const store: ReadonlyMap<string, unknown> =
    service === 'cce' ? SIM_CCE_JOBS : service === 'cae' ? SIM_CAE_JOBS : service === 'cfw' ? SIM_CFW_JOBS : SIM_DB_JOBS;
  for (const id of Object.values(ids).flat()) {
    if (!store.has(id)) throw new Error(`simulator seed: SIM_IDS.${service} names unknown id ${id}`);
  }
}
// Live ids must not shadow a seeded job (the seed would never be served).
const LIVE_CLASHES = [
  ...[LIVE_CCE_ID, ...LIVE_CCE_SUB_IDS].filter((id) => SIM_CCE_JOBS.has(id)),
  ...[LIVE_CAE_ID].filter((id) => SIM_CAE_JOBS.has(id)),
  ...[LIVE_DB_ID].filter((id) => SIM_DB_JOBS.has(id)),
];
if (LIVE_CLASHES.length > 0) throw new Error(`simulator seed: live ids ${LIVE_CLASHES.join(', ')} are also seeded jobs`);
