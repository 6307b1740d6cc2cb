/**
 * `npm run bench:profile`: a CPU profile of the production gateway under load, and where its time went.
 *
 * Starts the upstream and `node --cpu-prof dist/main.js` (NODE_ENV=production), drives one workload
 * with autocannon (token per request unless PROFILE_TOKEN=one), stops the gateway with SIGTERM so
 * the profile is written, then prints the top functions by self time (bench/cpuprofile-top.ts).
 * The profile (bench/profiles/*.cpuprofile, git-ignored) also opens in Chrome DevTools.
 *
 * Env: PROFILE_WORKLOAD (A, B or C; default A), PROFILE_DURATION (s, default 10), PROFILE_TOKEN (one | per-request).
 */
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printSummary, summarize } from './cpuprofile-top.js';
import {
  ROOT,
  cannon,
  ensureBuild,
  freshToken,
  gatewayBodyOk,
  log,
  readGlobalIds,
  sleep,
  startFlags,
  startGateway,
  startHelper,
  stopChild,
  upstreamCount,
  workloads,
} from './run.js';

const name = (process.env.PROFILE_WORKLOAD ?? 'A').toUpperCase();
const duration = Number(process.env.PROFILE_DURATION ?? 10);
const perRequest = process.env.PROFILE_TOKEN !== 'one';
const dir = join(ROOT, 'bench', 'profiles');

async function main(): Promise<void> {
  ensureBuild();
  mkdirSync(dir, { recursive: true });
  const upstream = await startHelper('upstream.ts', {});
  const gateway = await startGateway(upstream.url, [...startFlags(), '--cpu-prof', '--cpu-prof-dir', dir]);
  try {
    const workload = workloads(await readGlobalIds(gateway.url, upstream)).find((w) => w.name === name);
    if (!workload) throw new Error(`no workload ${name}`);
    const token = perRequest ? 'per-request' : freshToken('profile');
    await cannon({ url: gateway.url, body: workload.body, token, durationS: 3, checkBody: gatewayBodyOk });
    const before = await upstreamCount(upstream);
    const out = await cannon({ url: gateway.url, body: workload.body, token, durationS: duration, checkBody: gatewayBodyOk });
    await sleep(300);
    const calls = (await upstreamCount(upstream)) - before;
    const r = out.result;
    log(
      `${name} (${perRequest ? 'token per request' : 'one token'}) under the profiler: ${(r.requests.total / r.duration).toFixed(0)} req/s, ` +
        `non-2xx ${r.non2xx}, bad sampled bodies ${out.bad}/${out.sampled}, upstream calls/req ${(calls / r.requests.total).toFixed(2)}`,
    );
  } finally {
    await stopChild(gateway.child);
    await stopChild(upstream.child);
  }
  const newest = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }))
    .sort((a, b) => b.t - a.t)[0];
  if (!newest) throw new Error('no .cpuprofile was written');
  const file = join(dir, newest.f);
  const summary = summarize(JSON.parse(readFileSync(file, 'utf8')), 40);
  writeFileSync(file.replace(/\.cpuprofile$/, '.summary.json'), JSON.stringify(summary, null, 2));
  log(`profile: ${file}`);
  printSummary(summary);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
