/**
 * The fast path (src/server/fast-path.ts) held against yoga itself, over real sockets. One
 * simulator, two gateways on it: `fast` (the default listener) and `yoga` (fastPath: false). Each
 * case is one raw HTTP request, sent twice to each gateway in the same order (fast, yoga, fast,
 * yoga) so the two gateways' caches and counters evolve alike. The first send of a document always
 * meets yoga on both; the second send is where `fast` may answer without yoga, and it must answer
 * exactly as yoga does: status, headers, body bytes, metrics and the request log line.
 */
import { createHash, randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/server/logger.js';
import {
  SIM_CAE_ENVIRONMENT_ID,
  SIM_IDS,
  SIM_PROJECT_ID,
  startSimulator,
  type SimCall,
  type Simulator,
} from '../../src/simulator/server.js';
import { renderCceV3, type CceJobRecord } from '../../src/simulator/cce-data.js';
import { caeGlobalId } from '../../src/upstreams/cae/map.js';
import { cceGlobalId } from '../../src/upstreams/cce/map.js';
import { cfwGlobalId } from '../../src/upstreams/cfw/map.js';
import { dbGlobalId } from '../../src/upstreams/db/map.js';
import { scrape } from '../observability/prom.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { JOB_FRAGMENT, subJobsSelection } from './helpers.js';

const P = SIM_PROJECT_ID;
const ENV = SIM_CAE_ENVIRONMENT_ID;
const REGION = 'cn-north-4';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// One token for every request: both gateways then share one principal's terminal-job cache history.
const TOKEN = 'fast-path-test-token';
const PREPARED = 'graphql_prepared_operations_total';

const ids = {
  cce: cceGlobalId({ api: 'v3', region: REGION, projectId: P, jobId: SIM_IDS.cce.running }),
  cceTree: cceGlobalId({ api: 'v3', region: REGION, projectId: P, jobId: SIM_IDS.cce.docV3 }),
  cae: caeGlobalId({ region: REGION, projectId: P, environmentId: ENV, enterpriseProjectId: null, jobId: SIM_IDS.cae.running }),
  cfw: cfwGlobalId({ region: REGION, projectId: P, jobId: SIM_IDS.cfw.failed }),
  db: dbGlobalId({ region: REGION, projectId: P, jobId: SIM_IDS.db.running }),
  cfwMissing: cfwGlobalId({ region: REGION, projectId: P, jobId: 'no-such-job' }),
};
/** A job whose text is not ASCII (two- to four-byte UTF-8 characters): Content-Length counts bytes, not characters. */
const UNICODE_JOB: CceJobRecord = {
  uid: 'd4f3b8a5-9a44-11f0-8d2e-0255ac100034',
  type: 'UpgradeCluster',
  clusterUID: 'c-unicode',
  resourceID: 'c-unicode',
  resourceName: 'größe-集群-🚀',
  extendParam: {},
  phase: 'Failed',
  reason: 'Échec: 节点不可用 ✗',
  creationTimestamp: '2025-09-03 08:15:30.5 +0000 UTC',
  updateTimestamp: '2025-09-03 08:16:02.123 +0000 UTC',
};
const cceJob = (uid: string) => `cceJob(projectId: "${P}", jobId: "${uid}")`;
const cfwJob = (id: string) => `cfwJob(projectId: "${P}", jobId: "${id}")`;
const nest = (levels: number, inner = 'state') => 'subJobs { '.repeat(levels) + inner + ' }'.repeat(levels);

/* ------------------------------------------------------------------------------------------ */
/* Raw requests                                                                                */
/* ------------------------------------------------------------------------------------------ */

type Params = { query: string; variables?: unknown; operationName?: unknown; extensions?: unknown } & Record<string, unknown>;

interface RawRequest {
  method?: 'GET' | 'POST';
  /** Path and query string; /graphql by default. */
  path?: string;
  /** Added to (or, with undefined, removed from) the defaults: JSON body, Accept: application/json, the token. */
  headers?: Record<string, string | undefined>;
  /** GraphQL params (sent as JSON), raw text, or a stream factory (sent chunked, no Content-Length). */
  body?: Params | string | (() => Readable) | Buffer;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

const DEFAULT_HEADERS = { 'content-type': 'application/json', accept: 'application/json', 'x-auth-token': TOKEN };

async function send(gw: TestGateway, raw: RawRequest, requestId?: string): Promise<Answer> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...DEFAULT_HEADERS, ...(requestId ? { 'x-request-id': requestId } : {}), ...raw.headers })) {
    if (value !== undefined) headers[name] = value;
  }
  const method = raw.method ?? 'POST';
  let body: string | Buffer | Readable | undefined;
  if (typeof raw.body === 'function') body = raw.body();
  else if (typeof raw.body === 'string' || Buffer.isBuffer(raw.body)) body = raw.body;
  else if (raw.body) body = JSON.stringify(raw.body);
  if (method === 'GET') delete headers['content-type'];
  const res = await request(`${gw.url}${raw.path ?? '/graphql'}`, { method, headers, body: method === 'GET' ? undefined : body });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

