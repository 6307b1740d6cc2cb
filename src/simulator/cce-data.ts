/**
 * The simulated CCE's seed: one neutral record per job, rendered into the v3 (camelCase) and the v2
 * (lowercase) wire shapes, so a CCE job is stored once and served by both job APIs. The API
 * reference's examples are reproduced verbatim (including the v3 example's 9-hex-digit uid, which is not a valid UUID:
 * the gateway must not insist on UUID syntax). Plus the live CreateCluster job (live.ts).
 */
import type { LiveInstant } from './live.js';
import { checkLiveIds, checkNamedIds, compact, deepFreeze, goTimeString, simUid, type JsonObject } from './seed.js';

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
    [
      'status',
      compact([
        ['phase', job.phase],
        ['reason', job.reason],
      ]),
    ],
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

// --- the API reference's own examples ---------------------------------------------------

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
/* Live CreateCluster: its state is computed per request from a timeline (see live.ts)        */
/* ------------------------------------------------------------------------------------------ */

/** CCE CreateCluster whose sub-jobs finish one by one (served by both the v3 and the v2 detail APIs). */
export const LIVE_CCE_ID = '6c1e0a00-b1a1-11f0-9f3c-0255ac1000a1';
/** Its sub-jobs in order (CreatePSMCert, InstallMaster, InstallAddons); each is fetchable on its own too. */
export const LIVE_CCE_SUB_IDS: readonly string[] = Object.freeze([
  '6c1e0a01-b1a1-11f0-9f3c-0255ac1000a1',
  '6c1e0a02-b1a1-11f0-9f3c-0255ac1000a1',
  '6c1e0a03-b1a1-11f0-9f3c-0255ac1000a1',
]);

const CCE_SUB_TYPES = ['CreatePSMCert', 'InstallMaster', 'InstallAddons'] as const;

/** 0 Initializing; step i+1 runs sub-job i; sub-job i succeeds at step i+2; the last one succeeds together with the parent. */
export const LIVE_CCE_TERMINAL_STEP = CCE_SUB_TYPES.length + 1;

const LIVE_CLUSTER = '6c1e09f0-b1a1-11f0-9f3c-0255ac1000a1';

export const LIVE_CCE_IDS: ReadonlySet<string> = new Set([LIVE_CCE_ID, ...LIVE_CCE_SUB_IDS]);

/** The live CreateCluster job (with its sub-jobs) as it is at `at`. */
export function liveCceJob(at: LiveInstant): CceJobRecord {
  const { startMs, stepMs, step } = at;
  const time = (s: number): string => goTimeString(startMs + s * stepMs);
  const created = goTimeString(startMs);
  const subJobs = CCE_SUB_TYPES.map((type, i): CceJobRecord => {
    // Sub-job i runs during step i+1 and has succeeded from step i+2 on.
    const phase = step >= i + 2 ? 'Success' : step === i + 1 ? 'Running' : 'Initializing';
    return {
      uid: LIVE_CCE_SUB_IDS[i] ?? '',
      type,
      clusterUID: LIVE_CLUSTER,
      resourceID: LIVE_CLUSTER,
      phase,
      reason: '',
      creationTimestamp: created,
      updateTimestamp: phase === 'Success' ? time(i + 2) : phase === 'Running' ? time(i + 1) : '',
    };
  });
  const terminal = step >= LIVE_CCE_TERMINAL_STEP;
  return deepFreeze({
    uid: LIVE_CCE_ID,
    type: 'CreateCluster',
    clusterUID: LIVE_CLUSTER,
    resourceID: LIVE_CLUSTER,
    resourceName: 'cluster-live-demo',
    extendParam: { clusterVersion: 'v1.31', flavor: 'cce.s1.small' },
    phase: step === 0 ? 'Initializing' : terminal ? 'Success' : 'Running',
    reason: '',
    creationTimestamp: created,
    updateTimestamp: step === 0 ? '' : time(step),
    subJobs,
  });
}

/** The live CCE job or one of its sub-jobs, by uid, as it is at `at`. */
export function findLiveCce(uid: string, at: LiveInstant): CceJobRecord | undefined {
  const root = liveCceJob(at);
  if (uid === root.uid) return root;
  return root.subJobs?.find((s) => s.uid === uid);
}

/* ------------------------------------------------------------------------------------------ */
/* Named ids, so tests never hard-code uuids                                                  */
/* ------------------------------------------------------------------------------------------ */

export const CCE_SIM_IDS = deepFreeze({
  /** The v3 API reference's example: CreateCluster, Running, sub-jobs InstallMaster + CreatePSMCert (embedded whole). */
  docV3: CCE_DOC_V3.uid,
  docV3InstallMaster: 'fd474fab-9606-11e8-baa9-0255ac10215d',
  docV3CreatePSMCert: 'fd474f82-9606-11e8-baa8-0255ac10215d',
  /** The v2 API reference's example: ScaleupCluster, Failed, completionTime set. */
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
});

export const CCE_LIVE_IDS = deepFreeze({
  /** CCE CreateCluster: Initializing → Running → each sub-job Success in turn → Success. */
  cce: LIVE_CCE_ID,
  /** Its sub-jobs: CreatePSMCert, InstallMaster, InstallAddons. */
  cceSubJobs: [...LIVE_CCE_SUB_IDS],
});

checkNamedIds('cce', CCE_SIM_IDS, SIM_CCE_JOBS);
checkLiveIds([...LIVE_CCE_IDS], SIM_CCE_JOBS);
