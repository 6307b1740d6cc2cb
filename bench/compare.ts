/**
 * Before/after for a performance change: two (or more) gateway builds and the limit, driven in
 * alternation (limit, build 1, build 2, ... per round, several rounds) so that drift on a shared
 * machine hits all of them alike. Prints req/s and p99 per round, and the medians of each build's
 * ratio to the limit and of the paired ratio to the first build.
 *
 *   npx tsx bench/compare.ts before=/tmp/before/dist/main.js after=dist/main.js
 *
 * A build's dist/ must sit beside a schema/ directory and see node_modules (copy or symlink them).
 * Env: COMPARE_WORKLOAD (A, B or C; default A), COMPARE_TOKEN (per-request | one), COMPARE_ROUNDS (4),
 * COMPARE_DURATION (s, default 8), COMPARE_NODE_ARGS (extra node flags for every build, e.g. --max-semi-space-size=64),
 * COMPARE_RATE (req/s: an open loop at that rate instead of the closed loop, as the bench's D runs, so p99 is
 * the figure to read; "p99 added" is each build's p99 minus the limit's in the same round),
 * COMPARE_PRELOAD (workloads such as `A,B,C` driven against every build first, token per request, for
 * COMPARE_PRELOAD_S s each, default 5: the state D runs against in the bench),
 * and per build: label=path[@flag,flag] (e.g. gc64=dist/main.js@--max-semi-space-size=64). Every build starts with
 * `npm start`'s V8 flags (the heap bound, which changes the CPU per request by a fifth), then these: the later wins.
 */