/** The headers both paths must agree on (the rest, date and connection handling, are node:http's). */
function comparableHeaders(answer: Answer): Record<string, unknown> {
  const { date: _date, connection: _connection, 'keep-alive': _keepAlive, ...rest } = answer.headers;
  return rest;
}

/** Asserts that `actual` (from fast) is the answer `expected` (from yoga) gave: status, headers, exact body text. */
function expectSameAnswer(actual: Answer, expected: Answer, label: string): void {
  expect(actual.status, `${label}: status`).toBe(expected.status);
  expect(actual.headers['content-type'], `${label}: content-type`).toBe(expected.headers['content-type']);
  expect(actual.headers['x-request-id'], `${label}: x-request-id`).toBe(expected.headers['x-request-id']);
  expect(comparableHeaders(actual), `${label}: headers`).toEqual(comparableHeaders(expected));
  // Deep-equal first, for a readable diff; then the bytes, since key order is part of the answer.
  if (/json/.test(String(expected.headers['content-type']))) {
    expect(JSON.parse(actual.text), `${label}: body`).toEqual(JSON.parse(expected.text));
  }
  expect(actual.text, `${label}: body text`).toBe(expected.text);
}

/* ------------------------------------------------------------------------------------------ */
/* Gateways, logs, metrics                                                                     */
/* ------------------------------------------------------------------------------------------ */

type LogLine = Record<string, unknown> & { msg: string; requestId?: string };

interface Logged {
  gw: TestGateway;
  lines: string[];
}

let sim: Simulator;
let fast: Logged;
let yoga: Logged;

/** A gateway on the shared simulator whose info-level JSON log lines land in `lines`. */
async function start(options: { fastPath?: boolean }): Promise<Logged> {
  const lines: string[] = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
  const gw = await startGateway({ CCE: sim.url, CAE: sim.url, CFW: sim.url, DB: sim.url }, {}, { logger, ...options });
  return { gw, lines };
}

/** The log lines a gateway wrote for one request id, without what differs run to run (times, durations). */
function linesFor(logged: Logged, requestId: string): { request: LogLine[]; others: string[] } {
  const mine = logged.lines.map((l) => JSON.parse(l) as LogLine).filter((l) => l.requestId === requestId);
  const strip = (line: LogLine): LogLine => {
    const { time: _time, durationMs: _durationMs, pid: _pid, hostname: _hostname, ...rest } = line;
    const upstream = rest.upstream as Record<string, unknown> | undefined;
    if (upstream) {
      const { durationMs: _upstreamDuration, ...kept } = upstream;
      rest.upstream = kept;
    }
    return rest as LogLine;
  };
  return {
    request: mine.filter((l) => l.msg === 'request').map(strip),
    // Upstream lines of concurrent calls may come in any order: compare them as a sorted list.
    others: mine
      .filter((l) => l.msg !== 'request')
      .map((l) => JSON.stringify(strip(l)))
      .sort(),
  };
}

async function preparedCount(logged: Logged): Promise<number> {
  return (await scrape(logged.gw.url)).value(PREPARED);
}

