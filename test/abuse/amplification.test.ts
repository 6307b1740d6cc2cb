/**
 * Issue 10, item 5: 25 aliases of `jobs(ids:)` with 100 ids and a fragment of every field, an 11 KB
 * request, built a 5.66 MB answer (and six at once starved everyone else). The cost limit now
 * counts list sizes, from literals and from the variables of each request, on yoga's path and on
 * the fast path alike; an answer past MAX_RESPONSE_BYTES is refused with RESPONSE_TOO_LARGE.
 */
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SIM_IDS, SIM_PROJECT_ID } from '../../src/simulator/server.js';
import { JOB_FRAGMENT, uniqueToken } from '../gateway/helpers.js';
import { startSimulatedGateway, type GraphQLResponse, type TestGateway } from '../support/gateway.js';
import type { Simulator } from '../../src/simulator/server.js';

type SimGateway = TestGateway & { sim: Simulator };

const P = SIM_PROJECT_ID;
const aliased = (count: number) =>
  `query Amplify($ids: [ID!]!) { ${Array.from({ length: count }, (_, i) => `a${i}: jobs(ids: $ids) { ...J subJobs { ...J } }`).join(' ')} }\n${JOB_FRAGMENT}`;

async function idsOf(g: SimGateway, token: string): Promise<string[]> {
  const res = await g.query<Record<string, { id: string }>>(
    `{ a: cceJob(projectId: "${P}", jobId: "${SIM_IDS.cce.docV3}") { id } b: cfwJob(projectId: "${P}", jobId: "${SIM_IDS.cfw.success}") { id } }`,
    { token },
  );
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return [res.data!.a!.id, res.data!.b!.id];
}

const hundred = (ids: string[]) => Array.from({ length: 100 }, (_, i) => ids[i % ids.length]!);

async function prepared(g: SimGateway): Promise<number> {
  return (await g.gateway.metrics.preparedOperations.get()).values[0]?.value ?? 0;
}

function expectCostRefusal(res: GraphQLResponse, sim: Simulator): void {
  expect(res.status, JSON.stringify(res).slice(0, 300)).toBe(400);
  expect(res.data ?? undefined).toBeUndefined();
  expect(res.errors?.[0]?.extensions?.code).toBe('COST_LIMIT_EXCEEDED');
  expect(res.errors?.[0]?.message).toMatch(/Query cost limit of 20000 exceeded, found \d+/);
  expect(sim.calls).toHaveLength(0);
}

