/**
 * examples/console, end to end: its codegen (the real examples/console/codegen.yml, run in memory)
 * builds the trusted documents manifest from the printed schema; a gateway starts with that manifest
 * and TRUSTED_DOCUMENTS_ONLY=true over the simulator; the example's own code runs its operations by
 * id; anything outside the manifest is refused. The generated files are committed (so the example
 * type-checks and runs from a fresh clone), and this test fails when they are not what codegen writes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { executeCodegen, loadCodegenConfig } from '@graphql-codegen/cli';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, RequestRefused } from '../../examples/console/src/client.js';
import { consoleLines } from '../../examples/console/src/console.js';
import { TypedDocumentString } from '../../examples/console/src/gql/graphql.js';
import { ClusterJob, Dashboard, JobStatus } from '../../examples/console/src/operations.js';
import { printClientSchema } from '../../src/graph/client-schema.js';
import { SIM_IDS, SIM_PROJECT_ID } from '../../src/simulator/server.js';
import { dbGlobalId } from '../../src/upstreams/db/map.js';
import { cfwGlobalId } from '../../src/upstreams/cfw/map.js';
import { scrape } from '../observability/prom.js';
import { startSimulatedGateway, type TestGateway } from '../support/gateway.js';
import type { Simulator } from '../../src/simulator/server.js';
import { uniqueToken } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONFIG = join(ROOT, 'examples/console/codegen.yml');
const P = SIM_PROJECT_ID;
const ids = {
  db: dbGlobalId({ region: 'cn-north-4', projectId: P, jobId: SIM_IDS.db.running }),
  cfw: cfwGlobalId({ region: 'cn-north-4', projectId: P, jobId: SIM_IDS.cfw.failed }),
};

let generated: Map<string, string>;
let manifest: Record<string, string>;
let gw: TestGateway & { sim: Simulator };
let tmp: string | undefined;

beforeAll(async () => {
  // The example's own codegen config, run in memory: nothing in the working tree is written.
  const { config } = await loadCodegenConfig({ configFilePath: CONFIG });
  const { result, error } = await executeCodegen({ ...config, cwd: ROOT, silent: true });
  if (error) throw error;
  generated = new Map(result.map((file) => [resolve(ROOT, file.filename), file.content]));
  const manifestPath = [...generated.keys()].find((f) => f.endsWith('persisted-documents.json'));
  if (!manifestPath) throw new Error(`codegen wrote no persisted-documents.json: ${[...generated.keys()].join(', ')}`);
  manifest = JSON.parse(generated.get(manifestPath)!) as Record<string, string>;
  tmp = mkdtempSync(join(tmpdir(), 'console-example-'));
  const file = join(tmp, 'persisted-documents.json');
  writeFileSync(file, generated.get(manifestPath)!);
  gw = await startSimulatedGateway({ PERSISTED_DOCUMENTS: file, TRUSTED_DOCUMENTS_ONLY: 'true' });
}, 60_000);

afterAll(async () => {
  await gw?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the example is built from the current schema', () => {
  it('schema.graphql is what schema:print writes, and has no federation internals', () => {
    const committed = readFileSync(join(ROOT, 'schema.graphql'), 'utf8');
    // The served schema itself, through the same printer: what a frontend introspecting the gateway would see, minus federation.
    expect(printClientSchema(gw.gateway.yoga.getEnveloped({}).schema)).toBe(committed);
    expect(committed).not.toMatch(/_entities|_service|_Any|@link|@key|link__/);
    expect(committed).toMatch(/type Query \{/);
  });

  it('the committed generated files (types and manifest) are what codegen writes', () => {
    expect(generated.size).toBeGreaterThanOrEqual(3);
    for (const [path, content] of generated) {
      expect(readFileSync(path, 'utf8'), `${path} is stale: run \`npm run example:codegen\``).toBe(content);
    }
  });

  it("the manifest holds each of the example's operations under the SHA-256 of its text, the id the client sends", () => {
    expect(Object.keys(manifest).sort()).toEqual([ClusterJob, Dashboard, JobStatus].map((d) => d.__meta__?.hash).sort());
    for (const [id, text] of Object.entries(manifest)) {
      expect(id).toMatch(/^[0-9a-f]{64}$/);
      expect(text).toMatch(/^query \w+/);
    }
  });
});

describe('the example against a gateway locked to its manifest', () => {
  it("runs the console's operations by id, all on the fast path, with the simulator's answers", async () => {
    const client = createClient({ url: `${gw.url}/graphql`, token: uniqueToken('console') });
    const before = (await scrape(gw.url)).value('graphql_prepared_operations_total');
    gw.sim.resetCalls();
    const lines = await consoleLines(client, { projectId: P, clusterJobId: SIM_IDS.cce.docV3, jobIds: [ids.db, ids.cfw] });
    expect(lines).toEqual([
      'CreateCluster  RUNNING  created 2018-08-02T08:12:40.672Z  finished -',
      '  InstallMaster  SUCCEEDED',
      '  CreatePSMCert  SUCCEEDED',
      'DB DbJob  RUNNING  60%  (mysql-resize)',
      'CFW CfwJob  FAILED',
      'first job again: RUNNING, terminal false',
    ]);
    // Three operations, three requests, each answered on the fast path from its first request.
    expect((await scrape(gw.url)).value('graphql_prepared_operations_total')).toBe(before + 3);
    expect(gw.sim.calls.length).toBeGreaterThan(0);
  });

  it('typed results: a failing entry is null with its error on its own path', async () => {
    const client = createClient({ url: `${gw.url}/graphql`, token: uniqueToken('console') });
    const missing = cfwGlobalId({ region: 'cn-north-4', projectId: P, jobId: 'no-such-job' });
    const result = await client.execute(Dashboard, { ids: [ids.db, missing] });
    expect(result.data?.jobs.map((j) => j?.state ?? null)).toEqual(['RUNNING', null]);
    expect(result.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['jobs', 1], 'NOT_FOUND']]);
  });

  it('refuses an operation outside the manifest: as text (400 PERSISTED_QUERY_NOT_ALLOWED), by an unknown id (404), with no upstream call', async () => {
    gw.sim.resetCalls();
    const text = await request(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-auth-token': uniqueToken('console') },
      body: JSON.stringify({ query: `{ cfwJob(projectId: "${P}", jobId: "${SIM_IDS.cfw.running}") { state } }` }),
    });
    expect(text.statusCode).toBe(400);
    expect(((await text.body.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe(
      'PERSISTED_QUERY_NOT_ALLOWED',
    );

    // The example's own client with a document the manifest was not built with.
    const client = createClient({ url: `${gw.url}/graphql`, token: uniqueToken('console') });
    const edited = new TypedDocumentString<unknown, Record<string, never>>('query Sneaky { cceJobs(projectId: "x") { id } }', {
      hash: 'f'.repeat(64),
    });
    const refused = await client.execute(edited).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RequestRefused);
    expect((refused as RequestRefused).status).toBe(404);
    expect((refused as RequestRefused).errors.map((e) => e.extensions?.code)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect(gw.sim.calls).toHaveLength(0);
  });
});
