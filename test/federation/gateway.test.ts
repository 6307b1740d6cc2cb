/**
 * A real federation gateway (Hive Gateway's runtime with the HTTP transport) in front of two
 * subgraphs over real sockets: this job gateway (on the simulator) and a small `clusters` subgraph
 * whose `Cluster.creationJob` is a Job reference by id alone (`@interfaceObject`). A counting proxy
 * in front of the job subgraph records what the federation gateway sends it.
 *
 * Proves: a query crossing both subgraphs returns the right jobs from two upstreams (CCE, CFW); N job
 * references reach the job subgraph as ONE `_entities` request; the caller's X-Auth-Token goes
 * client → federation gateway → job subgraph → cloud API; a reference to a job that does not exist
 * is null for that entry only, with one NOT_FOUND error from the job subgraph (which the gateway
 * passes on for a concrete-type reference, and drops for an @interfaceObject one: see below).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { createGatewayRuntime, type GatewayRuntime } from '@graphql-hive/gateway-runtime';
import httpTransport from '@graphql-mesh/transport-http';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeId, encodeId } from '../../src/model/ids.js';
import { SIM_IDS, SIM_PROJECT_ID, type Simulator } from '../../src/simulator/server.js';
import { startSimulatedGateway, type TestGateway } from '../support/gateway.js';
import { CLUSTERS_SDL, compose, fetchSubgraphSdl } from './subgraphs.js';

interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The response body, for the counting proxy. */
  response?: string;
}

interface Listening {
  url: string;
  close(): Promise<void>;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Listening> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Forwards every request to `target`, recording it first: what the job subgraph was sent, over HTTP. */
async function countingProxy(target: string): Promise<Listening & { seen: Recorded[] }> {
  const seen: Recorded[] = [];
  const proxy = await listen((req, res) => {
    void (async () => {
      try {
        const body = await readBody(req);
        const record: Recorded = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
        seen.push(record);
        const headers = new Headers();
        for (const [name, value] of Object.entries(req.headers)) {
          if (value === undefined || ['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive'].includes(name)) continue;
          headers.set(name, Array.isArray(value) ? value.join(', ') : value);
        }
        const upstream = await fetch(`${target}${req.url ?? '/'}`, {
          method: req.method ?? 'GET',
          headers,
          ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body }),
        });
        const text = await upstream.text();
        record.response = text;
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
        res.end(text);
      } catch (error) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(String(error));
      }
    })();
  });
  return { ...proxy, seen };
}

interface ClusterRecord {
  id: string;
  name: string;
  creationJobId: string | null;
  lastNodeJobId: string | null;
}

/** The second subgraph: a plain yoga server over @apollo/subgraph, as a team owning clusters would write it. */
async function clustersSubgraph(clusters: readonly ClusterRecord[]): Promise<Listening & { seen: Recorded[] }> {
  const byId = new Map(clusters.map((c) => [c.id, c]));
  const schema = buildSubgraphSchema({
    typeDefs: parse(CLUSTERS_SDL),
    resolvers: {
      Query: { clusters: () => clusters },
      Cluster: {
        __resolveReference: (ref: { id: string }) => byId.get(ref.id) ?? null,
        // A reference by id alone: every other Job field comes from the job subgraph.
        creationJob: (cluster: ClusterRecord) => (cluster.creationJobId === null ? null : { id: cluster.creationJobId }),
        // A reference by concrete type.
        lastNodeJob: (cluster: ClusterRecord) =>
          cluster.lastNodeJobId === null ? null : { __typename: 'CceJob', id: cluster.lastNodeJobId },
      },
    },
  });
  const yoga = createYoga({ schema, logging: false, graphiql: false, landingPage: false });
  const seen: Recorded[] = [];
  const server = await listen((req, res) => {
    seen.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: '' });
    void yoga(req, res);
  });
  return { ...server, seen };
}

/** A Hive Gateway runtime on a loopback port, forwarding the caller's X-Auth-Token to every subgraph. */
async function federationGateway(supergraphSdl: string): Promise<Listening & { runtime: GatewayRuntime }> {
  const runtime = createGatewayRuntime({
    supergraph: supergraphSdl,
    transports: { http: httpTransport },
    propagateHeaders: {
      fromClientToSubgraphs: ({ request }) => ({ 'x-auth-token': request.headers.get('x-auth-token') }),
    },
    logging: false,
    graphiql: false,
    landingPage: false,
  });
  const server = await listen((req, res) => void runtime(req, res));
  return {
    ...server,
    runtime,
    async close() {
      await server.close();
      await runtime.dispose();
    },
  };
}

