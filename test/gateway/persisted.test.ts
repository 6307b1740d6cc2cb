/**
 * Persisted documents over real sockets, against the simulator: automatic persisted queries (the
 * Apollo protocol, POST and GET), trusted documents from a manifest (by `documentId`, by
 * `extensions.persistedQuery.sha256Hash`, by a Relay-style `extensions.persistedQuery.id`), the
 * TRUSTED_DOCUMENTS_ONLY lock, and manifests that must stop start-up.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from 'graphql-ws';
import { request } from 'undici';
import WebSocket from 'ws';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createGateway } from '../../src/server/gateway.js';
import { ManifestError, sha256Hex } from '../../src/server/persisted-documents.js';
import { SIM_IDS, SIM_PROJECT_ID, startSimulator, type Simulator } from '../../src/simulator/server.js';
import { scrape } from '../observability/prom.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { uniqueToken } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const P = SIM_PROJECT_ID;
const PREPARED = 'graphql_prepared_operations_total';

const CFW_STATE = 'query CfwState($p: String!, $j: String!) { cfwJob(projectId: $p, jobId: $j) { id state rawStatus } }';
const DB_STATE = 'query DbState($p: String!, $j: String!) { dbJob(projectId: $p, jobId: $j) { id state progress } }';
const TWO_OPERATIONS = `query First { a: cfwJob(projectId: "${P}", jobId: "${SIM_IDS.cfw.running}") { state } }
query Second { b: dbJob(projectId: "${P}", jobId: "${SIM_IDS.db.running}") { state } }`;
const RELAY_ID = 'relay:CfwState:1';
const CFW_VARS = { p: P, j: SIM_IDS.cfw.running };
const DB_VARS = { p: P, j: SIM_IDS.db.running };

const dir = mkdtempSync(join(tmpdir(), 'persisted-'));
function manifestFile(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(content, null, 2));
  return path;
}
/** The client preset's form: `{ "<id>": "<document>" }`, ids the SHA-256 of the text, plus one Relay-style id. */
const MANIFEST = manifestFile('manifest.json', {
  [sha256Hex(CFW_STATE)]: CFW_STATE,
  [sha256Hex(DB_STATE)]: DB_STATE,
  [sha256Hex(TWO_OPERATIONS)]: TWO_OPERATIONS,
  [RELAY_ID]: CFW_STATE,
});

interface Answer {
  status: number;
  body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
  text: string;
}

