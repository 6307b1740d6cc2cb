/**
 * `npm run bench:gc`: how much of what each request allocates outlives the young generation, in the
 * gateway and in the limit, at a fixed open-loop rate (A, token per request), and how long the GCs
 * pause them. Both run with `--trace-gc-nvp`; this averages the last scavenges' `allocated`,
 * `new_space_survived` and `promoted`, and reports the scavenges' pauses over the run's second half
 * and the run's mark-compacts. What survives a scavenge twice is promoted, and promoted garbage is
 * what the major GCs (the tail at half load, the old space's size) have to clear. At a low rate
 * almost nothing is in flight when a scavenge runs, so survivors then are kept by something other
 * than the requests being answered (bench/findings.md, "Fourth pass"; the pauses: "Fifth pass").
 *
 * Env: GC_WORKLOAD (A, B or C; default A), GC_RATE (req/s, default 300), GC_DURATION (s, default
 * 10: the averages are over the last ten scavenges, so a run too short to make ten mixes in
 * start-up's), GC_YOGA=1 (the same body with an empty `extensions`, which yoga answers instead of
 * the fast path), BENCH_GATEWAY_ENV (gateway settings, e.g. "CACHE_MAX_ENTRIES=0"), GC_NODE_ARGS
 * (extra V8 flags for the gateway), GC_SLOWEST=1 (each side's five slowest scavenges of the run's
 * second half and the gateway's slowest mark-compacts, each split into the phases that took its
 * time: copying survivors, roots, weak handles, evacuation, incremental marking steps).
 */
import { readFileSync, rmSync } from 'node:fs';
import {
  GATEWAY_LOG,
  ensureBuild,
  gatewayBodyOk,
  limitBodyOk,
  log,
  openLoop,
  readGlobalIds,
  setLimitTargets,
  startFlags,
  startGateway,
  startHelper,
  stopChild,
  workloads,
  workloadsNamed,
} from './run.js';

const rate = Number(process.env.GC_RATE ?? 300);
const duration = Number(process.env.GC_DURATION ?? 10);
const extra = (process.env.GC_NODE_ARGS ?? '').split(' ').filter(Boolean);

const pauseOf = (line: string) => Number(/ pause=([\d.]+)/.exec(line)?.[1] ?? 0);

/** The log's lines for these kinds of GC (`s` scavenge, `mc` mark-compact, `mmc` the memory reducer's). */
function gcLines(text: string, ...kinds: string[]): string[] {
  return text.split('\n').filter((line) => kinds.some((kind) => line.includes(` gc=${kind} `)));
}

/** The run's second half of them: start-up's copy a young heap still full of modules. */
const secondHalf = (lines: string[]) => lines.slice(Math.floor(lines.length / 2));

/** Per-scavenge averages over the last ten scavenges of a --trace-gc-nvp log, and the run's pauses. */
function scavenges(text: string): string {
  const all = gcLines(text, 's');
  const lines = all.slice(-10);
  if (lines.length === 0) return 'no scavenge logged';
  const mean = (field: string) =>
    lines.reduce((sum, line) => sum + Number(new RegExp(` ${field}=(\\d+)`).exec(line)?.[1] ?? 0), 0) / lines.length;
  const allocated = mean('allocated');
  const pauses = secondHalf(all)
    .map(pauseOf)
    .sort((a, b) => a - b);
  const majors = gcLines(text, 'mc', 'mmc').map(pauseOf);
  const at = (q: number) => pauses[Math.min(pauses.length - 1, Math.floor(q * pauses.length))]!.toFixed(1);
  const survived = mean('new_space_survived');
  const promoted = mean('promoted');
  return (
    `${(allocated / 1048576).toFixed(1)} MB allocated, ${(survived / 1024).toFixed(0)} KB survived ` +
    `(${((100 * survived) / Math.max(1, allocated)).toFixed(1)}%), ${(promoted / 1024).toFixed(0)} KB promoted, per scavenge (${lines.length}); ` +
    `scavenge pauses in the run's second half: ${pauses.length}, median ${at(0.5)} ms, p90 ${at(0.9)} ms, max ${at(1)} ms; ` +
    `mark-compacts ${majors.length}${majors.length ? `, longest final pause ${Math.max(...majors).toFixed(1)} ms` : ''}`
  );
}

