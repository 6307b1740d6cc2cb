/**
 * Production defaults, on the gateway as it is started (src/main.ts in a child process):
 * NODE_ENV=production never serves simulated data by accident, GraphiQL and introspection are off
 * unless asked for, and start-up warns about configurations that are probably mistakes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { listeningUrl, spawnGateway, type Spawned } from '../support/spawn.js';
import { UPSTREAM_SOURCES } from '../../src/upstreams/index.js';

const running: Spawned[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((g) => g.stop(2000)));
});
function start(env: Record<string, string>): Spawned {
  const g = spawnGateway(env);
  running.push(g);
  return g;
}

const INTROSPECT = JSON.stringify({ query: '{ __schema { queryType { name } } }' });
const post = (base: string, body: string) =>
  fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as { data?: unknown; errors?: { message: string }[] },
  }));
const graphiql = (base: string) => fetch(`${base}/graphql`, { headers: { accept: 'text/html' } });

describe('NODE_ENV=production', () => {
  it('with no endpoint configured refuses to start, naming the *_ENDPOINT variables and SIMULATOR=true', async () => {
    const g = start({ NODE_ENV: 'production' });
    const how = await g.exited(30_000);
    expect(how, g.output()).toEqual({ code: 1, signal: null });
    for (const name of ['CCE_ENDPOINT', 'CAE_ENDPOINT', 'CFW_ENDPOINT', 'DB_ENDPOINT', 'SIMULATOR=true'])
      expect(g.stderr()).toContain(name);
    expect(g.output()).not.toMatch(/listening on/);
  }, 60_000);

  it('SIMULATOR=true serves the simulator, with GraphiQL and introspection off by default', async () => {
    const g = start({ NODE_ENV: 'production', SIMULATOR: 'true' });
    const base = await listeningUrl(g);
    await g.waitFor(/SERVING SIMULATED DATA/);
    const page = await graphiql(base);
    expect(page.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
    await page.arrayBuffer();
    const introspection = await post(base, INTROSPECT);
    expect(introspection.body.data).toBeUndefined();
    expect(introspection.body.errors?.[0]?.message).toMatch(/introspection/i);
  }, 60_000);

  it('GRAPHIQL=true and INTROSPECTION=true turn them back on', async () => {
    const g = start({ NODE_ENV: 'production', SIMULATOR: 'true', GRAPHIQL: 'true', INTROSPECTION: 'true' });
    const base = await listeningUrl(g);
    const page = await graphiql(base);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('GraphiQL');
    expect((await post(base, INTROSPECT)).body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  }, 60_000);
});

describe('start-up warnings', () => {
  it('warns about unset endpoints (public cloud), an endpoint without {region} and a misspelt variable', async () => {
    const g = start({ CCE_ENDPOINT: 'http://127.0.0.1:9/cce', CCE_ENDPIONT: 'https://cce.{region}.example.com', LOG_LEVEL: 'info' });
    await listeningUrl(g);
    const warnings = g
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string })
      .filter((line) => line.level === 40)
      .map((line) => line.msg);
    expect(warnings.find((w) => w.includes('CAE_ENDPOINT, CFW_ENDPOINT, DB_ENDPOINT'))).toMatch(/public cloud/);
    expect(warnings.find((w) => w.includes('{region}'))).toMatch(/CCE_ENDPOINT/);
    expect(warnings.find((w) => w.includes('CCE_ENDPIONT'))).toMatch(/did you mean CCE_ENDPOINT/);
  }, 60_000);

  it('a complete, region-templated configuration warns about nothing', async () => {
    const env: Record<string, string> = { LOG_LEVEL: 'info' };
    for (const s of UPSTREAM_SOURCES) env[`${s}_ENDPOINT`] = `http://127.0.0.1:9/{region}/${s.toLowerCase()}`;
    const g = start(env);
    await listeningUrl(g);
    expect(
      g
        .stdout()
        .split('\n')
        .filter((line) => line.includes('"level":40')),
    ).toEqual([]);
  }, 60_000);
});
