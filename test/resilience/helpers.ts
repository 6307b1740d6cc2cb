import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../../src/http/clock.js';
import type { JobSource } from '../../src/model/job.js';
import { SIM_IDS, SIM_PROJECT_ID, startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/server.js';
import { UPSTREAM_SOURCES } from '../../src/upstreams/index.js';
import { startGateway, type GraphQLResponse, type TestGateway } from '../support/gateway.js';
import { startFaultyUpstream, type FaultyUpstream } from './faulty-upstream.js';

export const P = SIM_PROJECT_ID;
export { SIM_IDS };

/** The codes the gateway documents for `extensions.code` on field errors. */
export const DOCUMENTED_CODES = new Set([
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_ERROR',
  'UPSTREAM_BUDGET_EXCEEDED',
]);

export type GraphQLError = NonNullable<GraphQLResponse['errors']>[number];

export interface FaultyGateway extends TestGateway {
  faulty: FaultyUpstream;
  sim: Simulator;
}

/**
 * A gateway whose `faultySources` (CCE by default) point at a fresh fault-injecting upstream and
 * every other upstream at a fresh simulator. `cceEndpoint` overrides CCE's URL (a closed port), or
 * derives it from the faulty upstream's (a `{region}` in its path).
 */
export async function startFaultyGateway(
  env: Record<string, string> = {},
  options: {
    faultySources?: JobSource[];
    sim?: SimulatorOptions;
    cceEndpoint?: string | ((faultyUrl: string) => string);
    clock?: Clock;
  } = {},
): Promise<FaultyGateway> {
  const faulty = await startFaultyUpstream();
  const sim = await startSimulator(options.sim ?? {});
  const onFaulty = new Set(options.faultySources ?? ['CCE']);
  const at = (s: JobSource) => (onFaulty.has(s) ? faulty.url : sim.url);
  const endpoints = Object.fromEntries(UPSTREAM_SOURCES.map((s) => [s, at(s)])) as Record<JobSource, string>;
  if (options.cceEndpoint) endpoints.CCE = typeof options.cceEndpoint === 'string' ? options.cceEndpoint : options.cceEndpoint(faulty.url);
  let gw: TestGateway;
  try {
    gw = await startGateway(endpoints, env, options.clock ? { clock: options.clock } : {});
  } catch (error) {
    await faulty.close();
    await sim.close();
    throw error;
  }
  return {
    ...gw,
    faulty,
    sim,
    async close() {
      await gw.close();
      await faulty.close();
      await sim.close();
    },
  };
}

/** A CCE job (non-terminal by default, so the terminal-job cache never hides an upstream call). */
export function cceField(alias: string, jobId: string = SIM_IDS.cce.running): string {
  return `${alias}: cceJob(projectId: "${P}", jobId: "${jobId}") { jobId state }`;
}

export function cfwField(alias: string, jobId: string = SIM_IDS.cfw.success): string {
  return `${alias}: cfwJob(projectId: "${P}", jobId: "${jobId}") { jobId state }`;
}

/** The faulty field (CCE) and an unrelated one (CFW, from the simulator) in one query. */
export const MIXED = `{ ${cceField('cce')} ${cfwField('cfw')} }`;

export function errorAt(res: GraphQLResponse, alias: string): GraphQLError | undefined {
  return res.errors?.find((e) => e.path?.[0] === alias);
}

export function codeAt(res: GraphQLResponse, alias: string): string | undefined {
  return errorAt(res, alias)?.extensions?.code;
}

export function upstreamAt(res: GraphQLResponse, alias: string): Record<string, unknown> | undefined {
  const upstream = errorAt(res, alias)?.extensions?.upstream;
  return typeof upstream === 'object' && upstream !== null ? (upstream as Record<string, unknown>) : undefined;
}

export function fieldAt(res: GraphQLResponse, alias: string): Record<string, unknown> | null | undefined {
  const data = res.data as Record<string, Record<string, unknown> | null> | null | undefined;
  return data?.[alias];
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - start };
}

/** Polls `condition` until it holds or `timeoutMs` passes (then fails with `what`). */
export async function eventually(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for: ${what}`);
    await sleep(10);
  }
}

export { sleep };
