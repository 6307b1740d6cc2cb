import type { JobSource } from '../model/job.js';
import { caeUpstream } from './cae/index.js';
import { cceUpstream } from './cce/index.js';
import { cfwUpstream } from './cfw/index.js';
import { dbUpstream } from './db/index.js';
import type { UpstreamDefinition } from './define.js';

/**
 * The registry: one line per upstream. Everything that lists the upstreams derives from it (the
 * public endpoints and `<SOURCE>_ENDPOINT` variables, the endpoint maps, id routing);
 * test/unit/upstream-registry.test.ts holds it against the SDL, codegen.yml and the simulator.
 */
export const UPSTREAMS = [cceUpstream, caeUpstream, cfwUpstream, dbUpstream] as const satisfies readonly UpstreamDefinition[];

// Every SDL `JobSource` value has a definition; a source with none fails typecheck here.
type Unregistered = Exclude<JobSource, (typeof UPSTREAMS)[number]['source']>;
const everySourceRegistered: [Unregistered] extends [never] ? true : Unregistered = true;
void everySourceRegistered;

export const UPSTREAM_SOURCES: readonly JobSource[] = UPSTREAMS.map((u) => u.source);

/** The public cloud's base URL of every upstream. */
export const PUBLIC_ENDPOINTS = endpointsFrom((u) => u.publicEndpoint);

/** Every upstream pointed at one base URL (the simulator, a test's fake). */
export function endpointsAt(url: string): Record<JobSource, string> {
  return endpointsFrom(() => url);
}

function endpointsFrom(endpointOf: (u: UpstreamDefinition) => string): Record<JobSource, string> {
  return Object.fromEntries(UPSTREAMS.map((u) => [u.source, endpointOf(u)])) as Record<JobSource, string>;
}

/** The variable that points an upstream elsewhere (config.ts reads it). */
export function endpointVariable(source: JobSource): string {
  return `${source}_ENDPOINT`;
}

/** `<SOURCE>_ENDPOINT=url` for every upstream: the environment of a gateway process reading one fake upstream. */
export function endpointEnvAt(url: string): Record<string, string> {
  return Object.fromEntries(UPSTREAMS.map((u) => [endpointVariable(u.source), url]));
}