/** The exposition lines of the counters both paths keep: operations, errors by code, /graphql request counts. */
async function parityLines(logged: Logged): Promise<string[]> {
  const { text } = await scrape(logged.gw.url);
  return text
    .split('\n')
    .filter(
      (line) =>
        line.startsWith('graphql_operations_total') ||
        line.startsWith('graphql_errors_total') ||
        (line.startsWith('http_request_duration_seconds_count') && line.includes('path="/graphql"')),
    )
    .sort();
}

beforeAll(async () => {
  // The simulator's X-Request-Id is random per call and ends up in error extensions: make it a
  // function of the call, so that the two gateways' answers can be compared byte for byte.
  sim = await startSimulator({
    intercept: (call: SimCall, res) => {
      const key = call.query ? `${call.path}?${call.query}` : call.path;
      res.setHeader('X-Request-Id', `sim-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`);
      if (!call.path.endsWith(`/jobs/${UNICODE_JOB.uid}`)) return false;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(renderCceV3(UNICODE_JOB)));
      return true;
    },
  });
  fast = await start({});
  yoga = await start({ fastPath: false });
});

afterAll(async () => {
  await fast?.gw.close();
  await yoga?.gw.close();
  await sim?.close();
});

/* ------------------------------------------------------------------------------------------ */
/* The cases                                                                                   */
/* ------------------------------------------------------------------------------------------ */

interface Case {
  name: string;
  request: RawRequest;
  /**
   * Whether the second send must be answered by the fast path. The first send of a new document is
   * yoga's; with `prime` the document is known already, so an eligible first send is the fast path's too.
   */
  fast: boolean;
  /** Sent once to each gateway before the case: to make the document known when the case itself would not. */
  prime?: RawRequest;
  /** What the answer must be, so a case cannot pass by both gateways failing alike in a way it did not mean. */
  status: number;
  check?: (body: Record<string, unknown> & { data?: unknown; errors?: { extensions?: { code?: string } }[] }, answer: Answer) => void;
}

const codes = (body: { errors?: { extensions?: { code?: string } }[] }) => (body.errors ?? []).map((e) => e.extensions?.code);

const TREE_QUERY = `query Tree($id: ID!) {
  job(id: $id) {
    __typename
    ...J
    ... on CceJob { clusterId ${subJobsSelection(2, '__typename ...J ... on CceJob { resourceName }')} }
  }
  cce: ${cceJob(SIM_IDS.cce.deepTree)} { __typename id ${subJobsSelection(3, '...J')} }
}
${JOB_FRAGMENT}`;

const ACROSS_QUERY =
  'query Across($ids: [ID!]!) { jobs(ids: $ids) { __typename id source jobId state rawStatus terminal ... on CaeJob { environmentId } } }';
const SIMPLE_QUERY = `{ cfw: ${cfwJob(SIM_IDS.cfw.running)} { __typename id state rawStatus } }`;
const TWO_OPERATIONS = `query First { a: ${cfwJob(SIM_IDS.cfw.running)} { state } }
query Second($p: String!) { b: cfwJob(projectId: $p, jobId: "${SIM_IDS.cfw.failed}") { state message } c: ${cceJob(SIM_IDS.cce.running)} { state } }`;

/** The same request with the document made unique to the case (a trailing comment), so its first send is yoga's. */
function unique(raw: RawRequest, label: string): RawRequest {
  const body = raw.body;
  if (!body || typeof body !== 'object' || Buffer.isBuffer(body) || typeof body.query !== 'string') return raw;
  return { ...raw, body: { ...body, query: `${body.query}\n# case: ${label}` } };
}

