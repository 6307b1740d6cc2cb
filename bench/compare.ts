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
 * and per build: label=path[@flag,flag] (e.g. gc64=dist/main.js@--max-semi-space-size=64). Every build starts with
 * `npm start`'s V8 flags (the heap bound, which changes the CPU per request by a fifth), then these: the later wins.
 */
import type { ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import {
  cannon,
  freshToken,
  procCpuMs,
  gatewayBodyOk,
  log,
  readGlobalIds,
  sleep,
  startFlags,
  startGateway,
  startHelper,
  stopChild,
  workloads,
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
    const workload = workloads(await readGlobalIds(gateways[0]!.url, upstream)).find((w) => w.name === name)!;
    const ack = new Promise((r) => limit.child.once('message', r));
    limit.child.send({ type: 'targets', targets: workload.targets });
    await ack;
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
        const out = await cannon({ url: t.url, body: workload.body, token, durationS: duration, checkBody: gatewayBodyOk });
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

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
