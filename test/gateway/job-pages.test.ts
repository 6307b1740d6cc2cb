/**
 * The job page's routes over real HTTP (what the browser test in test/browser/job-page.test.ts
 * sees working): the shell, its two assets, the security headers, what is refused, the JOB_PAGES
 * switch and its default (GraphiQL's setting), and the hint in GraphiQL's example query.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { ConfigError, loadConfig } from '../../src/config.js';
import { exampleQuery } from '../../src/server/example-query.js';
import { SIM_IDS, SIM_PROJECT_ID } from '../../src/simulator/server.js';
import { cceGlobalId } from '../../src/upstreams/cce/map.js';
import { startSimulatedGateway, type TestGateway } from '../support/gateway.js';

const LIVE_ID = cceGlobalId({ api: 'v3', region: 'cn-north-4', projectId: SIM_PROJECT_ID, jobId: SIM_IDS.live.cce });

async function get(
  url: string,
  method: 'GET' | 'HEAD' | 'POST' = 'GET',
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const res = await request(url, { method });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

describe('job pages on (the default with GraphiQL on)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startSimulatedGateway();
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('GET /jobs/<id> serves the page shell with no job data in it, and locked-down headers', async () => {
    const res = await get(`${gw.url}/jobs/${LIVE_ID}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('<script type="module" src="/jobs/assets/job-page.js">');
    expect(res.body).toContain('<link rel="stylesheet" href="/jobs/assets/job-page.css">');
    // The id is read by the script from the URL: nothing from the request is echoed into the HTML.
    expect(res.body).not.toContain(LIVE_ID);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('GET /jobs serves the same shell (the id form); /jobs?id=… redirects to the job', async () => {
    const index = await get(`${gw.url}/jobs`);
    expect(index.status).toBe(200);
    expect(index.body).toContain('/jobs/assets/job-page.js');
    const redirect = await get(`${gw.url}/jobs?id=${LIVE_ID}`);
    expect(redirect.status).toBe(303);
    expect(redirect.headers.location).toBe(`/jobs/${LIVE_ID}`);
    // Not an id: no redirect anywhere, just the form again.
    const odd = await get(`${gw.url}/jobs?id=${encodeURIComponent('//evil.example/')}`);
    expect(odd.status).toBe(200);
    expect(odd.headers.location).toBeUndefined();
  });

  it('serves the script and the stylesheet from the gateway itself, referring to no other host', async () => {
    const js = await get(`${gw.url}/jobs/assets/job-page.js`);
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body).toContain('jobUpdated');
    expect(js.body).toContain('/graphql');
    // No innerHTML / outerHTML / insertAdjacentHTML / document.write in the page's own code.
    const own = js.body.slice(js.body.indexOf('// src/job-view/'));
    expect(own).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    const css = await get(`${gw.url}/jobs/assets/job-page.css`);
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.body).toContain('.state-FAILED');
    expect(css.body).not.toMatch(/url\(|@import|https?:\/\//);
  });

  it('refuses what is not a page: unknown assets, ids that are not ids, other methods', async () => {
    expect((await get(`${gw.url}/jobs/assets/other.js`)).status).toBe(404);
    expect((await get(`${gw.url}/jobs/${encodeURIComponent('<img src=x>')}`)).status).toBe(404);
    expect((await get(`${gw.url}/jobs/a/b`)).status).toBe(404);
    const post = await get(`${gw.url}/jobs/${LIVE_ID}`, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    const head = await get(`${gw.url}/jobs/${LIVE_ID}`, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('leaves every other route alone: /graphql and /health still answer', async () => {
    expect((await get(`${gw.url}/health`)).status).toBe(200);
    const res = await gw.query<{ job: { state: string } }>(`{ job(id: "${LIVE_ID}") { state } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data?.job.state).toMatch(/PENDING|RUNNING|SUCCEEDED/);
  });
});

describe('JOB_PAGES', () => {
  it('=false: /jobs and its assets are not served at all', async () => {
    const gw = await startSimulatedGateway({ JOB_PAGES: 'false' });
    try {
      expect((await get(`${gw.url}/jobs/${LIVE_ID}`)).status).toBe(404);
      expect((await get(`${gw.url}/jobs`)).status).toBe(404);
      expect((await get(`${gw.url}/jobs/assets/job-page.js`)).status).toBe(404);
    } finally {
      await gw.close();
    }
  });

  it('defaults to the GraphiQL setting; set, it wins; a bad value names the variable', () => {
    expect(loadConfig({}).jobPages).toBe(loadConfig({}).graphiql);
    expect(loadConfig({ GRAPHIQL: 'false' }).jobPages).toBe(false);
    expect(loadConfig({ GRAPHIQL: 'true' }).jobPages).toBe(true);
    expect(loadConfig({ GRAPHIQL: 'false', JOB_PAGES: 'true' }).jobPages).toBe(true);
    expect(loadConfig({ GRAPHIQL: 'true', JOB_PAGES: 'false' }).jobPages).toBe(false);
    expect(() => loadConfig({ JOB_PAGES: 'maybe' })).toThrow(ConfigError);
    expect(() => loadConfig({ JOB_PAGES: 'maybe' })).toThrow(/JOB_PAGES/);
  });

  it("GraphiQL's example points to the live demo job's page only when the pages are on", () => {
    expect(exampleQuery(SIM_PROJECT_ID, SIM_IDS.cce.deepTree, LIVE_ID, { jobPages: true })).toContain(`/jobs/${LIVE_ID}`);
    expect(exampleQuery(SIM_PROJECT_ID, SIM_IDS.cce.deepTree, LIVE_ID, { jobPages: false })).not.toContain('/jobs/');
  });
});

describe('npm start with the simulator', () => {
  it("logs the live demo job's page, and that page is served", async () => {
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (/_ENDPOINT$|^CLOUD_SDK_|^OTEL_|^GRAPHIQL$|^JOB_PAGES$|^PORT$|^HOST$|^LOG_LEVEL$|^NODE_ENV$/.test(key)) continue;
      env[key] = value;
    }
    Object.assign(env, { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', JOB_PAGES: 'true' });
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      const page = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no demo page logged within 30 s:\n${out}`)), 30_000);
        child.once('exit', (code) => reject(new Error(`main exited with ${code}:\n${out}`)));
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /"msg":"a live demo job's timeline: (http:\/\/[^ "]+)"/.exec(out);
          if (match?.[1]) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
      });
      expect(page).toMatch(new RegExp(`/jobs/${LIVE_ID}$`));
      const res = await get(page);
      expect(res.status).toBe(200);
      expect(res.body).toContain('/jobs/assets/job-page.js');
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }, 60_000);
});