const CASES: Case[] = [
  {
    name: 'job(id:) and cceJob with nested subJobs, fragments, inline fragments and __typename',
    request: { body: { query: TREE_QUERY, variables: { id: ids.cceTree }, operationName: 'Tree' } },
    fast: true,
    status: 200,
    check: (body) => {
      expect(body.errors).toBeUndefined();
      expect(JSON.stringify(body.data)).toContain('"subJobs":[{');
    },
  },
  {
    name: 'an answer with non-ASCII text (Content-Length in UTF-8 bytes)',
    request: { body: { query: `{ ${cceJob(UNICODE_JOB.uid)} { ...J } }\n${JOB_FRAGMENT}` } },
    fast: true,
    status: 200,
    check: (body, answer) => {
      expect(body.errors).toBeUndefined();
      expect(answer.text).toContain('größe-集群-🚀');
      expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.text));
    },
  },
  {
    name: 'an answer with errors and non-ASCII text (Content-Length in UTF-8 bytes)',
    request: { body: { query: `{ a: ${cceJob(UNICODE_JOB.uid)} { ...J } b: ${cceJob('nö-such-jöb-✗')} { state } }\n${JOB_FRAGMENT}` } },
    fast: true,
    status: 200,
    check: (body, answer) => {
      expect(codes(body)).toEqual(['BAD_USER_INPUT']);
      expect(answer.text).toContain('größe-集群-🚀');
      expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.text));
    },
  },
  {
    name: 'jobs(ids:) across all four upstreams',
    request: { body: { query: ACROSS_QUERY, variables: { ids: [ids.cce, ids.cae, ids.cfw, ids.db] } } },
    fast: true,
    status: 200,
    check: (body) => {
      expect(body.errors).toBeUndefined();
      expect((body.data as { jobs: { source: string }[] }).jobs.map((j) => j.source)).toEqual(['CCE', 'CAE', 'CFW', 'DB']);
    },
  },
  {
    name: 'aliases and variables',
    request: {
      body: {
        query: `query Aliased($p: String!, $cce: String!, $cfw: String!) {
          first: cceJob(projectId: $p, jobId: $cce) { kind: __typename state }
          second: cfwJob(projectId: $p, jobId: $cfw) { kind: __typename status: state raw: rawStatus }
          again: cfwJob(projectId: $p, jobId: $cfw) { state }
        }`,
        variables: { p: P, cce: SIM_IDS.cce.running, cfw: SIM_IDS.cfw.running },
      },
    },
    fast: true,
    status: 200,
    check: (body) => expect(body.errors).toBeUndefined(),
  },
  {
    name: 'partial failure: a NOT_FOUND id between good ones (data and errors together)',
    request: { body: { query: ACROSS_QUERY, variables: { ids: [ids.cce, ids.cfwMissing, ids.db] } } },
    fast: true,
    status: 200,
    check: (body) => {
      expect(codes(body)).toEqual(['NOT_FOUND']);
      expect((body.data as { jobs: unknown[] }).jobs[1]).toBeNull();
    },
  },
  {
    name: 'a malformed global id (BAD_USER_INPUT)',
    request: { body: { query: 'query One($id: ID!) { job(id: $id) { id state } }', variables: { id: 'not base64url!' } } },
    fast: true,
    status: 200,
    check: (body) => {
      expect(body.data).toEqual({ job: null });
      expect(codes(body)).toEqual(['BAD_USER_INPUT']);
    },
  },
  {
    name: 'a missing required variable (refused at execution: 400, no data)',
    request: { body: { query: 'query One($id: ID!) { job(id: $id) { id state } }' } },
    // The same document reached execution before (with its variable) and so is prepared.
    prime: { body: { query: 'query One($id: ID!) { job(id: $id) { id state } }', variables: { id: ids.cfw } } },
    fast: true,
    status: 400,
    check: (body) => {
      expect('data' in body).toBe(false);
      expect(body.errors?.length).toBe(1);
    },
  },
  {
    name: 'a variable of the wrong type',
    request: {
      body: {
        query: `query Typed($p: String!) { cfwJob(projectId: $p, jobId: "${SIM_IDS.cfw.running}") { state } }`,
        variables: { p: 42 },
      },
    },
    prime: {
      body: { query: `query Typed($p: String!) { cfwJob(projectId: $p, jobId: "${SIM_IDS.cfw.running}") { state } }`, variables: { p: P } },
    },
    fast: true,
    status: 400,
    check: (body) => {
      expect('data' in body).toBe(false);
      expect(JSON.stringify(body.errors)).toMatch(/String cannot represent/);
    },
  },
  {
    name: 'the second of two operations, chosen by operationName',
    request: { body: { query: TWO_OPERATIONS, operationName: 'Second', variables: { p: P } } },
    fast: true,
    status: 200,
    check: (body) => expect(Object.keys(body.data as object)).toEqual(['b', 'c']),
  },
  {
    name: 'the first of two operations, chosen by operationName (same document, other key)',
    request: { body: { query: TWO_OPERATIONS, operationName: 'First' } },
    fast: true,
    status: 200,
    check: (body) => expect(Object.keys(body.data as object)).toEqual(['a']),
  },
  {
    name: 'Accept: application/graphql-response+json',
    request: { body: { query: SIMPLE_QUERY }, headers: { accept: 'application/graphql-response+json' } },
    fast: true,
    status: 200,
    check: (_body, answer) => expect(answer.headers['content-type']).toBe('application/graphql-response+json; charset=utf-8'),
  },
  {
    name: 'Accept: application/graphql-response+json, refused at execution (400)',
    request: {
      body: { query: 'query One($id: ID!) { job(id: $id) { id state } }' },
      headers: { accept: 'application/graphql-response+json' },
    },
    prime: { body: { query: 'query One($id: ID!) { job(id: $id) { id state } }', variables: { id: ids.cfw } } },
    fast: true,
    status: 400,
  },
  {
    name: 'Accept: application/json',
    request: { body: { query: SIMPLE_QUERY }, headers: { accept: 'application/json' } },
    fast: true,
    status: 200,
    check: (_body, answer) => expect(answer.headers['content-type']).toBe('application/json; charset=utf-8'),
  },
  {
    name: 'Accept: */*',
    request: { body: { query: SIMPLE_QUERY }, headers: { accept: '*/*' } },
    fast: true,
    status: 200,
  },
  {
    name: 'no Accept header',
    request: { body: { query: SIMPLE_QUERY }, headers: { accept: undefined } },
    fast: true,
    status: 200,
  },
  {
    name: 'Content-Type with charset, explicit nulls for operationName, variables and extensions',
    request: {
      body: { query: SIMPLE_QUERY, operationName: null, variables: null, extensions: null },
      headers: { 'content-type': 'application/json; charset=utf-8' },
    },
    fast: true,
    status: 200,
  },
  {
    name: 'no token and no AK/SK on the gateway (UNAUTHENTICATED, no upstream call)',
    request: { body: { query: ACROSS_QUERY, variables: { ids: [ids.cce, ids.cfw] } }, headers: { 'x-auth-token': undefined } },
    fast: true,
    status: 200,
    check: (body) => {
      expect(body.data).toEqual({ jobs: [null, null] });
      expect(codes(body)).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED']);
    },
  },
  {
    name: 'an empty Accept header',
    request: { body: { query: SIMPLE_QUERY }, headers: { accept: '' } },
    fast: true,
    status: 200,
  },
  {
    name: 'Content-Type: application/json;charset=UTF-8',
    request: { body: { query: SIMPLE_QUERY }, headers: { 'content-type': 'application/json;charset=UTF-8' } },
    fast: true,
    status: 200,
  },

  // Operation names that name no operation. Yoga refuses them before execution (400,
  // OPERATION_RESOLUTION_FAILURE) and never prepares them, so the fast path must not answer them
  // either, even when the same text is prepared under another (or no) operation name.
  {
    name: 'operationName "" on an anonymous document that is prepared (under the operation name null)',
    request: { body: { query: SIMPLE_QUERY, operationName: '' } },
    prime: { body: { query: SIMPLE_QUERY } },
    fast: false,
    status: 400,
    check: (body) => expect(codes(body)).toEqual(['OPERATION_RESOLUTION_FAILURE']),
  },
  {
    // Prepared: operationName "Q" with the text "query P {..}\nquery Q {..}". Asked: operationName
    // "Q\nquery P {..}" with the text "query Q {..}": the same characters once joined by a newline.
    name: 'an operationName with a newline that, joined to the text, spells a prepared (name, text) pair',
    request: { body: { query: 'query Q { __typename }', operationName: 'Q\nquery P { __typename }' } },
    prime: { body: { query: 'query P { __typename }\nquery Q { __typename }', operationName: 'Q' } },
    fast: false,
    status: 400,
    check: (body) => expect(codes(body)).toEqual(['OPERATION_RESOLUTION_FAILURE']),
  },
  {
    name: 'an operationName the prepared document does not have',
    request: { body: { query: SIMPLE_QUERY, operationName: 'Nope' } },
    prime: { body: { query: SIMPLE_QUERY } },
    fast: false,
    status: 400,
    check: (body) => expect(codes(body)).toEqual(['OPERATION_RESOLUTION_FAILURE']),
  },

  // Requests the fast path must leave to yoga, though the document is known.
  {
    name: "an Origin header (CORS is yoga's)",
    request: { body: { query: SIMPLE_QUERY }, headers: { origin: 'https://example.com' } },
    fast: false,
    status: 200,
  },
  {
    name: 'Accept: text/event-stream',
    request: { body: { query: SIMPLE_QUERY }, headers: { accept: 'text/event-stream' } },
    fast: false,
    status: 200,
    check: (_body, answer) => expect(answer.headers['content-type']).toMatch(/^text\/event-stream/),
  },
  {
    name: 'Accept: multipart/mixed',
    request: { body: { query: SIMPLE_QUERY }, headers: { accept: 'multipart/mixed' } },
    fast: false,
    status: 200,
    check: (_body, answer) => expect(answer.headers['content-type']).toMatch(/^multipart\/mixed/),
  },
  {
    name: 'Accept: application/graphql-response+json, application/json (a list, as many clients send)',
    request: { body: { query: SIMPLE_QUERY }, headers: { accept: 'application/graphql-response+json, application/json' } },
    fast: true,
    status: 200,
    check: (_body, answer) => expect(answer.headers['content-type']).toBe('application/graphql-response+json; charset=utf-8'),
  },
  {
    name: 'Accept: text/event-stream;q=0.9, application/json (the JSON processor wins when it matches at all)',
    request: { body: { query: SIMPLE_QUERY }, headers: { accept: 'text/event-stream;q=0.9, application/json' } },
    fast: true,
    status: 200,
    check: (_body, answer) => expect(answer.headers['content-type']).toBe('application/json; charset=utf-8'),
  },
  {
    name: 'Accept: application/json; charset=latin1 (a charset yoga does not serve)',
    request: { body: { query: SIMPLE_QUERY }, headers: { accept: 'application/json; charset=latin1' } },
    fast: false,
    status: 406,
  },
  {
    name: 'an unknown body key',
    request: { body: { query: SIMPLE_QUERY, foo: 1 } },
    prime: { body: { query: SIMPLE_QUERY } },
    fast: false,
    status: 400,
  },
  {
    name: 'non-null extensions',
    request: { body: { query: SIMPLE_QUERY, extensions: { trace: true } } },
    prime: { body: { query: SIMPLE_QUERY } },
    fast: false,
    status: 200,
  },
  {
    name: 'invalid JSON',
    request: { body: `{"query": ${JSON.stringify(SIMPLE_QUERY)},` },
    prime: { body: { query: SIMPLE_QUERY } },
    fast: false,
    status: 400,
  },
  {
    name: 'a chunked body (no Content-Length)',
    request: { body: () => Readable.from([Buffer.from(JSON.stringify({ query: SIMPLE_QUERY }))]) },
    prime: { body: { query: SIMPLE_QUERY } },
    fast: false,
    status: 200,
  },
  {
    // Yoga does not inflate request bodies: both gateways refuse it alike (400, invalid JSON).
    name: 'a gzip-encoded body',
    request: { body: gzipSync(JSON.stringify({ query: SIMPLE_QUERY })), headers: { 'content-encoding': 'gzip' } },
    prime: { body: { query: SIMPLE_QUERY } },
    fast: false,
    status: 400,
  },
  {
    name: 'GET /graphql?query=',
    request: { method: 'GET', path: `/graphql?query=${encodeURIComponent(SIMPLE_QUERY)}` },
    prime: { body: { query: SIMPLE_QUERY } },
    fast: false,
    status: 200,
  },
  {
    name: 'a batch (JSON array) of a prepared query',
    request: { body: JSON.stringify([{ query: `${SIMPLE_QUERY}\n# case: batch` }]) },
    prime: { body: { query: `${SIMPLE_QUERY}\n# case: batch` } },
    fast: false,
    status: 400,
  },
  {
    name: 'a query string on the POST URL',
    request: { path: '/graphql?x=1', body: { query: SIMPLE_QUERY } },
    prime: { body: { query: SIMPLE_QUERY } },
    fast: false,
    status: 200,
  },
  {
    name: 'two operations and no operationName (never prepared)',
    request: { body: { query: TWO_OPERATIONS, variables: { p: P } } },
    fast: false,
    status: 400,
  },
];

