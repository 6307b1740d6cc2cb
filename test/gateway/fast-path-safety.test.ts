/**
 * What keeps the fast path (src/server/fast-path.ts) honest as the gateway changes, over real sockets:
 * - it is built from yoga's own plugin list: a plugin that does not declare how it stands to the
 *   fast path (fast-path-plugins.ts) turns it off at start-up, with a warning, and yoga answers all;
 * - masking comes from yoga's configuration (default, a custom message, masking off), not a copy;
 * - upstream failures, and a gateway configured away from the defaults (no retries, no cache, a
 *   small response bound, a low cost limit), are answered exactly as yoga answers them: status,
 *   headers, body bytes and the number of upstream calls.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Credential } from '../../src/http/credential.js';
import { createRequestContext } from '../../src/graph/context.js';
import { createFastPath, yogaSettingsOf } from '../../src/server/fast-path.js';
import { forFastPath } from '../../src/server/fast-path-plugins.js';
import { createLogger } from '../../src/server/logger.js';
import { createMetrics } from '../../src/server/metrics.js';
import { createCostLimit } from '../../src/server/use-cost-limit.js';
import { createPreparedOperations } from '../../src/server/use-prepared-operations.js';
import { createResponseLimit } from '../../src/server/use-response-limit.js';
import { useRequestId } from '../../src/server/use-request-id.js';
import { SIM_IDS, SIM_PROJECT_ID, startSimulator, type SimCall, type Simulator } from '../../src/simulator/server.js';
import { scrape } from '../observability/prom.js';
import { startGateway, type ExtraGatewayOptions, type TestGateway } from '../support/gateway.js';

const P = SIM_PROJECT_ID;
const PREPARED = 'graphql_prepared_operations_total';
const HEADERS = { 'content-type': 'application/json', accept: 'application/json', 'x-auth-token': 'fast-path-safety-token' };

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

async function post(url: string, body: unknown, requestId: string): Promise<Answer> {
  const res = await request(`${url}/graphql`, {
    method: 'POST',
    headers: { ...HEADERS, 'x-request-id': requestId },
    body: JSON.stringify(body),
  });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

function expectSameAnswer(actual: Answer, expected: Answer, label: string): void {
  const strip = ({ date: _d, connection: _c, 'keep-alive': _k, ...rest }: Answer['headers']) => rest;
  expect(actual.status, `${label}: status`).toBe(expected.status);
  expect(strip(actual.headers), `${label}: headers`).toEqual(strip(expected.headers));
  expect(actual.text, `${label}: body`).toBe(expected.text);
}

const preparedCount = async (gw: TestGateway) => (await scrape(gw.url)).value(PREPARED);

/** A gateway whose log lines (warn and up) land in `lines`. */
async function startLogged(endpoint: string, env: Record<string, string>, options: ExtraGatewayOptions) {
  const lines: string[] = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
  const gw = await startGateway({ CCE: endpoint, CAE: endpoint, CFW: endpoint, DB: endpoint }, env, { logger, ...options });
  return { gw, lines };
}

let sim: Simulator;
const started: TestGateway[] = [];

beforeAll(async () => {
  // Deterministic upstream request ids (they appear in error extensions), and faults on chosen job ids.
  sim = await startSimulator({
    intercept: (call: SimCall, res) => {
      const key = call.query ? `${call.path}?${call.query}` : call.path;
      res.setHeader('X-Request-Id', `sim-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`);
      const fault = /fault-([a-z0-9-]+)/.exec(call.path)?.[1];
      if (!fault) return false;
      const apig = (status: number, code: string, msg: string) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error_code: code, error_msg: msg, request_id: 'sim-fault' }));
      };
      if (fault === '503') apig(503, 'APIG.0201', 'Backend unavailable');
      else if (fault === '429') apig(429, 'APIG.0308', 'The throttling threshold has been reached');
      else if (fault === '403') apig(403, 'APIG.0302', 'The IAM user is not authorized to access the API');
      else if (fault === '500-html') {
        res.writeHead(500, { 'content-type': 'text/html' });
        res.end('<html><body>Internal Server Error</body></html>');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"not json');
      }
      return true;
    },
  });
});

afterAll(async () => {
  await Promise.all(started.map((gw) => gw.close()));
  await sim?.close();
});

