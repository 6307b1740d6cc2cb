/**
 * Issue 10, item 12: 2,000 distinct valid 200 KB documents left the heap at 288 MiB after idle:
 * yoga's parse cache (and the fast path's prepared operations) were bounded by count, 1,024
 * documents, whatever their size. Both are now bounded by bytes (DOCUMENT_CACHE_BYTES).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulatedGateway, type TestGateway } from '../support/gateway.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const DOCUMENTS = 2_000;
const PAD = 'x'.repeat(200_000);

/** A valid query of about 200 KB, different for each `i`, answered without any upstream call. */
const documentNumber = (i: number) => `query Q${i} { __typename }\n# ${i} ${PAD}`;

async function settledHeap(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return process.memoryUsage().heapUsed;
}

describe('document caches under many large documents', () => {
  let g: TestGateway;
  const agent = new Agent({ connections: 16 });
  beforeAll(async () => {
    g = await startSimulatedGateway();
  });
  afterAll(async () => {
    await agent.close();
    await g.close();
  });

  it(`${DOCUMENTS} distinct 200 KB documents leave the heap within a bound after idle`, { timeout: 120_000 }, async () => {
    const post = async (query: string) => {
      const res = await request(`${g.url}/graphql`, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json', 'x-auth-token': 'doc-cache' },
        body: JSON.stringify({ query }),
      });
      const body = (await res.body.json()) as { data?: { __typename?: string } };
      expect(res.statusCode).toBe(200);
      expect(body.data?.__typename).toBe('Query');
    };
    // Warm up every code path first, so their one-off allocations are in the baseline.
    for (let i = 0; i < 20; i++) await post(`query W${i} { __typename }`);
    const baseline = await settledHeap();
    let next = 0;
    const worker = async () => {
      while (next < DOCUMENTS) await post(documentNumber(next++));
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const after = await settledHeap();
    const grownMiB = (after - baseline) / 1024 / 1024;
    console.info(`heap grew by ${grownMiB.toFixed(1)} MiB after ${DOCUMENTS} documents of 200 KB`);
    // Each cache may hold DOCUMENT_CACHE_BYTES (32 MiB) of estimated size: 10 of these documents.
    // Unbounded by bytes, 1,000 cached documents were 200 MiB and more.
    expect(grownMiB).toBeLessThan(48);
    // And the gateway still serves, from its caches too.
    await post(documentNumber(DOCUMENTS - 1));
  });
});
