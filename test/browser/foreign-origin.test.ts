/**
 * A page on another origin, in real Chromium, trying what CSRF and CORS are about against a gateway
 * with CLOUD_SDK_AK/SK set (token-less requests are signed with the gateway's keys): a JSON fetch
 * it wants to read, a no-cors GET and form post it only wants to send, and a WebSocket. It reads
 * nothing, and the simulator behind the gateway sees no call. The same page on an origin listed in
 * CORS_ORIGINS does read its answer, so the test would notice a gateway that refused everything.
 *
 * Needs Chrome or Chromium (test/support/browser.ts finds it); without one the test is skipped with
 * a notice, except under CI or REQUIRE_BROWSER=1, where that is a failure.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIM_IDS, SIM_PROJECT_ID, type Simulator } from '../../src/simulator/server.js';
import { BROWSER_ARGS, browserForTests } from '../support/browser.js';
import { startSimulatedGateway, type TestGateway } from '../support/gateway.js';

const CHROMIUM = browserForTests('test/browser/foreign-origin.test.ts');
const HAVE_BROWSER = CHROMIUM !== undefined;

const KEYS = { ak: 'FOREIGNORIGINAK000001', sk: 'foreign-origin-secret-key-0123456789' };
const QUERY = `{ cceJob(projectId: "${SIM_PROJECT_ID}", jobId: "${SIM_IDS.cce.running}") { jobId state } }`;

let gw: TestGateway & { sim: Simulator };
let pages: Server;
let pagesUrl: string;
let browser: Browser | undefined;

beforeAll(async () => {
  if (!HAVE_BROWSER) return;
  // Allowed: the pages' own origin under the name `localhost`; foreign: the same server as 127.0.0.1.
  pages = createServer((_req, res) => res.end('<!doctype html><title>elsewhere</title>'));
  await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
  const { port } = pages.address() as AddressInfo;
  pagesUrl = `http://127.0.0.1:${port}`;
  gw = await startSimulatedGateway(
    { CLOUD_SDK_AK: KEYS.ak, CLOUD_SDK_SK: KEYS.sk, CORS_ORIGINS: `http://localhost:${port}` },
    { keys: KEYS },
  );
  browser = await chromium.launch({ executablePath: CHROMIUM!, args: BROWSER_ARGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await gw?.close();
  await new Promise<void>((resolve) => (pages ? pages.close(() => resolve()) : resolve()));
});

interface Attempts {
  read: string;
  noCorsGet: string;
  formPost: string;
  webSocket: string;
}

/** Runs in the page: every way a page can reach the gateway, and what came of each. */
async function attempt(args: { gateway: string; query: string }): Promise<Attempts> {
  const outcome = (p: Promise<string>) => p.catch((error: unknown) => `error: ${String(error)}`);
  const read = await outcome(
    fetch(`${args.gateway}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: args.query }),
    }).then((r) => r.text()),
  );
  const noCorsGet = await outcome(
    fetch(`${args.gateway}/graphql?query=${encodeURIComponent(args.query)}`, { mode: 'no-cors' }).then((r) => `opaque ${r.type}`),
  );
  const formPost = await outcome(
    fetch(`${args.gateway}/graphql`, { method: 'POST', mode: 'no-cors', body: new URLSearchParams({ query: args.query }) }).then(
      (r) => `opaque ${r.type}`,
    ),
  );
  const webSocket = await new Promise<string>((resolve) => {
    const ws = new WebSocket(`${args.gateway.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    ws.onopen = () => {
      ws.close();
      resolve('open');
    };
    ws.onerror = () => resolve('refused');
  });
  return { read, noCorsGet, formPost, webSocket };
}

describe.skipIf(!HAVE_BROWSER)('a page on another origin', () => {
  it('reads nothing and causes no upstream call', async () => {
    const context = await browser!.newContext();
    try {
      const page = await context.newPage();
      await page.goto(pagesUrl);
      gw.sim.resetCalls();
      const result = await page.evaluate(attempt, { gateway: gw.url, query: QUERY });
      expect(result.read).toMatch(/^error: TypeError/);
      expect(result.webSocket).toBe('refused');
      // Sent, unreadable by design; the point is that the gateway refused them before any upstream call.
      expect(result.noCorsGet).toBe('opaque opaque');
      expect(result.formPost).toBe('opaque opaque');
      expect(gw.sim.calls).toHaveLength(0);
    } finally {
      await context.close();
    }
  });

  it('listed in CORS_ORIGINS reads its answer and opens a WebSocket', async () => {
    const context = await browser!.newContext();
    try {
      const page = await context.newPage();
      await page.goto(pagesUrl.replace('127.0.0.1', 'localhost'));
      const result = await page.evaluate(attempt, { gateway: gw.url, query: QUERY });
      expect(JSON.parse(result.read)).toEqual({ data: { cceJob: { jobId: SIM_IDS.cce.running, state: 'RUNNING' } } });
      expect(result.webSocket).toBe('open');
    } finally {
      await context.close();
    }
  });
});
