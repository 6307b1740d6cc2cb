/**
 * Shared by the federation tests: the job subgraph's SDL as the running server serves it, and a
 * second, small subgraph that references jobs by `id` alone through `@interfaceObject`.
 */
import { parse, type DocumentNode } from 'graphql';
import { composeServices, type CompositionResult } from '@theguild/federation-composition';
import type { TestGateway } from '../support/gateway.js';

/** The second subgraph: clusters, each pointing at the job that created it (a Job reference by id). */
export const CLUSTERS_SDL = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@interfaceObject"])

  "A cluster, owned by this subgraph; its creation job lives in the job subgraph."
  type Cluster @key(fields: "id") {
    id: ID!
    name: String!
    creationJob: Job
    "The last node job, referenced by its concrete type."
    lastNodeJob: CceJob
  }

  "A CCE job, known here by its id only; this subgraph cannot resolve it (resolvable: false)."
  type CceJob @key(fields: "id", resolvable: false) {
    id: ID!
  }

  "Any job, known here by its id only; every other field comes from the job subgraph."
  type Job @key(fields: "id") @interfaceObject {
    id: ID!
  }

  type Query {
    clusters: [Cluster!]!
  }
`;

export const JOBS_SUBGRAPH = 'jobs';
export const CLUSTERS_SUBGRAPH = 'clusters';

/** `_service { sdl }` from a running job gateway: what a supergraph tool (rover, Hive) would fetch. */
export async function fetchSubgraphSdl(gw: TestGateway): Promise<string> {
  const res = await gw.query<{ _service: { sdl: string } }>('{ _service { sdl } }');
  if (res.status !== 200 || !res.data) throw new Error(`_service { sdl } failed: ${res.status} ${JSON.stringify(res.errors)}`);
  return res.data._service.sdl;
}

export function compose(jobsSdl: string, urls: { jobs?: string; clusters?: string } = {}): CompositionResult {
  const services: { name: string; typeDefs: DocumentNode; url?: string }[] = [
    { name: JOBS_SUBGRAPH, typeDefs: parse(jobsSdl), ...(urls.jobs ? { url: urls.jobs } : {}) },
    { name: CLUSTERS_SUBGRAPH, typeDefs: parse(CLUSTERS_SDL), ...(urls.clusters ? { url: urls.clusters } : {}) },
  ];
  return composeServices(services);
}
