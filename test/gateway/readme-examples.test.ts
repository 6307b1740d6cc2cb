/**
 * The README's example queries, run as written against the built-in simulator: every ```graphql block
 * under "Example queries" (with the ```json variables block that follows it, if any) must answer with
 * data for every root field and no error. A README example that drifts from the simulator or the
 * schema fails here instead of in a newcomer's first minutes.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulatedGateway } from '../support/gateway.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

interface Example {
  query: string;
  variables?: Record<string, unknown>;
}

/** The fenced blocks of one `## ` section, in order, as [language, text]. */
function blocks(section: string): [string, string][] {
  const start = README.indexOf(`\n## ${section}\n`);
  if (start < 0) throw new Error(`README has no "## ${section}" section`);
  const end = README.indexOf('\n## ', start + 1);
  const text = README.slice(start, end < 0 ? undefined : end);
  return [...text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => [m[1]!, m[2]!]);
}

function examples(section: string): Example[] {
  const out: Example[] = [];
  for (const [lang, text] of blocks(section)) {
    if (lang === 'graphql') out.push({ query: text });
    else if (lang === 'json' && out.length > 0 && !out.at(-1)!.variables)
      out.at(-1)!.variables = JSON.parse(text) as Record<string, unknown>;
  }
  return out;
}

const EXAMPLES = examples('Example queries');
let gw: Awaited<ReturnType<typeof startSimulatedGateway>>;
beforeAll(async () => {
  gw = await startSimulatedGateway();
});
afterAll(async () => {
  await gw?.close();
});

describe('README example queries', () => {
  it('there are several, and the Dashboard one comes with its variables', () => {
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(4);
    const dashboard = EXAMPLES.find((e) => e.query.includes('query Dashboard'));
    expect(dashboard?.variables).toBeDefined();
  });

  it.each(EXAMPLES.map((e) => [e.query.split('\n')[0]!, e] as const))('%s', async (_title, example) => {
    const res = await gw.query<Record<string, unknown>>(example.query, { variables: example.variables });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    expect(res.status).toBe(200);
    const data = res.data ?? {};
    expect(Object.keys(data).length).toBeGreaterThan(0);
    for (const [field, value] of Object.entries(data)) {
      expect(value, field).not.toBeNull();
      if (Array.isArray(value)) {
        expect(value.length, field).toBeGreaterThan(0);
        expect(value, field).not.toContain(null);
      }
    }
  });

  it('the Dashboard variables name a job of every upstream, the CFW one included', async () => {
    const dashboard = EXAMPLES.find((e) => e.query.includes('query Dashboard'))!;
    const res = await gw.query<{ jobs: { __typename: string }[] }>(dashboard.query, { variables: dashboard.variables });
    expect(new Set(res.data?.jobs.map((j) => j.__typename))).toEqual(new Set(['CceJob', 'CaeJob', 'CfwJob', 'DbJob']));
  });
});
