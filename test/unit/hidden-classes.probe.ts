/**
 * Run by hidden-classes.test.ts under `node --allow-natives-syntax --import tsx`: builds what two
 * requests build and prints, for each kind of per-request object, whether V8 gave both one hidden
 * class with fast properties. An object literal with an accessor (`get x() {...}`) is a dictionary
 * instead, copied per object from an old-generation boilerplate: the copy's dead dictionary then
 * keeps its request's closures, and through them everything the request read, alive through every
 * scavenge until the next major GC (bench/findings.md, "Fourth pass").
 */
import type { CallContext } from '../../src/http/upstream-client.js';
import { createRequestContext } from '../../src/graph/context.js';
import type { CceApiCalls } from '../../src/upstreams/cce/client.js';
import { createCceLoaders, createCceParentIndex } from '../../src/upstreams/cce/loader.js';
import { createTerminalJobCache } from '../../src/upstreams/terminal-cache.js';
import type { UpstreamSettings } from '../../src/upstreams/types.js';

const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
const fast = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;
/** One hidden class for both, and fast properties (not a dictionary of its own, copied per object). */
const alike = (x: object, y: object) => sameMap(x, y) && fast(x) && fast(y);

const settings = {
  cache: createTerminalJobCache({ maxEntries: 10, maxBytes: 1 << 20, ttlMs: 60_000 }),
  maxSubJobDepth: 8,
} as unknown as UpstreamSettings;
const api = {} as CceApiCalls;
const parents = createCceParentIndex();

function request(n: number) {
  const call = { principal: `t:${n}`, requestId: `r${n}`, credential: { kind: 'none' } } as unknown as CallContext;
  const context = createRequestContext(call, 'cn-north-4');
  return { context, cce: createCceLoaders(api, context, settings, parents) };
}

const [a, b] = [request(1), request(2)];
console.log(JSON.stringify({ context: alike(a.context, b.context), cceLoaders: alike(a.cce, b.cce) }));
