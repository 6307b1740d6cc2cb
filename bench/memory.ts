/**
 * `npm run bench:memory`: where the gateway's resident memory goes at its peak under one workload
 * (token per request), from its own /metrics (prom-client's process and V8 heap-space gauges)
 * sampled every 200 ms: RSS against the V8 heap (new and old space) and what lies outside it.
 * It shows which V8 flag can move the peak: the semi-space sets the new space (2 × its size),
 * the old space follows the live heap, and the rest (code, malloc, buffers) no flag bounds.
 *
 * Env: MEMORY_WORKLOAD (A, B or C, or a comma-separated sequence such as `A,B,C`, the bench's order;
 * default B), MEMORY_DURATION (s per workload, default 8), MEMORY_NODE_ARGS
 * (V8 flags added after `npm start`'s, e.g. --max-semi-space-size=8: the later one wins).
 */
import { request } from 'undici';
import {
  cannon,
  ensureBuild,
  gatewayBodyOk,
  readGlobalIds,
  sleep,
  startFlags,
  startGateway,
  startHelper,
  stopChild,
  workloads,
  workloadsNamed,
} from './run.js';
ensureBuild();
const extra = (process.env.MEMORY_NODE_ARGS ?? '').split(' ').filter(Boolean);
const upstream = await startHelper('upstream.ts', {});
const gateway = await startGateway(upstream.url, [...startFlags(), ...extra]);
const chosen = workloadsNamed(workloads(await readGlobalIds(gateway.url, upstream)), process.env.MEMORY_WORKLOAD ?? 'B');
const pick = [
  'process_resident_memory_bytes',
  'nodejs_heap_size_total_bytes',
  'nodejs_heap_size_used_bytes',
  'nodejs_external_memory_bytes',
  'nodejs_heap_space_size_total_bytes{space="new"}',
  'nodejs_heap_space_size_total_bytes{space="old"}',
  'nodejs_heap_space_size_total_bytes{space="large_object"}',
  'nodejs_heap_space_size_total_bytes{space="code"}',
];
const peak: Record<string, number> = {};
let stop = false;
const sampler = (async () => {
  while (!stop) {
    const text = await (await request(`${gateway.url}/metrics`)).body.text();
    for (const line of text.split('\n'))
      for (const p of pick) if (line.startsWith(`${p} `)) peak[p] = Math.max(peak[p] ?? 0, Number(line.split(' ')[1]));
    await sleep(200);
  }
})();
for (const w of chosen) {
  await cannon({
    url: gateway.url,
    body: w.body,
    token: 'per-request',
    durationS: Number(process.env.MEMORY_DURATION ?? 8),
    checkBody: gatewayBodyOk,
  });
}
stop = true;
await sampler;
const mb = (name: string) => (peak[name] ?? 0) / 1048576;
console.log(
  `${chosen.map((w) => w.name).join(' then ')}, token per request, flags ${[...startFlags(), ...extra].join(' ')}: peaks over the run`,
);
for (const [name, bytes] of Object.entries(peak)) console.log(`  ${name.padEnd(58)} ${(bytes / 1048576).toFixed(1).padStart(6)} MB`);
console.log(
  `  RSS outside the V8 heap (peak RSS - peak heap total)${(mb('process_resident_memory_bytes') - mb('nodejs_heap_size_total_bytes')).toFixed(1).padStart(12)} MB`,
);
await stopChild(gateway.child);
await stopChild(upstream.child);
process.exit(0);
