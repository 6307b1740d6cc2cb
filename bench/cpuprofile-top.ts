/**
 * Reads a V8 .cpuprofile (from `node --cpu-prof`) and prints where the time went: the top
 * functions by self time, self time summed by package (or by file for our own code), and the
 * inclusive time of a few frames worth watching (GraphQL phases, yoga, undici, logging).
 *
 *   npx tsx bench/cpuprofile-top.ts path/to/file.cpuprofile [topN]
 *   npx tsx bench/cpuprofile-top.ts path/to/file.cpuprofile --callers <functionName> [depth]
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  gcMs: number;
  top: Array<{ name: string; where: string; selfMs: number; selfPct: number }>;
  byPackage: Array<{ name: string; selfMs: number; selfPct: number }>;
  inclusive: Array<{ name: string; ms: number; pct: number }>;
}

/** node_modules/<pkg> (scoped too), our own src file, node: internals, or the special V8 frames. */
function packageOf(frame: CallFrame): string {
  const url = frame.url;
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  const at = url.lastIndexOf('node_modules/');
  const m = at >= 0 ? /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url.slice(at)) : null;
  if (m) return m[1]!;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const own = /\/(dist|src)\/(.*)$/.exec(url);
  if (own) return `gateway ${own[1]}/${own[2]}`;
  return url;
}

const where = (f: CallFrame) =>
  `${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(dist|src)\//, '$1/')}:${f.lineNumber + 1}`;

/** Frames whose inclusive time is reported (name match on functionName, optional url part). */
const WATCH: Array<[string, RegExp, RegExp?]> = [
  ['graphql parse', /^parse$/, /graphql\/language\/parser/],
  ['graphql validate', /^validate$/, /graphql\/validation\/validate/],
  ['graphql execute', /^execute$/, /graphql\/execution\/execute/],
  ['graphql-tools normalizedExecutor / executor', /^(normalizedExecutor|execute)$/, /@graphql-tools\/executor/],
  ['yoga handleRequest', /^handleRequest$/, /graphql-yoga/],
  ['undici Pool request', /^request$/, /undici\/lib\/api\/api-request/],
  ['pino write (logging)', /^(write|LOG|asJson)$/, /pino/],
  ['JSON.stringify', /^stringify$/, undefined],
];