interface JobOut {
  __typename: string;
  id: string;
  source: string;
  jobId: string;
  state: string;
  type?: string | null;
}

interface GqlError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string };
}

interface GqlResult<T> {
  status: number;
  data?: T | null;
  errors?: GqlError[];
}

async function post<T>(url: string, query: string, token: string): Promise<GqlResult<T>> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-auth-token': token },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as Omit<GqlResult<T>, 'status'>;
  return { status: res.status, ...body };
}

const CCE = SIM_IDS.cce;
const CFW = SIM_IDS.cfw;
/** Jobs the clusters point at: four from CCE, two from CFW (real ids, read from the job subgraph). */
const REFERENCED = [
  { cluster: 'alpha', source: 'CCE', jobId: CCE.success, state: 'SUCCEEDED' },
  { cluster: 'bravo', source: 'CCE', jobId: CCE.failed, state: 'FAILED' },
  { cluster: 'charlie', source: 'CFW', jobId: CFW.success, state: 'SUCCEEDED' },
  { cluster: 'delta', source: 'CCE', jobId: CCE.deepTree, state: 'RUNNING' },
  { cluster: 'echo', source: 'CFW', jobId: CFW.failed, state: 'FAILED' },
  { cluster: 'foxtrot', source: 'CCE', jobId: CCE.running, state: 'RUNNING' },
] as const;

let jobs: TestGateway & { sim: Simulator };
let proxy: Listening & { seen: Recorded[] };
let clusters: Listening & { seen: Recorded[] };
let federation: Listening & { runtime: GatewayRuntime };
/** What the job subgraph itself answers for each referenced job, asked directly (not through federation). */
const direct = new Map<string, JobOut>();
let missingId: string;

beforeAll(async () => {
  jobs = await startSimulatedGateway();
  const setupToken = `setup-${randomUUID()}`;
  for (const ref of REFERENCED) {
    const [field, select] =
      ref.source === 'CCE' ? ['cceJob', '__typename id source jobId state type'] : ['cfwJob', '__typename id source jobId state'];
    const res = await jobs.query<Record<string, JobOut | null>>(
      `{ j: ${field}(projectId: "${SIM_PROJECT_ID}", jobId: "${ref.jobId}") { ${select} } }`,
      {
        token: setupToken,
      },
    );
    const job = res.data?.j;
    if (!job) throw new Error(`setup: ${ref.source} job ${ref.jobId} not found: ${JSON.stringify(res.errors)}`);
    direct.set(ref.cluster, job);
  }
  // A well-formed id for a CCE job the cloud does not have: the first job's id with another uid.
  const first = decodeId(direct.get('alpha')?.id ?? '');
  missingId = encodeId(
    first.tag,
    first.parts.map((p) => (p === CCE.success ? randomUUID() : p)),
  );
  expect(missingId).not.toBe(direct.get('alpha')?.id);

  proxy = await countingProxy(jobs.url);
  clusters = await clustersSubgraph([
    ...REFERENCED.map((r) => ({
      id: `cl-${r.cluster}`,
      name: r.cluster,
      creationJobId: direct.get(r.cluster)?.id ?? '',
      lastNodeJobId: r.cluster === 'alpha' || r.cluster === 'bravo' ? (direct.get(r.cluster)?.id ?? '') : null,
    })),
    { id: 'cl-golf', name: 'golf', creationJobId: missingId, lastNodeJobId: missingId },
    { id: 'cl-hotel', name: 'hotel', creationJobId: null, lastNodeJobId: null },
  ]);
  const composed = compose(await fetchSubgraphSdl(jobs), { jobs: `${proxy.url}/graphql`, clusters: `${clusters.url}/graphql` });
  if (composed.errors) throw new Error(`composition failed: ${composed.errors.map((e) => e.message).join('\n')}`);
  federation = await federationGateway(composed.supergraphSdl);
});

