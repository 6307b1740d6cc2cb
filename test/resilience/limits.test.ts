import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulatedGateway, type GraphQLResponse, type TestGateway } from '../support/gateway.js';
import type { Simulator } from '../../src/simulator/server.js';
import { P, SIM_IDS, cfwField, timed } from './helpers.js';

type SimGateway = TestGateway & { sim: Simulator };

const CCE = `cceJob(projectId: "${P}", jobId: "${SIM_IDS.cce.deepTree}")`;
const CFW = cfwField('cfw');
const nest = (levels: number, inner = 'state') => 'subJobs { '.repeat(levels) + inner + ' }'.repeat(levels);

/** The rejection: HTTP 400, errors with a message matching `message`, no data, and no upstream call. */
function expectRejected(res: GraphQLResponse, message: RegExp, sim: Simulator): void {
  expect(res.status, JSON.stringify(res.errors)).toBe(400);
  expect(res.data ?? undefined).toBeUndefined();
  expect(res.errors?.length).toBeGreaterThan(0);
  expect(res.errors?.map((e) => e.message).join('\n')).toMatch(message);
  expect(sim.calls).toHaveLength(0);
}

describe('query limits (defaults)', () => {
  let g: SimGateway;
  beforeAll(async () => {
    g = await startSimulatedGateway();
  });
  afterAll(async () => {
    await g.close();
  });
  beforeEach(() => g.sim.resetCalls());

  it('subJobs nested 12 deep passes and resolves', async () => {
    const res = await g.query(`{ cce: ${CCE} { jobId ${nest(12, 'jobId')} } }`);
    expect(res.status).toBe(200);
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    expect(g.sim.calls.length).toBeGreaterThan(0);
  });

  it('subJobs nested 20 deep is rejected by the depth limit', async () => {
    expectRejected(await g.query(`{ cce: ${CCE} { ${nest(20)} } ${CFW} }`), /depth limit of 16 exceeded/i, g.sim);
  });

  it('1,000 aliases are rejected (by the token limit, which they also exceed)', async () => {
    const aliases = Array.from({ length: 1000 }, (_, i) => `a${i}: cfwJob(projectId: "${P}", jobId: "${SIM_IDS.cfw.success}") { id }`);
    expectRejected(await g.query(`{ ${aliases.join(' ')} }`), /token limit of 2000 exceeded|aliases limit/i, g.sim);
  });

  it('40 aliases of __typename are rejected by the alias limit (not the token limit)', async () => {
    const aliases = Array.from({ length: 40 }, (_, i) => `t${i}: __typename`).join(' ');
    const res = await g.query(`{ ${CFW} ${aliases} }`);
    expectRejected(res, /aliases limit of 30 exceeded, found 4\d/i, g.sim);
    expect(res.errors?.map((e) => e.message).join('\n')).not.toMatch(/token/i);
  });

  it('a document over 2000 tokens is rejected', async () => {
    const fields = Array.from({ length: 2100 }, () => 'jobId').join(' ');
    expectRejected(
      await g.query(`{ cfw: cfwJob(projectId: "${P}", jobId: "${SIM_IDS.cfw.success}") { ${fields} } }`),
      /token limit of 2000 exceeded/i,
      g.sim,
    );
  });

  it('25 directives are rejected', async () => {
    const fields = Array.from({ length: 25 }, () => 'jobId @include(if: true)').join(' ');
    expectRejected(
      await g.query(`{ cfw: cfwJob(projectId: "${P}", jobId: "${SIM_IDS.cfw.success}") { ${fields} } }`),
      /directives limit of 20 exceeded/i,
      g.sim,
    );
  });

  it('circular fragments are rejected promptly, not looped on', async () => {
    const doc = `query { cfw: cfwJob(projectId: "${P}", jobId: "${SIM_IDS.cfw.success}") { ...A } }
      fragment A on CfwJob { jobId ...B }
      fragment B on CfwJob { state ...A }`;
    const { value: res, ms } = await timed(() => g.query(doc));
    expectRejected(res, /Cannot spread fragment "[AB]" within itself/, g.sim);
    expect(ms).toBeLessThan(5_000);
  });

  it('a fragment used at a shallow and then a deep position is measured at the deep one', async () => {
    // In document order the shallow use comes first: a depth cached per fragment would wave the deep one through.
    const doc = `{
      shallow: ${CCE} { ...Deep }
      deep: ${CCE} { ${nest(10, '...Deep')} }
    }
    fragment Deep on Job { ${nest(6)} }`;
    expectRejected(await g.query(doc), /depth limit of 16 exceeded/i, g.sim);
    // Control: the same fragment at the shallow position alone is fine.
    g.sim.resetCalls();
    const ok = await g.query(`{ shallow: ${CCE} { ...Deep } } fragment Deep on Job { ${nest(6)} }`);
    expect(ok.status).toBe(200);
    expect(ok.errors, JSON.stringify(ok.errors)).toBeUndefined();
  });

  it('hides field suggestions', async () => {
    const res = await g.query(`{ cfwJb(projectId: "${P}", jobId: "x") { id } ${CFW} }`);
    expectRejected(res, /Cannot query field "cfwJb"/, g.sim);
    const text = JSON.stringify(res.errors);
    expect(text).not.toMatch(/Did you mean/i);
    expect(text).not.toMatch(/cfwJob/);
  });

  it('jobs(ids:) with 101 ids is a BAD_USER_INPUT, and no upstream call; 100 are accepted', async () => {
    const one = await g.query<{ cfw: { id: string } }>(`{ cfw: cfwJob(projectId: "${P}", jobId: "${SIM_IDS.cfw.success}") { id } }`, {
      token: 'ids-tenant',
    });
    const id = one.data?.cfw.id;
    expect(typeof id).toBe('string');
    g.sim.resetCalls();
    const q = 'query Many($ids: [ID!]!) { jobs(ids: $ids) { id } }';
    const tooMany = await g.query(q, { variables: { ids: Array.from({ length: 101 }, () => id) }, token: 'other-tenant' });
    expect(tooMany.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(tooMany.errors?.[0]?.message).toMatch(/at most 100 ids/);
    expect(tooMany.data ?? null).toBeNull();
    expect(g.sim.calls).toHaveLength(0);
    const enough = await g.query<{ jobs: { id: string }[] }>(q, {
      variables: { ids: Array.from({ length: 100 }, () => id) },
      token: 'other-tenant',
    });
    expect(enough.errors, JSON.stringify(enough.errors)).toBeUndefined();
    expect(enough.data?.jobs).toHaveLength(100);
    // Repeated ids cost one upstream call.
    expect(g.sim.calls).toHaveLength(1);
  });

  it('rejects batching (a JSON array body) with 400', async () => {
    const res = await request(`${g.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-auth-token': 't' },
      body: JSON.stringify([{ query: `{ ${CFW} }` }, { query: `{ ${CFW} }` }]),
    });
    expect(res.statusCode).toBe(400);
    const body = (await res.body.json()) as { errors?: { message: string }[] };
    expect(body.errors?.[0]?.message).toMatch(/batching/i);
    expect(g.sim.calls).toHaveLength(0);
  });

  describe('request body size (256 KiB)', () => {
    const body = (bytes: number) => {
      const head = `{"query":"{ ${CFW.replaceAll('"', '\\"')} }","variables":{"pad":"`;
      return `${head + 'x'.repeat(bytes - head.length - 3)}"}}`;
    };
    const post = (payload: string | Readable) =>
      request(`${g.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-auth-token': 't' },
        body: payload,
      });

    it('a declared body over the limit gets 413 with a JSON error, and no upstream call', async () => {
      const res = await post(body(300 * 1024));
      expect(res.statusCode).toBe(413);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      const json = (await res.body.json()) as { errors?: { message: string; extensions?: { code?: string } }[] };
      expect(json.errors?.[0]?.message).toMatch(/larger than 262144 bytes/);
      expect(json.errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
      expect(g.sim.calls).toHaveLength(0);
    });

    it('a chunked body (no Content-Length) over the limit gets 413 too', async () => {
      const text = body(300 * 1024);
      const chunks = Array.from({ length: Math.ceil(text.length / 16_384) }, (_, i) => text.slice(i * 16_384, (i + 1) * 16_384));
      const res = await post(Readable.from(chunks));
      expect(res.statusCode).toBe(413);
      const json = (await res.body.json()) as { errors?: { extensions?: { code?: string } }[] };
      expect(json.errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
      expect(g.sim.calls).toHaveLength(0);
    });

    it('a body under the limit is served (control)', async () => {
      const res = await post(body(200 * 1024));
      expect(res.statusCode).toBe(200);
      const json = (await res.body.json()) as { data?: unknown; errors?: unknown };
      expect(json.errors).toBeUndefined();
      expect(g.sim.calls).toHaveLength(1);
    });
  });
});

describe('limits are configurable', () => {
  it('MAX_TOKENS raised: 1,000 aliases are then caught by the alias limit', async () => {
    const g = await startSimulatedGateway({ MAX_TOKENS: '100000' });
    try {
      const aliases = Array.from({ length: 1000 }, (_, i) => `a${i}: cfwJob(projectId: "${P}", jobId: "${SIM_IDS.cfw.success}") { id }`);
      expectRejected(await g.query(`{ ${aliases.join(' ')} }`), /aliases limit of 30 exceeded, found 1000/i, g.sim);
    } finally {
      await g.close();
    }
  });

  it('MAX_DEPTH=30 lets 20 levels through; MAX_DEPTH=8 refuses 12', async () => {
    // Nesting subJobs adds to the cost rather than multiplying it (query-cost.ts): 20 levels are cheap.
    const deep = await startSimulatedGateway({ MAX_DEPTH: '30' });
    try {
      const res = await deep.query(`{ cce: ${CCE} { ${nest(20)} } }`);
      expect(res.status, JSON.stringify(res.errors)).toBe(200);
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    } finally {
      await deep.close();
    }
    const shallow = await startSimulatedGateway({ MAX_DEPTH: '8' });
    try {
      expectRejected(await shallow.query(`{ cce: ${CCE} { ${nest(12)} } }`), /depth limit of 8 exceeded/i, shallow.sim);
    } finally {
      await shallow.close();
    }
  });

  it('MAX_ALIASES, MAX_DIRECTIVES and MAX_BODY_BYTES apply as set', async () => {
    const g = await startSimulatedGateway({ MAX_ALIASES: '2', MAX_DIRECTIVES: '1', MAX_BODY_BYTES: '2048' });
    try {
      expectRejected(await g.query('{ a: __typename b: __typename c: __typename }'), /aliases limit of 2 exceeded/i, g.sim);
      expectRejected(
        await g.query('{ __typename @include(if: true) __typename @skip(if: false) }'),
        /directives limit of 1 exceeded/i,
        g.sim,
      );
      const big = await g.query(`{ __typename } # ${'x'.repeat(4096)}`);
      expect(big.status).toBe(413);
      expect(g.sim.calls).toHaveLength(0);
    } finally {
      await g.close();
    }
  });
});

describe('GraphiQL and introspection switches', () => {
  const getHtml = (url: string) => request(`${url}/graphql`, { method: 'GET', headers: { accept: 'text/html' } });

  it('GraphiQL is served by default, and GRAPHIQL=false turns it off', async () => {
    const on = await startSimulatedGateway();
    try {
      const res = await getHtml(on.url);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(await res.body.text()).toMatch(/graphiql/i);
    } finally {
      await on.close();
    }
    const off = await startSimulatedGateway({ GRAPHIQL: 'false' });
    try {
      const res = await getHtml(off.url);
      expect(String(res.headers['content-type'])).not.toMatch(/text\/html/);
      expect(await res.body.text()).not.toMatch(/graphiql|<html/i);
    } finally {
      await off.close();
    }
  });

  const INTROSPECT = '{ __schema { types { name } } }';

  it('INTROSPECTION=false rejects __schema and __type with 400', async () => {
    const g = await startSimulatedGateway({ INTROSPECTION: 'false' });
    try {
      expectRejected(await g.query(INTROSPECT), /introspection/i, g.sim);
      expectRejected(await g.query('{ __type(name: "CceJob") { name } }'), /introspection/i, g.sim);
      // Ordinary queries still work.
      const ok = await g.query(`{ ${CFW} }`);
      expect(ok.errors).toBeUndefined();
    } finally {
      await g.close();
    }
  });

  it.each([['true'], ['default']])('INTROSPECTION=%s allows it', async (value) => {
    const g = await startSimulatedGateway(value === 'default' ? {} : { INTROSPECTION: value });
    try {
      const res = await g.query<{ __schema: { types: { name: string }[] } }>(INTROSPECT);
      expect(res.status).toBe(200);
      expect(res.errors).toBeUndefined();
      expect(res.data?.__schema.types.map((t) => t.name)).toContain('CceJob');
    } finally {
      await g.close();
    }
  });
});
