import type { JobSource } from '../model/job.js';
import { caeSimulator } from './cae.js';
import { cceSimulator } from './cce.js';
import { cfwSimulator } from './cfw.js';
import { dbSimulator } from './db.js';
import { deepFreeze } from './seed.js';
import type { DemoJob, SimulatedUpstream } from './types.js';

/**
 * The simulator's registry, one line per upstream, as src/upstreams/index.ts is the gateway's:
 * test/unit/upstream-registry.test.ts fails when an upstream is in one and not the other.
 */
const REGISTERED = [cceSimulator, caeSimulator, cfwSimulator, dbSimulator] as const satisfies readonly SimulatedUpstream[];

export const SIMULATED_UPSTREAMS: readonly SimulatedUpstream[] = REGISTERED;

type Simulated = (typeof REGISTERED)[number];
type Intersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
type LiveIdsOf<U> = U extends { live: { ids: infer L } } ? L : never;

/** Named ids of every simulated upstream's seed jobs (`SIM_IDS.cce.deepTree`) and of the live jobs (`SIM_IDS.live.cce`). */
export type SimIds = { readonly [U in Simulated as Lowercase<U['source']>]: U['ids'] } & {
  readonly live: Intersection<LiveIdsOf<Simulated>>;
};

export const SIM_IDS = deepFreeze({
  ...Object.fromEntries(SIMULATED_UPSTREAMS.map((u) => [u.source.toLowerCase(), u.ids])),
  live: Object.assign({}, ...SIMULATED_UPSTREAMS.map((u) => (u.live ? u.live.ids : {}))),
}) as SimIds;

/** The upstream of every `JobSource` the simulator serves. */
export const SIMULATED_SOURCES: readonly JobSource[] = SIMULATED_UPSTREAMS.map((u) => u.source);

/** One finished or running job per upstream, for README examples and `npm run simulator`'s banner. */
export function demoJobs(region = 'cn-north-4'): DemoJob[] {
  return SIMULATED_UPSTREAMS.map((u) => u.demo(region));
}
