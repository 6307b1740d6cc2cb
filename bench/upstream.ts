/**
 * The benchmark's upstream: the simulator with zero added latency, in a process of its own so its
 * CPU is not the measured process's. Started by bench/run.ts with an IPC channel:
 *
 * - `{ type: 'count' }` → `{ type: 'count', total, byService }`: routed requests seen so far
 *   (counted in the simulator's `intercept` hook; the simulator's own `calls` log is emptied every
 *   1024 calls so that it does not grow for the whole run).
 * - `{ type: 'gate', expected, fallbackMs }` → `{ type: 'gate-armed' }`, then, once `expected`
 *   requests are open at once (or `fallbackMs` passed), every held answer is sent and
 *   `{ type: 'gate-done', maxOpen }` follows: proof that a request's upstream calls were one wave.
 *
 * Also runnable by hand: `npx tsx bench/upstream.ts [port]` prints the URL and serves until killed.
 */
import type { ServerResponse } from 'node:http';
import { startSimulator, type SimCall, type SimService, type Simulator } from '../src/simulator/server.js';
import { UPSTREAM_SOURCES } from '../src/upstreams/index.js';

interface Gate {
  expected: number;
  open: number;
  maxOpen: number;
  released: boolean;
  held: Array<() => void>;
  timer: NodeJS.Timeout;
}

const byService = Object.fromEntries(UPSTREAM_SOURCES.map((s) => [s, 0])) as Record<SimService, number>;
let total = 0;
let gate: Gate | undefined;
let sim: Simulator | undefined;

function release(g: Gate): void {
  if (g.released) return;
  g.released = true;
  clearTimeout(g.timer);
  if (gate === g) gate = undefined;
  for (const send of g.held.splice(0)) send();
  process.send?.({ type: 'gate-done', maxOpen: g.maxOpen });
}

/** Holds this response's `end` until the gate opens (the technique of test/gateway/helpers.ts). */
function hold(g: Gate, res: ServerResponse): void {
  g.open++;
  g.maxOpen = Math.max(g.maxOpen, g.open);
  const realEnd = res.end.bind(res) as (chunk?: string) => ServerResponse;
  const deferred = (chunk?: string): ServerResponse => {
    const send = (): void => {
      g.open--;
      realEnd(chunk);
    };
    if (g.released) send();
    else g.held.push(send);
    return res;
  };
  (res as unknown as { end: typeof deferred }).end = deferred;
  if (g.open >= g.expected) queueMicrotask(() => release(g));
}

function intercept(call: SimCall, res: ServerResponse): boolean {
  total++;
  byService[call.service]++;
  if ((total & 1023) === 0) sim?.resetCalls();
  if (gate) hold(gate, res);
  return false;
}

const port = Number(process.argv[2] ?? 0);
sim = await startSimulator({ port, host: '127.0.0.1', latencyMs: 0, intercept });

process.on('message', (message: { type: string; expected?: number; fallbackMs?: number }) => {
  if (message.type === 'count') {
    process.send?.({ type: 'count', total, byService: { ...byService } });
  } else if (message.type === 'gate') {
    const g: Gate = {
      expected: message.expected ?? 1,
      open: 0,
      maxOpen: 0,
      released: false,
      held: [],
      timer: setTimeout(() => release(g), message.fallbackMs ?? 2000),
    };
    gate = g;
    process.send?.({ type: 'gate-armed' });
  }
});
process.on('disconnect', () => void sim?.close().finally(() => process.exit(0)));
process.on('SIGTERM', () => void sim?.close().finally(() => process.exit(0)));

if (process.send) process.send({ type: 'ready', url: sim.url });
else console.log(sim.url);
