/**
 * `npx tsx bench/cpuprofile-owners.ts FILE.cpuprofile`: busy time by the gateway module that owns it.
 * Each sample goes to the nearest gateway frame (dist/<area>/<file>) on its stack, leaf first, so a
 * library's time (undici, graphql, lru-cache) counts for the gateway code that called it; samples
 * with no gateway frame go to node:http (the server's own work), GC, or "other". Findings, issue 13.
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
const profile = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const parent = new Map<number, number>();
const byId = new Map<number, Node>();
for (const node of profile.nodes) {
  byId.set(node.id, node);
  for (const child of node.children ?? []) parent.set(child, node.id);
}
const owner = new Map<number, string>();
/** Who a single frame belongs to, or undefined when it says nothing (native code, anonymous). */
function frameOwner(node: Node): string | undefined {
  const { functionName, url } = node.callFrame;
  const gateway = url.includes('node_modules') ? null : /\/dist\/([a-z0-9/-]+)\.js/.exec(url);
  if (gateway) return gateway[1]!;
  if (functionName === '(garbage collector)') return '(GC)';
  if (functionName === '(idle)') return '(idle)';
  if (functionName === '(program)') return '(program)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return `${pkg[1]} (no gateway frame above)`;
  if (/^node:(_http|net|stream|internal\/streams|internal\/http)/.test(url)) return 'node:http, net, streams (no gateway frame above)';
  return undefined;
}

/** The nearest gateway frame on the stack; failing that, the nearest frame that says anything. */
function ownerOf(id: number): string {
  const known = owner.get(id);
  if (known) return known;
  let fallback: string | undefined;
  let result: string | undefined;
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const who = frameOwner(byId.get(at)!);
    if (who === undefined) continue;
    if (!who.includes('(')) {
      result = who;
      break;
    }
    fallback ??= who;
    if (who.startsWith('(') && at === id) break;
  }
  const final = result ?? fallback ?? 'other';
  owner.set(id, final);
  return final;
}
const time = new Map<string, number>();
let busy = 0;
profile.samples.forEach((id, i) => {
  const who = ownerOf(id);
  const dt = (profile.timeDeltas[i] ?? 0) / 1000;
  if (who !== '(idle)') busy += dt;
  time.set(who, (time.get(who) ?? 0) + dt);
});
time.delete('(idle)');
console.log(`busy ${busy.toFixed(0)} ms`);
for (const [who, ms] of [...time].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
  console.log(`${((ms / busy) * 100).toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(6)} ms  ${who}`);
}
// OWNER=server/fast-path: that owner's time by leaf function (what it spends it on).
const detail = process.env.OWNER;
if (detail) {
  const leaves = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    if (ownerOf(id) !== detail) return;
    const { functionName, url } = byId.get(id)!.callFrame;
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/')}`;
    leaves.set(key, (leaves.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  console.log(`\n${detail}, by leaf function:`);
  for (const [key, ms] of [...leaves].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${ms.toFixed(0).padStart(6)} ms  ${key}`);
}