afterAll(async () => {
  await federation?.close();
  await clusters?.close();
  await proxy?.close();
  await jobs?.close();
});

interface ClustersOut {
  clusters: { name: string; creationJob: JobOut | null }[];
}

const CROSSING_QUERY = `{
  clusters {
    name
    creationJob { __typename id source jobId state ... on CceJob { type } }
  }
}`;

interface EntitiesRequest {
  representations: { __typename: string; id: string }[];
  token: string | undefined;
  response: { data?: { _entities: (Record<string, unknown> | null)[] } | null; errors?: GqlError[] };
}

/** The POSTs to the job subgraph that asked for `_entities`, with what it answered. */
function entitiesRequests(): EntitiesRequest[] {
  return proxy.seen
    .filter((r) => r.method === 'POST' && r.body.includes('_entities'))
    .map((r) => {
      const body = JSON.parse(r.body) as { variables?: { representations?: { __typename: string; id: string }[] } };
      const token = r.headers['x-auth-token'];
      return {
        representations: body.variables?.representations ?? [],
        token: Array.isArray(token) ? token[0] : token,
        response: JSON.parse(r.response ?? '{}') as EntitiesRequest['response'],
      };
    });
}

describe('a query crossing both subgraphs through Hive Gateway (Job referenced by id alone, @interfaceObject)', () => {
  let result: GqlResult<ClustersOut>;
  let token: string;

  beforeAll(async () => {
    token = `caller-${randomUUID()}`;
    proxy.seen.length = 0;
    clusters.seen.length = 0;
    jobs.sim.resetCalls();
    result = await post<ClustersOut>(federation.url, CROSSING_QUERY, token);
  });

  it('returns each cluster with the right job, from CCE and CFW', () => {
    expect(result.status).toBe(200);
    const byName = new Map((result.data?.clusters ?? []).map((c) => [c.name, c.creationJob]));
    expect([...byName.keys()]).toEqual([...REFERENCED.map((r) => r.cluster), 'golf', 'hotel']);
    for (const ref of REFERENCED) {
      const job = byName.get(ref.cluster);
      // Exactly what the job subgraph answers when asked directly...
      expect(job, ref.cluster).toEqual(direct.get(ref.cluster));
      // ...and what the simulator's seed says.
      expect(job?.source, ref.cluster).toBe(ref.source);
      expect(job?.jobId, ref.cluster).toBe(ref.jobId);
      expect(job?.state, ref.cluster).toBe(ref.state);
      expect(job?.__typename, ref.cluster).toBe(ref.source === 'CCE' ? 'CceJob' : 'CfwJob');
    }
    // The concrete-type fragment resolved in the job subgraph: CCE jobs carry their type, CFW jobs have no such field.
    expect(byName.get('delta')?.type).toBe('ScaleupCluster');
    expect(byName.get('charlie')).not.toHaveProperty('type');
    // A cluster with no creation job is simply null.
    expect(byName.get('hotel')).toBeNull();
  });

  it('sends the job subgraph ONE _entities request carrying every reference, not one per job', () => {
    const requests = entitiesRequests();
    expect(requests).toHaveLength(1);
    const ids = requests[0]?.representations.map((r) => r.id) ?? [];
    expect([...ids].sort()).toEqual([...REFERENCED.map((r) => direct.get(r.cluster)?.id ?? ''), missingId].sort());
    // By id alone: the clusters subgraph knows no concrete job type.
    expect(new Set(requests[0]?.representations.map((r) => r.__typename))).toEqual(new Set(['Job']));
    // And nothing else went to the job subgraph for this query.
    expect(proxy.seen.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('the missing job is null for its cluster only; the job subgraph answered it with null plus one NOT_FOUND error', () => {
    const clustersOut = result.data?.clusters ?? [];
    expect(clustersOut.filter((c) => c.creationJob === null).map((c) => c.name)).toEqual(['golf', 'hotel']);

    // The subgraph's side of the contract: in order, null for the missing one, one error pointing at it.
    const [request] = entitiesRequests();
    const missingAt = request?.representations.findIndex((r) => r.id === missingId) ?? -1;
    expect(missingAt).toBeGreaterThanOrEqual(0);
    const entities = request?.response.data?._entities ?? [];
    expect(entities).toHaveLength(REFERENCED.length + 1);
    expect(entities.map((entity) => entity === null)).toEqual(entities.map((_, i) => i === missingAt));
    expect(request?.response.errors?.map((e) => [e.extensions?.code, e.path])).toEqual([['NOT_FOUND', ['_entities', missingAt]]]);

    // Hive Gateway 2.12.1 (@graphql-tools/delegate 12.3.3) drops that error for an abstract (@interfaceObject)
    // reference: the entity's `__typename` becomes the error and resolveExternalValue turns it into a bare null.
    // Whatever a later version does, no error may name any other cluster.
    const golf = clustersOut.findIndex((c) => c.name === 'golf');
    for (const error of result.errors ?? []) expect(error.path?.slice(0, 2), error.message).toEqual(['clusters', golf]);
  });

  it('propagates the caller’s X-Auth-Token to both subgraphs and on to the cloud APIs', () => {
    expect(entitiesRequests()[0]?.token).toBe(token);
    expect(clusters.seen.length).toBeGreaterThan(0);
    for (const r of clusters.seen) expect(r.headers['x-auth-token']).toBe(token);
    const calls = jobs.sim.calls;
    expect(new Set(calls.map((c) => c.service))).toEqual(new Set(['CCE', 'CFW']));
    for (const call of calls) expect(call.headers['x-auth-token'], `${call.service} ${call.path}`).toBe(token);
    // Each job read once upstream (the missing one included), however the references arrived.
    const paths = calls.map((c) => `${c.service} ${c.path}`);
    expect(paths).toHaveLength(REFERENCED.length + 1);
    expect(new Set(paths).size).toBe(paths.length);
  });
});

describe('a job referenced by its concrete type (CceJob)', () => {
  interface LastNodeOut {
    clusters: { name: string; lastNodeJob: { id: string; state: string; type: string | null } | null }[];
  }

  it('resolves the others and gives null plus one NOT_FOUND error, through the gateway, for the missing one only', async () => {
    proxy.seen.length = 0;
    const res = await post<LastNodeOut>(federation.url, '{ clusters { name lastNodeJob { id state type } } }', `caller-${randomUUID()}`);
    const out = res.data?.clusters ?? [];
    const byName = new Map(out.map((c) => [c.name, c.lastNodeJob]));
    expect(byName.get('alpha')).toEqual({ id: direct.get('alpha')?.id, state: 'SUCCEEDED', type: direct.get('alpha')?.type });
    expect(byName.get('bravo')).toEqual({ id: direct.get('bravo')?.id, state: 'FAILED', type: direct.get('bravo')?.type });
    expect(byName.get('golf')).toBeNull();
    expect(out.filter((c) => c.lastNodeJob !== null).map((c) => c.name)).toEqual(['alpha', 'bravo']);

    const golf = out.findIndex((c) => c.name === 'golf');
    expect(res.errors ?? [], JSON.stringify(res.errors)).toHaveLength(1);
    expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(res.errors?.[0]?.path?.slice(0, 3)).toEqual(['clusters', golf, 'lastNodeJob']);

    const requests = entitiesRequests();
    expect(requests).toHaveLength(1);
    expect(requests[0]?.representations.map((r) => r.__typename)).toEqual(['CceJob', 'CceJob', 'CceJob']);
  });
});

describe('without a token', () => {
  it('forwards none: the job subgraph has no credential, calls no cloud API and says UNAUTHENTICATED', async () => {
    proxy.seen.length = 0;
    jobs.sim.resetCalls();
    const res = await fetch(`${federation.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: '{ clusters { name lastNodeJob { id state } } }' }),
    });
    const body = (await res.json()) as { data?: { clusters: { name: string; lastNodeJob: unknown }[] } | null; errors?: GqlError[] };
    expect(body.data?.clusters.map((c) => c.name)).toContain('alpha');
    expect(body.data?.clusters.every((c) => c.lastNodeJob === null)).toBe(true);
    expect(new Set(body.errors?.map((e) => e.extensions?.code))).toEqual(new Set(['UNAUTHENTICATED']));
    const requests = entitiesRequests();
    expect(requests).toHaveLength(1);
    expect(requests[0]?.token).toBeUndefined();
    expect(jobs.sim.calls).toEqual([]);
  });
});
