/**
 * Microbenchmark of the gateway's hot pure functions: time and state normalization, global id
 * encode/decode, DTO mapping. A plain timed loop per case (warm-up, then batches until the time
 * budget is spent), in a process of its own.
 *
 *   npm run bench:micro            a table on stdout
 *   npx tsx bench/micro.ts --json  JSON on stdout (bench/run.ts reads this)
 *   MICRO_MS=1000                  measuring time per case (default 400 ms, after 150 ms warm-up)
 */
import { performance } from 'node:perf_hooks';
import { decodeId, encodeId } from '../src/model/ids.js';
import { normalizeState, stateTable } from '../src/model/state.js';
import { toDateTime } from '../src/model/time.js';
import { SIM_CCE_JOBS, renderCceV3 } from '../src/simulator/cce-data.js';
import { SIM_CAE_JOBS, renderCae } from '../src/simulator/cae-data.js';
import { SIM_CAE_ENVIRONMENT_ID, SIM_IDS, SIM_PROJECT_ID } from '../src/simulator/server.js';
import { mapCaeJob } from '../src/upstreams/cae/map.js';
import { mapCceJob } from '../src/upstreams/cce/map.js';

export interface MicroResult {
  name: string;
  opsPerSec: number;
  nsPerOp: number;
  iterations: number;
}

let sink: unknown;

function measure(name: string, fn: () => unknown, budgetMs: number): MicroResult {
  // Warm-up: let the JIT settle on this function before timing it.
  const warmUntil = performance.now() + Math.min(150, budgetMs / 2);
  let batch = 64;
  while (performance.now() < warmUntil) for (let i = 0; i < batch; i++) sink = fn();
  let iterations = 0;
  const start = performance.now();
  let now = start;
  while (now - start < budgetMs) {
    for (let i = 0; i < batch; i++) sink = fn();
    iterations += batch;
    now = performance.now();
    if (now - start < budgetMs / 20) batch *= 2;
  }
  const seconds = (now - start) / 1000;
  return { name, opsPerSec: iterations / seconds, nsPerOp: (seconds * 1e9) / iterations, iterations };
}

export function runMicro(budgetMs = Number(process.env.MICRO_MS ?? 400)): MicroResult[] {
  // The doc 004 example (CCE v3 CreateCluster with two embedded sub-jobs), parsed once as it arrives.
  const cceDoc = JSON.parse(JSON.stringify(renderCceV3(SIM_CCE_JOBS.get(SIM_IDS.cce.docV3)!))) as unknown;
  const cceDeep = JSON.parse(JSON.stringify(renderCceV3(SIM_CCE_JOBS.get(SIM_IDS.cce.deepTree)!))) as unknown;
  const caeDoc = JSON.parse(JSON.stringify(renderCae(SIM_CAE_JOBS.get(SIM_IDS.cae.doc)!))) as unknown;
  const place = { api: 'v3' as const, region: 'cn-north-4', projectId: SIM_PROJECT_ID, maxDepth: 32, requestId: null };
  const caeRef = {
    region: 'cn-north-4',
    projectId: SIM_PROJECT_ID,
    environmentId: SIM_CAE_ENVIRONMENT_ID,
    enterpriseProjectId: null,
    jobId: SIM_IDS.cae.doc,
  };
  const states = stateTable({ Initializing: 'PENDING', Running: 'RUNNING', Success: 'SUCCEEDED', Failed: 'FAILED' });
  const parts = ['cn-north-4', SIM_PROJECT_ID, SIM_IDS.cce.deepTree];
  const id = encodeId('cce3', parts);

  const cases: Array<[string, () => unknown]> = [
    ['toDateTime Go time.String (CCE)', () => toDateTime('2018-08-02 08:12:40.672772389 +0000 UTC')],
    ['toDateTime RFC 3339 Z', () => toDateTime('2025-09-02T10:23:38.987Z')],
    ['toDateTime RFC 3339 +08:00', () => toDateTime('2025-09-02T18:23:38.987+08:00')],
    ['toDateTime offset without colon', () => toDateTime('2025-09-02T18:23:38+0800')],
    ['toDateTime epoch ms (number)', () => toDateTime(1756808618987)],
    ['toDateTime epoch s (digit string)', () => toDateTime('1756808618')],
    ['toDateTime empty → null', () => toDateTime('')],
    ['normalizeState known word', () => normalizeState(states, 'Running')],
    ['normalizeState unknown word', () => normalizeState(states, 'Paused')],
    ['encodeId (cce3, 3 parts)', () => encodeId('cce3', parts)],
    ['decodeId (cce3, 3 parts)', () => decodeId(id)],
    ['mapCceJob doc 004 (v3, 2 sub-jobs)', () => mapCceJob(cceDoc, place)],
    ['mapCceJob deep tree (v3, 10 jobs)', () => mapCceJob(cceDeep, place)],
    ['mapCaeJob doc 001 (1 task)', () => mapCaeJob(caeDoc, caeRef, null)],
  ];
  return cases.map(([name, fn]) => measure(name, fn, budgetMs));
}

const invokedDirectly = import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('micro.ts');
if (invokedDirectly) {
  const results = runMicro();
  if (sink === Symbol.for('never')) console.log('');
  if (process.argv.includes('--json')) {
    process.stdout.write(JSON.stringify(results));
  } else {
    const width = Math.max(...results.map((r) => r.name.length));
    for (const r of results) {
      console.log(
        `${r.name.padEnd(width)}  ${Math.round(r.opsPerSec).toLocaleString('en-US').padStart(13)} ops/s  ${r.nsPerOp.toFixed(0).padStart(6)} ns/op`,
      );
    }
  }
}
