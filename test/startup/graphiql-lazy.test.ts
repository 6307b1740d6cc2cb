/**
 * GraphiQL's bundle (@graphql-yoga/render-graphiql: 9 MB of HTML, ~29 MB of heap) is imported only when
 * a GraphiQL page is first asked for, and never when GraphiQL is off. Seen from outside the process:
 * the gateway runs with an import hook that reports each time the package is resolved.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { listeningUrl, spawnGateway, type Spawned } from '../support/spawn.js';

const PACKAGE = '@graphql-yoga/render-graphiql';
const MARK = `imported ${PACKAGE}`;
const running: Spawned[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((g) => g.stop(2000)));
});

function start(env: Record<string, string>): Spawned {
  const g = spawnGateway({ TRACE_IMPORTS: PACKAGE, ...env }, ['--import', './test/support/trace-imports.mjs']);
  running.push(g);
  return g;
}
const page = (base: string) => fetch(`${base}/graphql`, { headers: { accept: 'text/html' } });
const query = (base: string) =>
  fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ __typename }' }),
  });

describe('GraphiQL bundle', () => {
  it('the hook sees imports (a package main.ts imports at start-up is reported)', async () => {
    const g = start({ TRACE_IMPORTS: 'graphql-yoga' });
    await listeningUrl(g);
    expect(g.stderr()).toContain('imported graphql-yoga');
  }, 60_000);

  it('is imported on the first GraphiQL page, not at start-up nor by queries', async () => {
    const g = start({});
    const base = await listeningUrl(g);
    expect(await (await query(base)).json()).toEqual({ data: { __typename: 'Query' } });
    expect(g.stderr()).not.toContain(MARK);
    const res = await page(base);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>Job gateway</title>');
    expect(g.stderr()).toContain(MARK);
  }, 60_000);

  it('is never imported with GRAPHIQL=false', async () => {
    const g = start({ GRAPHIQL: 'false' });
    const base = await listeningUrl(g);
    const res = await page(base);
    expect(res.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
    await res.arrayBuffer();
    await query(base);
    expect(g.stderr()).not.toContain(MARK);
  }, 60_000);
});
