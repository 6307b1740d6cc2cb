/**
 * The simulator and its seed are development tools: a gateway pointed at real upstreams never loads
 * them (main.ts imports them only to serve them). Seen from outside the process, through an import
 * hook that reports every module resolved under src/simulator/.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { endpointEnvAt } from '../../src/upstreams/index.js';
import { freePort, listeningUrl, spawnGateway, type Spawned } from '../support/spawn.js';

const SIMULATOR_FILES = '/src/simulator/';
const running: Spawned[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((g) => g.stop(2000)));
});

function start(env: Record<string, string>): Spawned {
  const g = spawnGateway({ TRACE_IMPORT_PATHS: SIMULATOR_FILES, ...env }, ['--import', './test/support/trace-imports.mjs']);
  running.push(g);
  return g;
}

const simulatorImports = (g: Spawned) =>
  g
    .stderr()
    .split('\n')
    .filter((line) => line.startsWith('imported ') && line.includes(SIMULATOR_FILES));

describe('the simulator is not loaded unless it is served', () => {
  it('with no endpoint (npm start) the gateway loads and serves it: the hook sees it', async () => {
    const g = start({});
    await listeningUrl(g);
    expect(simulatorImports(g).some((line) => line.endsWith('/src/simulator/server.ts'))).toBe(true);
  }, 60_000);

  it('with every upstream configured, no module of src/simulator/ is loaded, even after a query', async () => {
    const g = start(endpointEnvAt(`http://127.0.0.1:${await freePort()}`));
    const base = await listeningUrl(g);
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
    expect(simulatorImports(g)).toEqual([]);
  }, 60_000);
});