async function post(gw: TestGateway, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await request(`${gw.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-auth-token': TOKEN, ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: JSON.parse(text) as Answer['body'], text };
}

async function get(gw: TestGateway, params: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Answer> {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) query.set(key, typeof value === 'string' ? value : JSON.stringify(value));
  const res = await request(`${gw.url}/graphql?${query}`, {
    method: 'GET',
    // Both headers a CSRF check may ask of a GET; neither changes what the gateway answers.
    headers: {
      accept: 'application/json',
      'x-auth-token': TOKEN,
      'x-graphql-yoga-csrf': '1',
      'apollo-require-preflight': 'true',
      ...headers,
    },
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: JSON.parse(text) as Answer['body'], text };
}

const codes = (answer: Answer) => (answer.body.errors ?? []).map((e) => e.extensions?.code);
const apq = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });
const prepared = async (gw: TestGateway) => (await scrape(gw.url)).value(PREPARED);

let TOKEN = uniqueToken('persisted');
let sim: Simulator;
const gateways: TestGateway[] = [];
async function gateway(env: Record<string, string> = {}, fastPath = true): Promise<TestGateway> {
  const gw = await startGateway({ CCE: sim.url, CAE: sim.url, CFW: sim.url, DB: sim.url }, env, { fastPath });
  gateways.push(gw);
  return gw;
}

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await Promise.all(gateways.map((gw) => gw.close()));
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  // A new principal per test: no terminal cache or in-flight call links two tests' upstream counts.
  TOKEN = uniqueToken('persisted');
  sim.resetCalls();
});

describe('automatic persisted queries (Apollo protocol)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await gateway();
  });

  it('round trip over POST: an unknown hash is PERSISTED_QUERY_NOT_FOUND, hash and text registers it, then the hash alone runs it', async () => {
    const query = `${CFW_STATE} # apq round trip`;
    const hash = sha256Hex(query);

    const unknown = await post(gw, { extensions: apq(hash), variables: CFW_VARS });
    expect(unknown.status).toBe(404);
    expect(codes(unknown)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect(unknown.body.errors?.[0]?.message).toBe('PersistedQueryNotFound');
    expect(sim.calls).toHaveLength(0);

    const registered = await post(gw, { query, extensions: apq(hash), variables: CFW_VARS });
    expect(registered.status, registered.text).toBe(200);
    expect(registered.body.data?.cfwJob).toMatchObject({ state: 'RUNNING' });
    expect(sim.calls).toHaveLength(1);

    const before = await prepared(gw);
    const byHash = await post(gw, { extensions: apq(hash), variables: CFW_VARS });
    expect(byHash.status, byHash.text).toBe(200);
    expect(byHash.body).toEqual(registered.body);
    expect(sim.calls).toHaveLength(2);
    // Yoga ran the text once: the hash alone is now answered on the fast path.
    expect(await prepared(gw)).toBe(before + 1);
  });

  it('a hash that is not the hash of its text is refused (400 PERSISTED_QUERY_MISMATCH), runs nothing and registers nothing', async () => {
    const query = `${CFW_STATE} # apq wrong hash`;
    const wrong = sha256Hex(`${query} and something else`);
    const refused = await post(gw, { query, extensions: apq(wrong), variables: CFW_VARS });
    expect(refused.status).toBe(400);
    expect(codes(refused)).toEqual(['PERSISTED_QUERY_MISMATCH']);
    expect(refused.body.data).toBeUndefined();
    expect(codes(await post(gw, { extensions: apq(wrong), variables: CFW_VARS }))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect(sim.calls).toHaveLength(0);
  });

  it('over GET: not found, registered by a GET with the text, then the hash alone', async () => {
    const query = `${DB_STATE} # apq over GET`;
    const hash = sha256Hex(query);
    const params = { operationName: 'DbState', variables: DB_VARS, extensions: apq(hash) };
    const unknown = await get(gw, params);
    expect(unknown.status).toBe(404);
    expect(codes(unknown)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);

    const registered = await get(gw, { ...params, query });
    expect(registered.status, registered.text).toBe(200);
    expect(registered.body.data?.dbJob).toMatchObject({ state: 'RUNNING', progress: expect.any(Number) });

    const byHash = await get(gw, params);
    expect(byHash.status, byHash.text).toBe(200);
    expect(byHash.body).toEqual(registered.body);
    expect(sim.calls).toHaveLength(2);
  });

  it('the store is an LRU bounded by APQ_MAX_ENTRIES: the least recently used hash is forgotten', async () => {
    const small = await gateway({ APQ_MAX_ENTRIES: '2' });
    const queries = [1, 2, 3].map((n) => `{ __typename } # lru ${n}`);
    for (const query of queries) expect((await post(small, { query, extensions: apq(sha256Hex(query)) })).status).toBe(200);
    expect(codes(await post(small, { extensions: apq(sha256Hex(queries[0]!)) }))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect((await post(small, { extensions: apq(sha256Hex(queries[2]!)) })).body.data).toEqual({ __typename: 'Query' });
  });

  it('APQ=false: the text still runs (so Apollo Client falls back to it), but nothing is registered', async () => {
    const off = await gateway({ APQ: 'false' });
    const query = `${CFW_STATE} # apq off`;
    const hash = sha256Hex(query);
    expect(codes(await post(off, { extensions: apq(hash), variables: CFW_VARS }))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    const withText = await post(off, { query, extensions: apq(hash), variables: CFW_VARS });
    expect(withText.status, withText.text).toBe(200);
    expect(codes(await post(off, { extensions: apq(hash), variables: CFW_VARS }))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect(sim.calls).toHaveLength(1);
  });

  it('a request with neither text nor id is still yoga\'s "Must provide query string."', async () => {
    const none = await post(gw, { variables: CFW_VARS });
    expect(none.status).toBe(400);
    expect(none.body.errors?.[0]?.message).toBe('Must provide query string.');
  });
});

describe('trusted documents (PERSISTED_DOCUMENTS)', () => {
  let gw: TestGateway;
  let yogaOnly: TestGateway;
  beforeAll(async () => {
    gw = await gateway({ PERSISTED_DOCUMENTS: MANIFEST });
    yogaOnly = await gateway({ PERSISTED_DOCUMENTS: MANIFEST }, false);
  });

  const byDocumentId = { documentId: sha256Hex(CFW_STATE), variables: CFW_VARS };
  const bySha256Hash = { extensions: apq(sha256Hex(CFW_STATE)), variables: CFW_VARS };
  const byRelayId = { extensions: { persistedQuery: { id: RELAY_ID } }, variables: CFW_VARS };

  it.each([
    ['documentId', byDocumentId],
    ['extensions.persistedQuery.sha256Hash', bySha256Hash],
    ['a Relay-style extensions.persistedQuery.id', byRelayId],
  ])('by %s: runs on the fast path from its very first request, answering exactly as yoga does', async (_how, body) => {
    const before = await prepared(gw);
    const fast = await post(gw, body, { 'x-request-id': 'same-id' });
    expect(await prepared(gw)).toBe(before + 1);
    const slow = await post(yogaOnly, body, { 'x-request-id': 'same-id' });
    expect(fast.status, fast.text).toBe(200);
    expect(fast.body.data?.cfwJob).toMatchObject({ state: 'RUNNING', rawStatus: 'Running' });
    expect(fast.text).toBe(slow.text);
    expect(sim.calls).toHaveLength(2);
  });

  it("a document with two operations: each by its operationName; without one, yoga's refusal", async () => {
    const id = sha256Hex(TWO_OPERATIONS);
    const first = await post(gw, { documentId: id, operationName: 'First' });
    const second = await post(gw, { documentId: id, operationName: 'Second' });
    expect(first.body.data).toEqual({ a: { state: 'RUNNING' } });
    expect(second.body.data).toEqual({ b: { state: 'RUNNING' } });
    const neither = await post(gw, { documentId: id });
    expect(neither.status).toBe(400);
    expect(neither.text).toBe((await post(yogaOnly, { documentId: id })).text);
  });

  it("by documentId over GET (yoga's path)", async () => {
    const answer = await get(gw, { documentId: sha256Hex(DB_STATE), variables: DB_VARS });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.data?.dbJob).toMatchObject({ state: 'RUNNING' });
  });

  it('an id that is in neither the manifest nor the APQ store is PERSISTED_QUERY_NOT_FOUND, with no upstream call', async () => {
    const answer = await post(gw, { documentId: 'no-such-document', variables: CFW_VARS });
    expect(answer.status).toBe(404);
    expect(codes(answer)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect(sim.calls).toHaveLength(0);
  });

  it('without TRUSTED_DOCUMENTS_ONLY, other text still runs', async () => {
    const answer = await post(gw, { query: `{ cfwJob(projectId: "${P}", jobId: "${SIM_IDS.cfw.running}") { state } }` });
    expect(answer.body.data).toEqual({ cfwJob: { state: 'RUNNING' } });
  });

  it("Apollo's persisted query manifest format is read too", async () => {
    const path = manifestFile('apollo.json', {
      format: 'apollo-persisted-query-manifest',
      version: 1,
      operations: [{ id: sha256Hex(DB_STATE), name: 'DbState', type: 'query', body: DB_STATE }],
    });
    const apollo = await gateway({ PERSISTED_DOCUMENTS: path, TRUSTED_DOCUMENTS_ONLY: 'true' });
    const answer = await post(apollo, { extensions: apq(sha256Hex(DB_STATE)), variables: DB_VARS });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.data?.dbJob).toMatchObject({ state: 'RUNNING' });
  });
});

describe('TRUSTED_DOCUMENTS_ONLY=true', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await gateway({ PERSISTED_DOCUMENTS: MANIFEST, TRUSTED_DOCUMENTS_ONLY: 'true' });
  });
  const outside = `{ cfwJob(projectId: "${P}", jobId: "${SIM_IDS.cfw.running}") { state } }`;

  it("accepts the manifest's documents by id", async () => {
    const answer = await post(gw, { documentId: sha256Hex(CFW_STATE), variables: CFW_VARS });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.data?.cfwJob).toMatchObject({ state: 'RUNNING' });
    expect(sim.calls).toHaveLength(1);
  });

  it('accepts the exact text of a manifest document (what Apollo Client sends after PERSISTED_QUERY_NOT_FOUND)', async () => {
    const answer = await post(gw, { query: CFW_STATE, variables: CFW_VARS });
    expect(answer.status, answer.text).toBe(200);
  });

  it.each([
    ['text over POST', () => post(gw, { query: outside })],
    ['text over GET', () => get(gw, { query: outside })],
    ['text with its APQ hash (no registration either)', () => post(gw, { query: outside, extensions: apq(sha256Hex(outside)) })],
    [
      'a manifest id together with other text',
      () => post(gw, { query: outside, extensions: apq(sha256Hex(CFW_STATE)), variables: CFW_VARS }),
    ],
    ['text that does not even parse (refused before parsing)', () => post(gw, { query: '{ cfwJob(' })],
    ['an introspection query', () => post(gw, { query: '{ __schema { queryType { name } } }' })],
  ])('refuses %s: HTTP 400, PERSISTED_QUERY_NOT_ALLOWED, no upstream call', async (_what, send) => {
    const answer = await send();
    expect(answer.status, answer.text).toBe(400);
    expect(codes(answer)).toEqual(['PERSISTED_QUERY_NOT_ALLOWED']);
    expect(answer.body.data).toBeUndefined();
    expect(sim.calls).toHaveLength(0);
  });

  it('a refused text stays refused on the second try (never prepared for the fast path)', async () => {
    const before = await prepared(gw);
    for (const _ of [1, 2]) expect(codes(await post(gw, { query: outside }))).toEqual(['PERSISTED_QUERY_NOT_ALLOWED']);
    expect(await prepared(gw)).toBe(before);
    expect(sim.calls).toHaveLength(0);
  });

  it('serves no GraphiQL', async () => {
    const res = await request(`${gw.url}/graphql`, { headers: { accept: 'text/html' } });
    const text = await res.body.text();
    expect(text).not.toMatch(/graphiql/i);
    expect(gw.config.graphiql).toBe(false);
    expect(gw.config.introspection).toBe(false);
  });

  it('INTROSPECTION=true and GRAPHIQL=true given explicitly: introspection and GraphiQL come back, other text is still refused', async () => {
    const open = await gateway({ PERSISTED_DOCUMENTS: MANIFEST, TRUSTED_DOCUMENTS_ONLY: 'true', INTROSPECTION: 'true', GRAPHIQL: 'true' });
    const introspection = await post(open, {
      query: 'query I { __schema { queryType { name } } ...T } fragment T on Query { __typename }',
    });
    expect(introspection.status, introspection.text).toBe(200);
    expect(introspection.body.data).toEqual({ __schema: { queryType: { name: 'Query' } }, __typename: 'Query' });
    const mixed = await post(open, {
      query: `{ __typename ...F } fragment F on Query { cfwJob(projectId: "${P}", jobId: "x") { state } }`,
    });
    expect(mixed.status).toBe(400);
    expect(codes(mixed)).toEqual(['PERSISTED_QUERY_NOT_ALLOWED']);
    expect(codes(await post(open, { query: outside }))).toEqual(['PERSISTED_QUERY_NOT_ALLOWED']);
    expect(sim.calls).toHaveLength(0);
    const page = await request(`${open.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await page.body.text()).toMatch(/graphiql/i);
  });

  it('needs a manifest', () => {
    expect(() => loadConfig({ TRUSTED_DOCUMENTS_ONLY: 'true' })).toThrow(/PERSISTED_DOCUMENTS/);
  });
});

describe("over WebSocket (graphql-ws), which never meets yoga's onParams", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await gateway({ PERSISTED_DOCUMENTS: MANIFEST, TRUSTED_DOCUMENTS_ONLY: 'true' });
  });

  /** One operation over graphql-ws: its first result, or the errors the server refused it with. */
  async function overWebSocket(payload: {
    query: string;
    variables?: Record<string, unknown>;
    extensions?: Record<string, unknown>;
  }): Promise<Answer['body']> {
    const client = createClient({
      url: `${gw.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { 'X-Auth-Token': TOKEN },
      retryAttempts: 0,
    });
    try {
      for await (const result of client.iterate(payload)) return result as Answer['body'];
      return {};
    } catch (errors) {
      return { errors: errors as NonNullable<Answer['body']['errors']> };
    } finally {
      await client.dispose();
    }
  }

  it('TRUSTED_DOCUMENTS_ONLY refuses text outside the manifest there too, with no upstream call', async () => {
    const refused = await overWebSocket({ query: `{ cfwJob(projectId: "${P}", jobId: "${SIM_IDS.cfw.running}") { state } }` });
    expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(['PERSISTED_QUERY_NOT_ALLOWED']);
    expect(sim.calls).toHaveLength(0);
  });

  it("runs the manifest's text, and its id sent with an empty query", async () => {
    const byText = await overWebSocket({ query: CFW_STATE, variables: CFW_VARS });
    expect(byText.data?.cfwJob).toMatchObject({ state: 'RUNNING' });
    const byId = await overWebSocket({ query: '', variables: CFW_VARS, extensions: apq(sha256Hex(CFW_STATE)) });
    expect(byId.data).toEqual(byText.data);
    const unknown = await overWebSocket({ query: '', extensions: apq('0'.repeat(64)) });
    expect(unknown.errors?.map((e) => e.extensions?.code)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });
});

