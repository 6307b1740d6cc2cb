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
 * Env: ALLOC_WORKLOAD (A, B or C; default A), ALLOC_DURATION (s, default 8), ALLOC_INSPECT_PORT (9339), ALLOC_RETAINED.
 */
import { request } from 'undici';
import WebSocket from 'ws';
import { ensureBuild, gatewayBodyOk, cannon, readGlobalIds, sleep, startGateway, startHelper, stopChild, workloads } from './run.js';

interface SampleNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children?: SampleNode[];
}

const name = (process.env.ALLOC_WORKLOAD ?? 'A').toUpperCase();
const duration = Number(process.env.ALLOC_DURATION ?? 8);
const port = Number(process.env.ALLOC_INSPECT_PORT ?? 9339);
const retained = Boolean(process.env.ALLOC_RETAINED);

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
  const gateway = await startGateway(upstream.url, [`--inspect=127.0.0.1:${port}`]);
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

    const workload = workloads(await readGlobalIds(gateway.url, upstream)).find((w) => w.name === name);
    if (!workload) throw new Error(`no workload ${name}`);
    await cannon({ url: gateway.url, body: workload.body, token: 'per-request', durationS: 3, checkBody: gatewayBodyOk });
    await send('HeapProfiler.startSampling', {
      samplingInterval: 16384,
      includeObjectsCollectedByMajorGC: !retained,
      includeObjectsCollectedByMinorGC: !retained,
    });
    const out = await cannon({
      url: gateway.url,
      body: workload.body,
      token: 'per-request',
      durationS: duration,
      checkBody: gatewayBodyOk,
    });
    if (retained) {
      await sleep(1000);
      await send('HeapProfiler.collectGarbage');
    }
    const profile = (await send('HeapProfiler.stopSampling')).result?.profile;
    ws.close();
    if (!profile) throw new Error('no heap profile');

    const n = out.result.requests.total;
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
      `${name}: ${n} requests, ${(total / 1e6).toFixed(0)} MB ${retained ? 'still alive after the load and a full GC' : 'allocated'} (sampled) ≈ ${(total / n / 1024).toFixed(1)} KB per request\n`,
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