describe('the start-up check: every plugin given to yoga declares how it stands to the fast path', () => {
  const QUERY = { query: `{ cfwJob(projectId: "${P}", jobId: "${SIM_IDS.cfw.running}") { id state } }` };

  /** Sends QUERY twice; how many executions `plugin` saw, and how many answers the fast path gave. */
  async function twice(plugin: Plugin, label: string) {
    let executions = 0;
    (plugin as { onExecute?: () => void }).onExecute = () => void executions++;
    const { gw, lines } = await startLogged(sim.url, {}, { plugins: [plugin as never] });
    started.push(gw);
    const answers = [await post(gw.url, QUERY, `${label}-1`), await post(gw.url, QUERY, `${label}-2`)];
    for (const answer of answers) expect(answer.status, answer.text).toBe(200);
    const warnings = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 40);
    return { executions, prepared: await preparedCount(gw), warnings };
  }

  it('an undeclared plugin turns the fast path off, with a warning naming it; yoga then runs it on every request', async () => {
    const { executions, prepared, warnings } = await twice({}, 'undeclared');
    expect(prepared).toBe(0);
    expect(executions).toBe(2);
    expect(warnings.map((w) => w.msg)).toEqual([expect.stringMatching(/^fast path off: plugin #\d+ \(onExecute\)/)]);
  });

  it('the same plugin, declared as acting on documents only, leaves the fast path on (and is skipped by it)', async () => {
    const { executions, prepared, warnings } = await twice(forFastPath('test-plugin', 'document', {}), 'declared');
    expect(prepared).toBe(1);
    expect(executions).toBe(1);
    expect(warnings).toEqual([]);
  });
});

describe("masking comes from yoga's own configuration", () => {
  // A schema whose resolver has a bug (a TypeError): what a caller sees of it is masking's business.
  const schema = createSchema({
    typeDefs: 'type Query { boom: String, fine: String }',
    resolvers: {
      Query: {
        boom: () => {
          throw new TypeError('secret internal detail');
        },
        fine: () => 'ok',
      },
    },
  });
  const servers: Server[] = [];
  afterAll(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));

  async function listen(listener: Parameters<typeof createServer>[1]): Promise<string> {
    const server = createServer(listener);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Yoga alone, and the fast path in front of an identical yoga, both as `maskedErrors` says. */
  async function pair(maskedErrors: boolean | { errorMessage: string }) {
    const prepared = createPreparedOperations(1024 * 1024);
    const metrics = createMetrics();
    const logger = createLogger('silent');
    // With the gateway's request id plugin, which the fast path mirrors.
    const make = (plugins: Plugin[]) => createYoga({ schema, maskedErrors, logging: false, plugins: [useRequestId(), ...plugins] });
    const withFast = make([prepared.plugin]);
    const settings = yogaSettingsOf(withFast);
    expect(settings, 'yoga exposes its masking and endpoint').toBeDefined();
    const fastUrl = await listen(
      createFastPath(withFast, settings!, {
        schema: withFast.getEnveloped().schema,
        prepared,
        credentialOf: (token): Credential => (token ? { kind: 'token', token } : { kind: 'none' }),
        newContext: (call) => createRequestContext(call, 'cn-north-4'),
        maxBodyBytes: 64 * 1024,
        costLimit: createCostLimit({ maxCost: 1000, estimates: { cceJobs: 1, subJobs: 1 }, maxItems: 10 }),
        responseLimit: createResponseLimit(1024 * 1024),
        metrics,
        logger,
        logMasked: () => {},
      }),
    );
    const yogaUrl = await listen(make([]));
    return { fastUrl, yogaUrl, fastAnswers: async () => (await metrics.preparedOperations.get()).values[0]?.value ?? 0 };
  }

  it.each([
    ['the default', true, 'Unexpected error.'],
    ['a custom message', { errorMessage: 'Something broke on our side.' }, 'Something broke on our side.'],
    ['masking off', false, 'secret internal detail'],
  ] as const)('%s: the fast path masks as yoga does', async (_name, maskedErrors, message) => {
    const { fastUrl, yogaUrl, fastAnswers } = await pair(maskedErrors);
    const body = { query: '{ fine boom }' };
    for (const attempt of [1, 2]) {
      const fromFast = await post(fastUrl, body, `mask-${attempt}`);
      const fromYoga = await post(yogaUrl, body, `mask-${attempt}`);
      expectSameAnswer(fromFast, fromYoga, `attempt ${attempt}`);
      const parsed = JSON.parse(fromYoga.text) as { data: unknown; errors: { message: string }[] };
      expect(parsed.data).toEqual({ fine: 'ok', boom: null });
      expect(parsed.errors.map((e) => e.message)).toEqual([message]);
    }
    // The second send was the fast path's.
    expect(await fastAnswers()).toBe(1);
  });
});

describe('upstream failures and a non-default configuration: answered exactly as yoga does', () => {
  // Away from every default the fast path mirrors: no retries, no terminal cache, a small response
  // bound, a low cost limit, few ids per list, no APQ, no introspection.
  const ENV = {
    UPSTREAM_RETRIES: '0',
    CACHE_MAX_ENTRIES: '0',
    MAX_RESPONSE_BYTES: '1024',
    MAX_COST: '100',
    MAX_JOB_IDS: '8',
    APQ: 'false',
    INTROSPECTION: 'false',
    UPSTREAM_AUTH_COOLDOWN_MS: '0',
  };
  let fast: TestGateway;
  let yoga: TestGateway;
  beforeAll(async () => {
    fast = (await startLogged(sim.url, ENV, {})).gw;
    yoga = (await startLogged(sim.url, ENV, { fastPath: false })).gw;
    started.push(fast, yoga);
  });

  const cfw = (id: string) => `cfwJob(projectId: "${P}", jobId: "${id}") { id state message }`;
  const CASES: Array<{ name: string; query: string; code?: string; status?: number }> = [
    { name: 'an upstream 503', query: `{ a: ${cfw('fault-503')} }`, code: 'UPSTREAM_UNAVAILABLE' },
    { name: 'an upstream 429', query: `{ a: ${cfw('fault-429')} }` },
    { name: 'an upstream 403', query: `{ a: ${cfw('fault-403')} }` },
    { name: 'an upstream 500 with an HTML body', query: `{ a: ${cfw('fault-500-html')} }` },
    { name: 'an upstream 200 that is not JSON', query: `{ a: ${cfw('fault-bad-json')} }`, code: 'UPSTREAM_ERROR' },
    { name: 'a good job next to a failing one', query: `{ ok: ${cfw(SIM_IDS.cfw.running)} bad: ${cfw('fault-503')} }` },
    {
      name: 'an answer over MAX_RESPONSE_BYTES',
      query: `{ ${[1, 2, 3, 4, 5, 6, 7, 8].map((i) => `j${i}: cfwJob(projectId: "${P}", jobId: "${SIM_IDS.cfw.running}") { id jobId projectId region state message createdAt updatedAt }`).join(' ')} }`,
      code: 'RESPONSE_TOO_LARGE',
    },
    { name: 'over MAX_COST', query: `{ cceJobs(projectId: "${P}") { id subJobs { id subJobs { id } } } }` },
  ];

  it.each(CASES.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, index) => {
    const body = { query: c.query };
    const before = await preparedCount(fast);
    const answers: Answer[] = [];
    const calls: number[] = [];
    for (const [gw, requestId] of [
      [fast, `up-${index}-1`],
      [yoga, `up-${index}-1`],
      [fast, `up-${index}-2`],
      [yoga, `up-${index}-2`],
    ] as const) {
      const callsBefore = sim.calls.length;
      answers.push(await post(gw.url, body, requestId));
      calls.push(sim.calls.length - callsBefore);
    }
    expectSameAnswer(answers[0]!, answers[1]!, 'first send');
    expectSameAnswer(answers[2]!, answers[3]!, 'second send');
    expect(calls[2], 'upstream calls of the second send').toBe(calls[3]);
    expect(calls[0], 'upstream calls of the first send').toBe(calls[1]);
    const parsed = JSON.parse(answers[3]!.text) as { errors?: { extensions?: { code?: string } }[] };
    expect(parsed.errors?.length, answers[3]!.text).toBeGreaterThan(0);
    if (c.code) expect(parsed.errors!.map((e) => e.extensions?.code)).toContain(c.code);
    // Refused at validation (a cost over the limit): never prepared; otherwise the second send was the fast path's.
    const refused = answers[3]!.status === 400 && !('data' in (parsed as object));
    expect((await preparedCount(fast)) - before, answers[3]!.text).toBe(refused ? 0 : 1);
  });
});
