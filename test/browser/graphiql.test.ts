/**
 * GraphiQL in a real browser: the server started the way `npm start` starts it with no endpoints
 * configured (src/main.ts serving the built-in simulator), opened in headless Chromium, its default
 * query run with the execute button. Proves the inline GraphiQL loads, runs the example query against
 * the simulator and renders the job in the result pane, without touching any host but this server.
 *
 * The browser is found by test/support/browser.ts (CHROMIUM_PATH, /usr/bin/chromium, the usual Chrome
 * and Chromium locations). Without one this file is skipped with a notice, except under CI or
 * REQUIRE_BROWSER=1, where it fails. (The gateway's SIGTERM exit is test/startup/sigterm.test.ts.)
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIM_IDS } from '../../src/simulator/server.js';
import { BROWSER_ARGS, browserForTests } from '../support/browser.js';
import { listeningUrl, spawnGateway, type Spawned } from '../support/spawn.js';

const ARTIFACTS = new URL('../artifacts/', import.meta.url);
const CHROMIUM = browserForTests('test/browser/graphiql.test.ts');

/** What a locator shows, with the editors' non-breaking spaces made plain. */
async function textOf(locator: Locator): Promise<string> {
  return (await locator.innerText()).replace(/\u00a0/g, ' ');
}

let server: { child: Spawned; url: string } | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  if (!CHROMIUM) return;
  // No endpoint, no keys, no tracing exporter: main serves the simulator, exactly the out-of-the-box `npm start`.
  const child = spawnGateway({ LOG_LEVEL: 'info' });
  server = { child, url: `${await listeningUrl(child)}/graphql` };
  browser = await chromium.launch({ executablePath: CHROMIUM, args: BROWSER_ARGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.child.stop();
});

describe.skipIf(!CHROMIUM)('GraphiQL', () => {
  it('opens with the example query, runs it against the simulator and shows the job, using only this server', async () => {
    if (!browser || !server) throw new Error('not started');
    // main prints the host it listens on; use the loopback address literally.
    const url = server.url.replace('//localhost:', '//127.0.0.1:');
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);

    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    try {
      const page = await context.newPage();
      const requested: string[] = [];
      page.on('request', (request) => requested.push(request.url()));
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));

      const response = await page.goto(url, { waitUntil: 'load' });
      expect(response?.status()).toBe(200);
      expect(response?.headers()['content-type']).toMatch(/text\/html/);

      // The editor opens with the example query, naming the simulator's deep CCE job.
      const editor = page.locator('.graphiql-query-editor');
      await expect.poll(() => textOf(editor), { timeout: 15_000 }).toContain('query JobTree');
      expect(await textOf(editor)).toContain(SIM_IDS.cce.deepTree);

      const executed = page.waitForResponse(
        (r) => r.url().startsWith(url) && r.request().method() === 'POST' && (r.request().postData() ?? '').includes('JobTree'),
      );
      await page.locator('.graphiql-execute-button').click();
      const graphqlResponse = await executed;
      expect(graphqlResponse.status()).toBe(200);
      const body = (await graphqlResponse.json()) as { data?: { cceJob?: { type: string; state: string } | null }; errors?: unknown[] };
      expect(body.errors).toBeUndefined();
      expect(body.data?.cceJob).toMatchObject({ type: 'ScaleupCluster', state: 'RUNNING' });

      // What the user reads: the result pane shows the simulator's job tree.
      const result = page.locator('.graphiql-response');
      await expect.poll(() => textOf(result), { timeout: 15_000 }).toContain('ScaleupCluster');
      const text = await textOf(result);
      expect(text).toContain('"cceJob"');
      expect(text).toContain('"RUNNING"');
      expect(text).toContain('"SUCCEEDED"');
      expect(text).toContain('pool-deep');
      expect(text).not.toMatch(/"errors"/);

      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: fileURLToPath(new URL('graphiql.png', ARTIFACTS)), fullPage: true });

      // Everything GraphiQL loaded or called came from this server (assets are inline; no CDN, no telemetry).
      const foreign = requested.filter((u) => {
        const { protocol, hostname } = new URL(u);
        if (protocol === 'data:' || protocol === 'blob:' || protocol === 'about:') return false;
        return !['127.0.0.1', 'localhost', '[::1]'].includes(hostname);
      });
      expect(foreign).toEqual([]);
      expect(requested.length).toBeGreaterThan(1);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});