/** What each case answered, for the log comparison further down. */
const ran: { name: string; requestIds: string[] }[] = [];

describe('each case: the fast path answers exactly as yoga', () => {
  it.each(CASES.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, index) => {
    const raw = unique(c.request, c.name);
    if (c.prime) {
      const prime = unique(c.prime, c.name);
      expectSameAnswer(await send(fast.gw, prime, `prime-${index}`), await send(yoga.gw, prime, `prime-${index}`), 'prime');
    }
    const requestIds = [`case-${index}-1`, `case-${index}-2`];
    ran.push({ name: c.name, requestIds });

    // Every send first, then the assertions: a failed case still leaves both gateways with the same history.
    const before = await preparedCount(fast);
    const fast1 = await send(fast.gw, raw, requestIds[0]);
    const yoga1 = await send(yoga.gw, raw, requestIds[0]);
    const afterFirst = await preparedCount(fast);
    const fast2 = await send(fast.gw, raw, requestIds[1]);
    const yoga2 = await send(yoga.gw, raw, requestIds[1]);
    const afterSecond = await preparedCount(fast);

    expectSameAnswer(fast1, yoga1, 'first send');
    expectSameAnswer(fast2, yoga2, 'second send');
    // A document is new on the first send (yoga's), unless primed; the second is the fast path's when eligible.
    expect(afterFirst - before, 'first send answered by the fast path').toBe(c.prime && c.fast ? 1 : 0);
    expect(afterSecond - afterFirst, 'second send answered by the fast path').toBe(c.fast ? 1 : 0);

    // The case is what it says it is.
    expect(yoga2.status, yoga2.text).toBe(c.status);
    expect(fast2.headers['x-request-id']).toBe(requestIds[1]);
    if (c.check) {
      const body = /json/.test(String(yoga2.headers['content-type'])) ? (JSON.parse(yoga2.text) as Record<string, unknown>) : {};
      c.check(body, yoga2);
    }
  });
});