import type { ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import {
  cannon,
  freshToken,
  openLoop,
  procCpuMs,
  gatewayBodyOk,
  limitBodyOk,
  log,
  readGlobalIds,
  setLimitTargets,
  sleep,
  startFlags,
  startGateway,
  startHelper,
  stopChild,
  workloads,
  workloadsNamed,
} from './run.js';

const builds = process.argv.slice(2).map((arg) => {
  const eq = arg.indexOf('=');
  if (eq < 1) throw new Error(`expected label=path/to/main.js, got ${arg}`);
  const label = arg.slice(0, eq);
  const [path, flags] = arg.slice(eq + 1).split('@') as [string, string | undefined];
  return { label, main: resolve(path), flags: flags ? flags.split(',') : [] };
});
if (builds.length === 0) throw new Error('usage: tsx bench/compare.ts before=/path/main.js after=dist/main.js');
const name = (process.env.COMPARE_WORKLOAD ?? 'A').toUpperCase();
const rounds = Number(process.env.COMPARE_ROUNDS ?? 4);
const duration = Number(process.env.COMPARE_DURATION ?? 8);
const nodeArgs = process.env.COMPARE_NODE_ARGS ? process.env.COMPARE_NODE_ARGS.split(' ') : [];
const token = process.env.COMPARE_TOKEN === 'one' ? freshToken('compare') : 'per-request';
const rate = Number(process.env.COMPARE_RATE ?? 0);
const preload = process.env.COMPARE_PRELOAD ?? '';
const preloadS = Number(process.env.COMPARE_PRELOAD_S ?? 5);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  const upstream = await startHelper('upstream.ts', {});
  const limit = await startHelper('limit-server.ts', { UPSTREAM_URL: upstream.url, UPSTREAM_CONNECTIONS: '32' });
  const gateways: Array<(typeof builds)[number] & { child: ChildProcess; url: string }> = [];
  try {
    for (const b of builds)
      gateways.push({ ...b, ...(await startGateway(upstream.url, [...startFlags(), ...nodeArgs, ...b.flags], b.main)) });
    const all = workloads(await readGlobalIds(gateways[0]!.url, upstream));
    const workload = workloadsNamed(all, name)[0]!;
    for (const g of gateways)
      for (const p of workloadsNamed(all, preload)) {
        log(`preloading ${g.label} with ${p.name}`);
        await cannon({
          url: g.url,
          body: p.body,
          token: 'per-request',
          durationS: preloadS,
          checkBody: () => true,
        });
      }
    await setLimitTargets(limit.child, workload.targets);
    const targets = [{ label: 'limit', url: limit.url }, ...gateways];
    // Warm every target up once.
    log(`started ${targets.map((t) => `${t.label} ${t.url}`).join(', ')}; warming up`);
    for (const t of targets) await cannon({ url: t.url, body: workload.body, token, durationS: 3, checkBody: () => true });
    const rps = new Map<string, number[]>(targets.map((t) => [t.label, []]));
    const p99 = new Map<string, number[]>(targets.map((t) => [t.label, []]));
    const cpu = new Map<string, number[]>(targets.map((t) => [t.label, []]));
    for (let round = 1; round <= rounds; round++) {
      // Rotate the order each round, so no build always runs right after the limit.
      const order = [targets[0]!, ...gateways.slice(round % gateways.length), ...gateways.slice(0, round % gateways.length)];
      const line: string[] = [];
      for (const t of order) {
        await sleep(200);
        const pid = (gateways.find((g) => g.label === t.label)?.child ?? limit.child).pid!;
        const cpuBefore = procCpuMs(pid);
        const out =
          rate > 0
            ? await openLoopRun(t.url, workload.body, t.label === 'limit' ? limitBodyOk : gatewayBodyOk)
            : await cannon({ url: t.url, body: workload.body, token, durationS: duration, checkBody: gatewayBodyOk });
        const us = ((procCpuMs(pid) - cpuBefore) * 1000) / out.result.requests.total;
        cpu.get(t.label)!.push(us);
        const r = out.result.requests.total / out.result.duration;
        const sorted = Float64Array.from(out.latencies).sort();
        const q = sorted[Math.floor(sorted.length * 0.99)] ?? NaN;
        rps.get(t.label)!.push(r);
        p99.get(t.label)!.push(q);
        line.push(
          `${t.label} ${r.toFixed(0)} req/s p99 ${q.toFixed(1)} ms cpu ${us.toFixed(0)} µs/req${out.result.non2xx ? ` non2xx ${out.result.non2xx}` : ''}`,
        );
      }
      log(`round ${round}: ${line.join(' | ')}`);
    }
    if (rate > 0) {
      console.log(
        `\n${name}, open loop at ${rate} req/s, token per request, ${rounds} rounds of ${duration} s: p99 added over the limit's, per round`,
      );
      const limitP99 = p99.get('limit')!;
      for (const g of gateways) {
        const added = p99.get(g.label)!.map((q, i) => q - limitP99[i]!);
        console.log(`${g.label.padEnd(12)} median ${median(added).toFixed(1)} ms (rounds ${added.map((x) => x.toFixed(1)).join(' ')})`);
      }
    }
    const limitRps = rps.get('limit')!;
    const first = rps.get(gateways[0]!.label)!;
    console.log(`\n${name}, ${token === 'per-request' ? 'token per request' : 'one token'}, ${rounds} rounds of ${duration} s:`);
    for (const g of gateways) {
      const mine = rps.get(g.label)!;
      const toLimit = mine.map((r, i) => r / limitRps[i]!);
      const toFirst = mine.map((r, i) => r / first[i]!);
      const myCpu = cpu.get(g.label)!;
      const cpuToFirst = myCpu.map((c, i) => c / cpu.get(gateways[0]!.label)![i]!);
      console.log(
        `${g.label.padEnd(12)} median ${median(mine).toFixed(0)} req/s, p99 ${median(p99.get(g.label)!).toFixed(1)} ms, ` +
          `gateway/limit ${median(toLimit).toFixed(3)} (rounds ${toLimit.map((x) => x.toFixed(3)).join(' ')}), ` +
          `vs ${gateways[0]!.label} ${median(toFirst).toFixed(3)} (rounds ${toFirst.map((x) => x.toFixed(3)).join(' ')}); ` +
          `CPU ${median(myCpu).toFixed(0)} µs/req, vs ${gateways[0]!.label} ${median(cpuToFirst).toFixed(3)} (rounds ${cpuToFirst.map((x) => x.toFixed(3)).join(' ')})`,
      );
    }
    console.log(
      `limit        median ${median(limitRps).toFixed(0)} req/s, p99 ${median(p99.get('limit')!).toFixed(1)} ms, CPU ${median(cpu.get('limit')!).toFixed(0)} µs/req`,
    );
  } finally {
    await Promise.all([...gateways.map((g) => stopChild(g.child)), stopChild(limit.child), stopChild(upstream.child)]);
  }
}

/** The open loop's figures in the shape the closed loop's are read in. */
async function openLoopRun(url: string, body: string, checkBody: (body: string) => boolean) {
  const o = await openLoop(url, body, rate, duration, checkBody);
  const errors = o.non2xx + o.errors + o.bad;
  return {
    latencies: o.latencies,
    result: { requests: { total: o.latencies.length }, duration: o.elapsed, non2xx: errors },
  };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
