/**
 * Reference M: the fastest conventional Node GraphQL stack on the same request. Fastify + Mercurius
 * with graphql-jit (`jit: 1`: compiled from the second request on), hand-written resolvers, one
 * undici Pool per upstream service sized like the gateway's, the same upstream call per `cceJob`
 * as the gateway and the limit make, and a plain mapping of the upstream JSON to the fields the
 * bench asks for. No caches, no resilience, no metrics, no logs: what GraphQL itself costs.
 *
 * Serves workloads A and C (`cceJob` on the CCE v3 API, sub-jobs embedded). B (jobs(ids:) over four
 * upstreams) is not served: it would need the gateway's id scheme and four mappings, and the
 * A ratio is the one the issue sets against M.
 *
 * Env: UPSTREAM_URL (required), UPSTREAM_CONNECTIONS (32). Sends `{ type: 'ready', url }` over IPC.
 */
import Fastify from 'fastify';
import mercurius from 'mercurius';
import { Pool } from 'undici';

const upstream = process.env.UPSTREAM_URL;
if (!upstream) throw new Error('UPSTREAM_URL is required');
const pool = new Pool(upstream, { connections: Number(process.env.UPSTREAM_CONNECTIONS ?? 32) });

const schema = /* GraphQL */ `
  type KeyValue {
    key: String!
    value: String
  }
  enum JobState {
    PENDING
    RUNNING
    SUCCEEDED
    FAILED
    UNKNOWN
  }
  type CceJob {
    id: ID!
    jobId: String!
    type: String
    state: JobState!
    terminal: Boolean!
    rawStatus: String
    message: String
    createdAt: String
    updatedAt: String
    finishedAt: String
    apiVersion: String
    clusterId: String
    resourceId: String
    resourceName: String
    extendParams: [KeyValue!]!
    subJobs: [CceJob!]
  }
  type Query {
    cceJob(projectId: String!, jobId: String!, region: String): CceJob
  }
`;

type Json = Record<string, unknown>;
const STATES: Record<string, string> = { Initializing: 'PENDING', Running: 'RUNNING', Success: 'SUCCEEDED', Failed: 'FAILED' };
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function mapJob(dto: unknown, region: string, projectId: string): Json {
  const d = obj(dto);
  const metadata = obj(d.metadata);
  const spec = obj(d.spec);
  const status = obj(d.status);
  const uid = String(metadata.uid);
  const state = STATES[String(status.phase)] ?? 'UNKNOWN';
  const terminal = state === 'SUCCEEDED' || state === 'FAILED';
  const updatedAt = str(metadata.updateTimestamp);
  return {
    id: Buffer.from(JSON.stringify(['cce3', region, projectId, uid])).toString('base64url'),
    jobId: uid,
    type: str(spec.type),
    state,
    terminal,
    rawStatus: str(status.phase),
    message: str(status.reason),
    createdAt: str(metadata.creationTimestamp),
    updatedAt,
    finishedAt: terminal ? updatedAt : null,
    apiVersion: str(d.apiVersion) ?? 'v3',
    clusterId: str(spec.clusterUID),
    resourceId: str(spec.resourceID),
    resourceName: str(spec.resourceName),
    extendParams: Object.entries(obj(spec.extendParam)).map(([key, value]) => ({ key, value: value == null ? null : String(value) })),
    subJobs: Array.isArray(spec.subJobs) ? spec.subJobs.map((sub) => mapJob(sub, region, projectId)) : [],
  };
}

const resolvers = {
  Query: {
    async cceJob(
      _root: unknown,
      args: { projectId: string; jobId: string; region?: string },
      context: { reply: { request: { headers: Record<string, unknown> } } },
    ) {
      const token = String(context.reply.request.headers['x-auth-token'] ?? '');
      const res = await pool.request({
        method: 'GET',
        path: `/api/v3/projects/${encodeURIComponent(args.projectId)}/jobs/${encodeURIComponent(args.jobId)}`,
        headers: { accept: 'application/json', 'content-type': 'application/json', 'x-auth-token': token },
      });
      const body = (await res.body.json()) as unknown;
      if (res.statusCode === 404) return null;
      if (res.statusCode !== 200) throw new Error(`CCE answered ${res.statusCode}`);
      return mapJob(body, args.region ?? 'cn-north-4', args.projectId);
    },
  },
};

const app = Fastify({ logger: false, keepAliveTimeout: 60_000 });
await app.register(mercurius, { schema, resolvers, jit: 1, graphiql: false });
const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.send?.({ type: 'ready', url: address });

const stop = () =>
  void app
    .close()
    .then(() => pool.close())
    .finally(() => process.exit(0));
process.on('disconnect', stop);
process.on('SIGTERM', stop);