describe('request ids', () => {
  it('a request without X-Request-Id gets a fresh UUID back on the fast path; an unusable one is replaced', async () => {
    const raw = unique({ body: { query: SIMPLE_QUERY } }, 'request ids');
    await send(fast.gw, raw);
    const before = await preparedCount(fast);
    const none = await send(fast.gw, raw);
    const other = await send(fast.gw, raw);
    const unusable = await send(fast.gw, raw, 'has spaces and / slashes');
    expect(await preparedCount(fast)).toBe(before + 3);
    expect(none.status).toBe(200);
    expect(none.headers['x-request-id']).toMatch(UUID);
    expect(other.headers['x-request-id']).toMatch(UUID);
    expect(other.headers['x-request-id']).not.toBe(none.headers['x-request-id']);
    expect(unusable.headers['x-request-id']).toMatch(UUID);
    // Yoga does the same with the same request.
    expect((await send(yoga.gw, raw, 'has spaces and / slashes')).headers['x-request-id']).toMatch(UUID);
  });
});

describe('refused documents', () => {
  const HOSTILE: Array<[string, string]> = [
    ['over the depth limit', `{ cce: ${cceJob(SIM_IDS.cce.deepTree)} { ${nest(20)} } }`],
    [
      'over the alias limit',
      `{ ${cfwJob(SIM_IDS.cfw.running)} { state } ${Array.from({ length: 40 }, (_, i) => `t${i}: __typename`).join(' ')} }`,
    ],
  ];

  it.each(HOSTILE)('a query %s is refused by yoga every time, never fast-pathed', async (_name, query) => {
    const raw: RawRequest = { body: { query } };
    const before = await preparedCount(fast);
    sim.resetCalls();
    for (const attempt of [1, 2]) {
      const requestId = `hostile-${randomUUID()}`;
      const fromFast = await send(fast.gw, raw, requestId);
      const fromYoga = await send(yoga.gw, raw, requestId);
      expect(fromFast.status, `attempt ${attempt}: ${fromFast.text}`).toBe(400);
      expectSameAnswer(fromFast, fromYoga, `attempt ${attempt}`);
    }
    expect(await preparedCount(fast)).toBe(before);
    expect(sim.calls).toHaveLength(0);
  });
});

