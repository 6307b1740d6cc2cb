/**
 * `npm run bench:alloc`: what the production gateway allocates per request, by function and by
 * package. Runs dist/main.js with the inspector on a loopback port, drives a workload (token per
 * request) and samples allocations with V8's sampling heap profiler, counting objects that were
 * already collected as well, so short-lived garbage (the cause of GC time) shows up.
 *
 * With ALLOC_RETAINED=1 it counts instead what is still alive a second after the load stops and a
 * full GC: what the requests left behind in caches and per-principal state, which is what gets
 * promoted to the old generation and makes the major GCs behind the tail latency.
 *
 * With ALLOC_PROMOTED=1 it counts what outlived the young generation (objects a scavenge did not
 * collect, whether or not a major GC did later): what fills the old generation and so sets how often
 * the major GCs run.
 *
 * ALLOC_WORKLOAD may name several workloads run one after the other (`A,B,C`, as the bench runs
 * them before D): with ALLOC_RETAINED that shows the state D's tail latency runs against.
 *
 * ALLOC_RATE (req/s) drives an open loop at that rate instead of the closed loop: at a low rate
 * almost nothing is in flight when a scavenge runs, so what ALLOC_PROMOTED finds then is kept by
 * something other than the requests themselves.
 *
 * Env: ALLOC_WORKLOAD (A, B or C, or a comma-separated sequence; default A), ALLOC_DURATION (s per
 * workload, default 8), ALLOC_INSPECT_PORT (9339), ALLOC_RETAINED, ALLOC_SAVE (a path: the raw
 * .heapprofile, for Chrome DevTools or speedscope).
 */
import { writeFileSync } from 'node:fs';
import { request } from 'undici';
import WebSocket from 'ws';
import {
  ensureBuild,
  gatewayBodyOk,
  cannon,
  openLoop,
  readGlobalIds,
  sleep,
  startFlags,
  startGateway,
  startHelper,
  stopChild,
  workloads,
  workloadsNamed,
} from './run.js';

interface SampleNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children?: SampleNode[];
}

const list = process.env.ALLOC_WORKLOAD ?? 'A';
const duration = Number(process.env.ALLOC_DURATION ?? 8);
const port = Number(process.env.ALLOC_INSPECT_PORT ?? 9339);
const retained = Boolean(process.env.ALLOC_RETAINED);
const promoted = Boolean(process.env.ALLOC_PROMOTED);
const rate = Number(process.env.ALLOC_RATE ?? 0);

function packageOf(url: string, fn: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url.includes('/dist/')) return `gateway ${url.replace(/^.*\/dist\//, '')}`;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  return url || `(builtin) ${fn}`;
}

async function main(): Promise<void> {
  ensureBuild();
  const upstream = await startHelper('upstream.ts', {});
  // With npm start's heap flags: what outlives the young generation depends on its size.
  const gateway = await startGateway(upstream.url, [...startFlags(), `--inspect=127.0.0.1:${port}`]);
  try {
    const targets = (await (await request(`http://127.0.0.1:${port}/json/list`)).body.json()) as Array<{ webSocketDebuggerUrl: string }>;
    const ws = new WebSocket(targets[0]!.webSocketDebuggerUrl);
    await new Promise((resolve) => ws.once('open', resolve));
    let seq = 0;
    const pending = new Map<number, (message: { result?: { profile?: { head: SampleNode } } }) => void>();
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: { profile?: { head: SampleNode } } };
      if (message.id !== undefined) pending.get(message.id)?.(message);
    });
    const send = (method: string, params: object = {}) =>
      new Promise<{ result?: { profile?: { head: SampleNode } } }>((resolve) => {
        const id = ++seq;
        pending.set(id, resolve);
        ws.send(JSON.stringify({ id, method, params }));
      });

    const chosen = workloadsNamed(workloads(await readGlobalIds(gateway.url, upstream)), list);
    const name = chosen.map((w) => w.name).join(',');
    await cannon({ url: gateway.url, body: chosen[0]!.body, token: 'per-request', durationS: 3, checkBody: gatewayBodyOk });
    await send('HeapProfiler.startSampling', {
      samplingInterval: 16384,
      includeObjectsCollectedByMajorGC: !retained,
      includeObjectsCollectedByMinorGC: !retained && !promoted,
    });
    let n = 0;
    for (const workload of chosen) {
      if (rate > 0) {
        n += (await openLoop(gateway.url, workload.body, rate, duration, gatewayBodyOk)).latencies.length;
        continue;
      }
      const out = await cannon({
        url: gateway.url,
        body: workload.body,
        token: 'per-request',
        durationS: duration,
        checkBody: gatewayBodyOk,
      });
      n += out.result.requests.total;
    }
    if (retained) {
      await sleep(1000);
      await send('HeapProfiler.collectGarbage');
    }
    const profile = (await send('HeapProfiler.stopSampling')).result?.profile;
    ws.close();
    if (!profile) throw new Error('no heap profile');
    if (process.env.ALLOC_SAVE) writeFileSync(process.env.ALLOC_SAVE, JSON.stringify(profile));

    const byFunction = new Map<string, number>();
    const byPackage = new Map<string, number>();
    let total = 0;
    const stack = [profile.head];
    while (stack.length > 0) {
      const node = stack.pop()!;
      const f = node.callFrame;
      const where = f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/');
      const key = `${f.functionName || '(anonymous)'} ${where}:${f.lineNumber + 1}`;
      byFunction.set(key, (byFunction.get(key) ?? 0) + node.selfSize);
      const pkg = packageOf(f.url, f.functionName);
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + node.selfSize);
      total += node.selfSize;
      stack.push(...(node.children ?? []));
    }
    const show = (entries: Map<string, number>, top: number) => {
      for (const [key, bytes] of [...entries.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) {
        console.log(`${((100 * bytes) / total).toFixed(1).padStart(5)}%  ${(bytes / n).toFixed(0).padStart(6)} B/req  ${key}`);
      }
    };
    console.log(
      `${name}: ${n} requests, ${(total / 1e6).toFixed(0)} MB ${retained ? 'still alive after the load and a full GC' : promoted ? 'outlived the young generation' : 'allocated'} (sampled) ≈ ${(total / n / 1024).toFixed(1)} KB per request\n`,
    );
    console.log('By function:');
    show(byFunction, 35);
    console.log('\nBy package:');
    show(byPackage, 25);
  } finally {
    await stopChild(gateway.child);
    await stopChild(upstream.child);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
