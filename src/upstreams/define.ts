import type { JobSource } from '../model/job.js';
import type { GlobalIdKind } from './global-ids.js';
import type { JobModel, Upstream, UpstreamSettings } from './types.js';

/** What an upstream's factory builds; `source` and `idTags` come from its definition. */
export type UpstreamParts = Omit<Upstream, 'source' | 'idTags'>;

/**
 * Everything the rest of the gateway needs to know about one upstream, in its folder's index.ts.
 * The registry (src/upstreams/index.ts) derives from these: the public endpoints and
 * `<SOURCE>_ENDPOINT` variables (config.ts), the endpoint maps (main.ts, tests, bench) and the
 * routing of global ids; test/unit/upstream-registry.test.ts holds them against the SDL,
 * codegen.yml and the simulator.
 */
export interface UpstreamDefinition<S extends JobSource = JobSource> {
  /** The SDL `JobSource` value; its folder, schema file and simulator are named after it in lower case. */
  readonly source: S;
  /** The base URL on the public cloud; `{region}` is replaced per request. */
  readonly publicEndpoint: string;
  /** The SDL object types implementing `Job` whose models this upstream makes (each has a codegen mapper). */
  readonly jobTypes: readonly JobModel['__typename'][];
  /** The kinds of global id it mints (map.ts); ids with these tags are read back through it. */
  readonly ids: readonly Pick<GlobalIdKind<unknown>, 'tag'>[];
  create(settings: UpstreamSettings): Upstream;
}

export function defineUpstream<S extends JobSource>(spec: {
  source: S;
  publicEndpoint: string;
  jobTypes: readonly JobModel['__typename'][];
  ids: readonly Pick<GlobalIdKind<unknown>, 'tag'>[];
  create(settings: UpstreamSettings): UpstreamParts;
}): UpstreamDefinition<S> {
  const idTags = spec.ids.map((kind) => kind.tag);
  return {
    source: spec.source,
    publicEndpoint: spec.publicEndpoint,
    jobTypes: spec.jobTypes,
    ids: spec.ids,
    create: (settings) => ({ source: spec.source, idTags, ...spec.create(settings) }),
  };
}