describe('metrics and logs', () => {
  it('the fast path was used: graphql_prepared_operations_total counts its answers on fast, and stays 0 on yoga', async () => {
    // Each fast case's second send (and its first too when primed), and three sends of the request-id test.
    const expected = CASES.reduce((n, c) => n + (c.fast ? (c.prime ? 2 : 1) : 0), 0) + 3;
    expect(await preparedCount(fast)).toBe(expected);
    expect(await preparedCount(yoga)).toBe(0);
  });

  it('operations, errors by code and /graphql request counts are the same on both gateways', async () => {
    // Bring the request-id test's sends level (four on fast, one on yoga) before comparing.
    const raw = unique({ body: { query: SIMPLE_QUERY } }, 'request ids');
    for (let i = 0; i < 3; i++) await send(yoga.gw, raw);
    const [fromFast, fromYoga] = [await parityLines(fast), await parityLines(yoga)];
    expect(fromFast.some((l) => l.startsWith('graphql_operations_total{type="query"}'))).toBe(true);
    expect(fromFast.some((l) => l.startsWith('graphql_errors_total{code="NOT_FOUND"}'))).toBe(true);
    expect(fromFast).toEqual(fromYoga);
  });

  it('each request is logged alike: the request line (all but durationMs) and its upstream lines', () => {
    // Every mismatch at once (not just the first), so a divergence shows its full extent.
    const mismatches: unknown[] = [];
    for (const { name, requestIds } of ran) {
      for (const requestId of requestIds) {
        const fromFast = linesFor(fast, requestId);
        const fromYoga = linesFor(yoga, requestId);
        expect(fromYoga.request, `${name} (${requestId}): yoga's request line`).toHaveLength(1);
        if (JSON.stringify(fromFast) !== JSON.stringify(fromYoga)) mismatches.push({ name, requestId, fast: fromFast, yoga: fromYoga });
      }
    }
    expect(mismatches).toEqual([]);
  });
});

describe('a client that leaves mid-body', () => {
  it('is dropped quietly: no error logged, no answer attempted, and the next request is served', async () => {
    const body = JSON.stringify({ query: SIMPLE_QUERY });
    const { port } = new URL(fast.gw.url);
    const errorsBefore = fast.lines.filter((l) => (JSON.parse(l) as { level: number }).level >= 50).length;
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    // Headers that qualify for the fast path, then half the declared body, then gone.
    socket.write(
      `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, body.length >> 1)}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const errorsAfter = fast.lines.filter((l) => (JSON.parse(l) as { level: number }).level >= 50).length;
    expect(errorsAfter).toBe(errorsBefore);
    const res = await request(`${fast.gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-auth-token': 't' },
      body,
    });
    expect(res.statusCode).toBe(200);
    expect(((await res.body.json()) as { data?: unknown }).data).toBeTruthy();
  });
});
