/**
 * GraphiQL in a real browser: the server started the way `npm start` starts it with no endpoints
 * configured (src/main.ts serving the built-in simulator), opened in headless Chromium, its default
 * query run with the execute button. Proves the inline GraphiQL loads, runs the example query against
 * the simulator and renders the job in the result pane, without touching any host but this server.
 *
 * Needs Debian's chromium at /usr/bin/chromium (CHROMIUM_PATH overrides). `.ci/run` installs it, so a
 * missing browser is a failure, not a skip.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIM_IDS } from '../../src/simulator/server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ARTIFACTS = new URL('../artifacts/', import.meta.url);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** `src/main.ts` in a child process, as `npm start` runs it (minus the build), on a free loopback port. */
async function startMain(): Promise<Started> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // No endpoint, no keys, no tracing exporter: main serves the simulator, exactly the out-of-the-box `npm start`.
    if (/_ENDPOINT$|^CLOUD_SDK_|^OTEL_|^GRAPHIQL$|^INTROSPECTION$|^PORT$|^HOST$|^LOG_LEVEL$/.test(key)) continue;
    env[key] = value;
  }
  Object.assign(env, { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' });
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`main did not start within 30s:\n${out}`));
    }, 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`main exited with ${code}:\n${out}`));
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      for (const line of out.split('\n')) {
        const match = /"msg":"listening on (http:\/\/[^ "]+\/graphql)/.exec(line);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      }
    });
  });
  return { child, url, output: () => out };
}

/** SIGTERM, then SIGKILL if it has not exited within 5 s; resolves to how it exited. */
async function stop(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode };
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  child.kill('SIGTERM');
  const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
  const how = await exited;
  clearTimeout(force);
  return how;
}

/** What a locator shows, with the editors' non-breaking spaces made plain. */
async function textOf(locator: Locator): Promise<string> {
  return (await locator.innerText()).replace(/\u00a0/g, ' ');
}

let server: Started | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH`);
  }
  server = await startMain();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (server) await stop(server.child);
});

describe('GraphiQL', () => {
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

      const executed = page.waitForResponse((r) => r.url().startsWith(url) && r.request().method() === 'POST' && (r.request().postData() ?? '').includes('JobTree'));
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

  it('the server behind it drains and exits 0 on SIGTERM, within 5 s', async () => {
    if (!server) throw new Error('not started');
    expect(await stop(server.child), server.output().slice(-2000)).toEqual({ code: 0, signal: null });
  });
});
