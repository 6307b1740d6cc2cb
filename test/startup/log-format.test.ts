/** LOG_FORMAT: JSON lines by default; `pretty` gives human-readable lines (pino-pretty) for development. */
import { afterEach, describe, expect, it } from 'vitest';
import { listeningUrl, spawnGateway, type Spawned } from '../support/spawn.js';

const running: Spawned[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((g) => g.stop(2000)));
});

describe('LOG_FORMAT', () => {
  it('default: every stdout line is one JSON object', async () => {
    const g = spawnGateway({});
    running.push(g);
    await listeningUrl(g);
    await g.waitFor(/SERVING SIMULATED DATA/);
    const lines = g.stdout().split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
  }, 60_000);

  it('pretty: readable lines with the level and message, not JSON', async () => {
    const g = spawnGateway({ LOG_FORMAT: 'pretty' });
    running.push(g);
    const base = await listeningUrl(g);
    await g.waitFor(/WARN.*SERVING SIMULATED DATA/);
    expect(g.stdout()).toMatch(/INFO.*listening on http:\/\/127\.0\.0\.1:\d+\/graphql/);
    expect(
      g
        .stdout()
        .split('\n')
        .filter((l) => l.startsWith('{"level"')),
    ).toEqual([]);
    // Still a working gateway.
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ __typename }"}',
    });
    expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
  }, 60_000);
});