describe('cost counts list sizes (defaults)', () => {
  let g: SimGateway;
  let ids: string[];
  beforeAll(async () => {
    g = await startSimulatedGateway();
    ids = await idsOf(g, uniqueToken());
  });
  afterAll(async () => {
    await g.close();
  });
  beforeEach(() => g.sim.resetCalls());

  it('25 aliases × jobs(ids:) with 100 ids from variables × a full fragment is refused before any upstream call', async () => {
    const res = await g.query(aliased(25), { variables: { ids: hundred(ids) }, token: uniqueToken() });
    expectCostRefusal(res, g.sim);
  });

  it('a document accepted with one id is refused on the fast path when it comes back with 100', async () => {
    const doc = aliased(25);
    const token = uniqueToken();
    const small = await g.query(doc, { variables: { ids: [ids[1]] }, token });
    expect(small.status).toBe(200);
    expect(small.errors, JSON.stringify(small.errors)).toBeUndefined();
    g.sim.resetCalls();
    const before = await prepared(g);
    const big = await g.query(doc, { variables: { ids: hundred(ids) }, token });
    // The fast path answered it (the document was prepared by the first request)...
    expect(await prepared(g)).toBe(before + 1);
    // ...and refused it exactly as yoga's path does.
    expectCostRefusal(big, g.sim);
  });

  it('over WebSocket too', async () => {
    const client = createClient({
      url: `${g.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: true,
      connectionParams: { 'X-Auth-Token': uniqueToken() },
    });
    try {
      const results: { errors?: readonly { extensions?: Record<string, unknown> }[]; data?: unknown }[] = [];
      await new Promise<void>((resolve, reject) => {
        client.subscribe(
          { query: aliased(25), variables: { ids: hundred(ids) } },
          { next: (r) => void results.push(r), error: reject, complete: resolve },
        );
      });
      expect(results).toHaveLength(1);
      expect(results[0]?.data ?? undefined).toBeUndefined();
      expect(results[0]?.errors?.[0]?.extensions?.code).toBe('COST_LIMIT_EXCEEDED');
      expect(g.sim.calls).toHaveLength(0);
    } finally {
      await client.dispose();
    }
  });

  it('the same ids as a literal list count alike', async () => {
    const list = JSON.stringify(hundred(ids).slice(0, 60));
    const fields = Array.from({ length: 12 }, (_, i) => `a${i}: jobs(ids: ${list}) { ...J }`).join(' ');
    expectCostRefusal(await g.query(`{ ${fields} }\n${JOB_FRAGMENT}`, { token: uniqueToken() }), g.sim);
  });

  it('cceJobs and subJobs are counted at their estimates', async () => {
    // 20 aliases of cceJobs (50 entries each) with a full fragment and its sub-job tree (20 jobs).
    const fields = Array.from({ length: 20 }, (_, i) => `l${i}: cceJobs(projectId: "${P}") { ...J subJobs { ...J } }`).join(' ');
    expectCostRefusal(await g.query(`{ ${fields} }\n${JOB_FRAGMENT}`, { token: uniqueToken() }), g.sim);
  });

  it('what a dashboard asks is well within the limit: 100 ids with a few fields, and sub-jobs 12 levels deep', async () => {
    const res = await g.query<{ jobs: unknown[] }>(
      'query D($ids: [ID!]!) { jobs(ids: $ids) { __typename id state progress message subJobs { state } } }',
      {
        variables: { ids: hundred(ids) },
        token: uniqueToken(),
      },
    );
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    expect(res.data?.jobs).toHaveLength(100);
    const nest = `${'subJobs { '.repeat(12)}jobId${' }'.repeat(12)}`;
    const deep = await g.query(`{ cceJob(projectId: "${P}", jobId: "${SIM_IDS.cce.deepTree}") { jobId ${nest} } }`, {
      token: uniqueToken(),
    });
    expect(deep.errors, JSON.stringify(deep.errors)).toBeUndefined();
  });
});

describe('the answer is bounded (MAX_RESPONSE_BYTES)', () => {
  let g: SimGateway;
  let ids: string[];
  beforeAll(async () => {
    g = await startSimulatedGateway({ MAX_RESPONSE_BYTES: '8192' });
    ids = await idsOf(g, uniqueToken());
  });
  afterAll(async () => {
    await g.close();
  });

  const query = `query Big($ids: [ID!]!) { jobs(ids: $ids) { ...J subJobs { ...J } } }\n${JOB_FRAGMENT}`;

  it('an answer over the bound is refused with RESPONSE_TOO_LARGE, on yoga’s path and on the fast path', async () => {
    const token = uniqueToken();
    const before = await prepared(g);
    // Small first: the document is prepared, so the large one below takes the fast path.
    const small = await g.query<{ jobs: unknown[] }>(query, { variables: { ids: [ids[1]] }, token });
    expect(small.errors, JSON.stringify(small.errors)).toBeUndefined();
    expect(small.data?.jobs).toHaveLength(1);
    for (const path of ['fast', 'fast again'] as const) {
      const big = await g.query(query, { variables: { ids: hundred(ids).slice(0, 15) }, token });
      expect(big.status, path).toBe(200);
      expect(big.data, path).toBeNull();
      expect(big.errors, path).toHaveLength(1);
      expect(big.errors?.[0]?.extensions?.code, path).toBe('RESPONSE_TOO_LARGE');
      expect(big.errors?.[0]?.message).toMatch(/larger than 8192 bytes/);
    }
    expect(await prepared(g)).toBe(before + 2);
  });

  it('on yoga’s path too (a new document)', async () => {
    const doc = `query BigToo($ids: [ID!]!) { jobs(ids: $ids) { ...J } }\n${JOB_FRAGMENT}`;
    const before = await prepared(g);
    const big = await g.query(doc, { variables: { ids: hundred(ids).slice(0, 60) }, token: uniqueToken() });
    expect(await prepared(g)).toBe(before);
    expect(big.data).toBeNull();
    expect(big.errors?.[0]?.extensions?.code).toBe('RESPONSE_TOO_LARGE');
  });
});