describe('a manifest that cannot be served stops start-up, naming the entry', () => {
  const endpoints = { CCE: 'http://127.0.0.1:9', CAE: 'http://127.0.0.1:9', CFW: 'http://127.0.0.1:9', DB: 'http://127.0.0.1:9' };
  const deep = `query Deep { cceJob(projectId: "${P}", jobId: "x") { ${'subJobs { '.repeat(20)}state${' }'.repeat(20)} } }`;
  const aliased = `query Aliased { ${Array.from({ length: 40 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
  it.each([
    ['an unknown field', 'bad-field', '{ noSuchField }', /Cannot query field "noSuchField"/],
    ['a syntax error', 'bad-syntax', '{ cfwJob(', /Syntax Error/],
    ['over MAX_DEPTH', 'too-deep', deep, /depth/i],
    ['over MAX_ALIASES', 'too-many-aliases', aliased, /Aliases limit/],
    ['over MAX_COST (set to 2 here)', 'too-costly', CFW_STATE, /cost/i, { MAX_COST: '2' }],
    ['over MAX_TOKENS (set to 20 here)', 'too-many-tokens', DB_STATE, /token/i, { MAX_TOKENS: '20' }],
    [
      'introspection with INTROSPECTION=false',
      'introspection',
      '{ __schema { queryType { name } } }',
      /introspection/,
      { INTROSPECTION: 'false' },
    ],
  ])('%s', async (_what, id, text, why, env: Record<string, string> = {}) => {
    const path = manifestFile(`${id}.json`, { '{ __typename }': '{ __typename }', [id]: text });
    const config = loadConfig({ LOG_LEVEL: 'silent', PERSISTED_DOCUMENTS: path, ...env });
    let error: unknown;
    try {
      await createGateway(config, { endpoints }).close();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as Error).message).toContain(`"${id}"`);
    expect((error as Error).message).toMatch(why);
  });

  it.each([
    ['not JSON', '{ "a": ', /cannot read/],
    ['a document that is not a string', { one: 42 }, /"one" is not a non-empty string/],
    [
      'an Apollo manifest entry without an id',
      { format: 'apollo-persisted-query-manifest', version: 1, operations: [{ body: '{ __typename }' }] },
      /operations\[0\] has no id/,
    ],
  ])('%s', (_what, content, why) => {
    const path = join(dir, `malformed-${Math.random()}.json`);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    expect(() => createGateway(loadConfig({ LOG_LEVEL: 'silent', PERSISTED_DOCUMENTS: path }), { endpoints })).toThrow(why);
  });

  it('the gateway process exits non-zero with a configuration error naming the entry', async () => {
    const path = manifestFile('process.json', { [sha256Hex(CFW_STATE)]: CFW_STATE, 'the-bad-one': '{ noSuchField }' });
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) if (!/_ENDPOINT$|^CLOUD_SDK_|^OTEL_/.test(key)) env[key] = value;
    Object.assign(env, { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', PERSISTED_DOCUMENTS: path });
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.resume();
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.once('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    expect(code, stderr).toBe(1);
    expect(stderr).toContain('configuration error');
    expect(stderr).toContain('"the-bad-one"');
    expect(stderr).toContain('Cannot query field "noSuchField"');
  }, 40_000);
});