/** The slowest scavenges, each with the phases (nvp fields in ms) that took most of its pause. */
function slowest(text: string, kind: 's' | 'mc', count = 5): string {
  return secondHalf(gcLines(text, kind))
    .sort((a, b) => pauseOf(b) - pauseOf(a))
    .slice(0, count)
    .map((line) => {
      const phases = [...line.matchAll(/ ([a-z_.]+)=([\d.]+)/g)]
        .filter(
          ([, name]) =>
            name !== 'pause' &&
            name !== 'mutator' &&
            !/size|throughput|speed|chunks|count|allocated|promoted|survived|reduce_memory|rate|ratio|semi_space|pretenured|nodes|took/.test(
              name!,
            ),
        )
        .map(([, name, ms]) => [name!, Number(ms)] as const)
        .filter(([, ms]) => ms >= 0.5)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .map(([name, ms]) => `${name} ${ms.toFixed(1)}`);
      return `    ${pauseOf(line).toFixed(1)} ms: ${phases.join(', ')}`;
    })
    .join('\n');
}

ensureBuild();
const upstream = await startHelper('upstream.ts', {});
const gateway = await startGateway(upstream.url, [...startFlags(), '--trace-gc-nvp', ...extra]);
const limit = await startHelper(
  'limit-server.ts',
  { UPSTREAM_URL: upstream.url, UPSTREAM_CONNECTIONS: '32' },
  { nodeArgs: ['--trace-gc-nvp'], pipeStdout: true },
);
let limitLog = '';
limit.child.stdout!.on('data', (chunk: Buffer) => {
  limitLog += chunk.toString();
});
try {
  const w = workloadsNamed(workloads(await readGlobalIds(gateway.url, upstream)), process.env.GC_WORKLOAD ?? 'A')[0]!;
  await setLimitTargets(limit.child, w.targets);
  const gatewayBody = process.env.GC_YOGA ? JSON.stringify({ ...JSON.parse(w.body), extensions: {} }) : w.body;
  for (const [label, url] of [
    ['limit', limit.url],
    ['gateway', gateway.url],
  ] as const) {
    log(`${label}: open loop at ${rate} req/s for ${duration} s`);
    const out = await openLoop(
      url,
      label === 'gateway' ? gatewayBody : w.body,
      rate,
      duration,
      label === 'gateway' ? gatewayBodyOk : limitBodyOk,
    );
    if (out.non2xx + out.errors + out.bad > 0)
      throw new Error(`${label}: ${out.non2xx} non-2xx, ${out.errors} errors, ${out.bad} bad bodies`);
  }
  console.log(`\n${w.name}, token per request, open loop at ${rate} req/s${process.env.GC_YOGA ? ', gateway through yoga' : ''}:`);
  console.log(`  limit    ${scavenges(limitLog)}`);
  const gatewayLog = readFileSync(GATEWAY_LOG, 'utf8');
  console.log(`  gateway  ${scavenges(gatewayLog)}`);
  if (process.env.GC_SLOWEST) {
    console.log(`  the limit's slowest scavenges, by phase (ms):\n${slowest(limitLog, 's')}`);
    console.log(`  the gateway's slowest scavenges, by phase (ms):\n${slowest(gatewayLog, 's')}`);
    console.log(`  the gateway's slowest mark-compacts (their final pause), by phase (ms):\n${slowest(gatewayLog, 'mc', 3)}`);
  }
} finally {
  await stopChild(limit.child);
  await stopChild(gateway.child);
  await stopChild(upstream.child);
  rmSync(GATEWAY_LOG, { force: true });
}
process.exit(0);