export function summarize(profile: CpuProfile, topN = 30): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const totalUs = profile.endTime - profile.startTime;
  // Inclusive time per node, children first.
  const inclusive = new Map<number, number>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const order: number[] = [];
  const root = profile.nodes[0]!.id;
  const stack = [root];
  while (stack.length) {
    const id = stack.pop()!;
    order.push(id);
    for (const c of byId.get(id)?.children ?? []) stack.push(c);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const id = order[i]!;
    let sum = self.get(id) ?? 0;
    for (const c of byId.get(id)?.children ?? []) sum += inclusive.get(c) ?? 0;
    inclusive.set(id, sum);
  }

  const fnSelf = new Map<string, { name: string; where: string; us: number }>();
  const pkgSelf = new Map<string, number>();
  let idleUs = 0;
  let gcUs = 0;
  for (const [id, us] of self) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') idleUs += us;
    if (frame.functionName === '(garbage collector)') gcUs += us;
    const key = `${frame.functionName}|${frame.url}|${frame.lineNumber}`;
    const entry = fnSelf.get(key) ?? { name: frame.functionName || '(anonymous)', where: where(frame), us: 0 };
    entry.us += us;
    fnSelf.set(key, entry);
    const pkg = packageOf(frame);
    pkgSelf.set(pkg, (pkgSelf.get(pkg) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const pct = (us: number) => (100 * us) / busyUs;

  // Inclusive for watched frames: count each node only if no ancestor matched the same watch (no double counting of recursion).
  const watched = WATCH.map(([name, fn, url]) => {
    let us = 0;
    for (const n of profile.nodes) {
      const matches = (node: ProfileNode) => fn.test(node.callFrame.functionName) && (!url || url.test(node.callFrame.url));
      if (!matches(n)) continue;
      let p = parent.get(n.id);
      let nested = false;
      while (p !== undefined) {
        if (matches(byId.get(p)!)) {
          nested = true;
          break;
        }
        p = parent.get(p);
      }
      if (!nested) us += inclusive.get(n.id) ?? 0;
    }
    return { name, ms: us / 1000, pct: pct(us) };
  });

  return {
    totalMs: totalUs / 1000,
    idleMs: idleUs / 1000,
    gcMs: gcUs / 1000,
    top: [...fnSelf.values()]
      .filter((e) => e.name !== '(idle)')
      .sort((a, b) => b.us - a.us)
      .slice(0, topN)
      .map((e) => ({ name: e.name, where: e.where, selfMs: e.us / 1000, selfPct: pct(e.us) })),
    byPackage: [...pkgSelf.entries()]
      .filter(([name]) => name !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, topN)
      .map(([name, us]) => ({ name, selfMs: us / 1000, selfPct: pct(us) })),
    inclusive: watched,
  };
}

export function printSummary(s: ProfileSummary): void {
  console.log(
    `profile ${s.totalMs.toFixed(0)} ms, idle ${s.idleMs.toFixed(0)} ms, busy ${(s.totalMs - s.idleMs).toFixed(0)} ms; GC ${s.gcMs.toFixed(0)} ms`,
  );
  console.log('\nTop functions by self time (% of busy time):');
  for (const t of s.top) console.log(`${t.selfPct.toFixed(1).padStart(5)}%  ${t.selfMs.toFixed(0).padStart(6)} ms  ${t.name}  ${t.where}`);
  console.log('\nSelf time by package / file:');
  for (const p of s.byPackage) console.log(`${p.selfPct.toFixed(1).padStart(5)}%  ${p.selfMs.toFixed(0).padStart(6)} ms  ${p.name}`);
  console.log('\nInclusive time of watched frames:');
  for (const w of s.inclusive) console.log(`${w.pct.toFixed(1).padStart(5)}%  ${w.ms.toFixed(0).padStart(6)} ms  ${w.name}`);
}

if (process.argv[1]?.endsWith('cpuprofile-top.ts') && process.argv[3] !== '--callers') {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: tsx bench/cpuprofile-top.ts file.cpuprofile [topN]');
    process.exit(2);
  }
  printSummary(summarize(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(process.argv[3] ?? 30)));
}

/** Self time of frames named `name`, by their callers (up to `depth` frames up): who makes this cost? */
export function callersOf(profile: CpuProfile, name: string, depth = 4): Array<{ stack: string; ms: number }> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++)
    self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const out = new Map<string, number>();
  for (const n of profile.nodes) {
    if (n.callFrame.functionName !== name) continue;
    // Self time of the frame and everything below it.
    let us = 0;
    const stack = [n.id];
    while (stack.length) {
      const id = stack.pop()!;
      us += self.get(id) ?? 0;
      stack.push(...(byId.get(id)?.children ?? []));
    }
    const frames: string[] = [];
    let p = parent.get(n.id);
    while (p !== undefined && frames.length < depth) {
      const f = byId.get(p)!.callFrame;
      frames.push(`${f.functionName || '(anonymous)'} ${where(f)}`);
      p = parent.get(p);
    }
    const key = frames.join(' ← ');
    out.set(key, (out.get(key) ?? 0) + us);
  }
  return [...out.entries()].map(([stack, us]) => ({ stack, ms: us / 1000 })).sort((a, b) => b.ms - a.ms);
}

if (process.argv[1]?.endsWith('cpuprofile-top.ts') && process.argv[3] === '--callers') {
  const profile = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as CpuProfile;
  for (const c of callersOf(profile, process.argv[4] ?? '', Number(process.argv[5] ?? 4)).slice(0, 15)) {
    console.log(`${c.ms.toFixed(0).padStart(6)} ms  ${c.stack}`);
  }
}
