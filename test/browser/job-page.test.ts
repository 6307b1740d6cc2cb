/**
 * The job page in a real browser (headless Chromium through playwright-core) against a gateway on
 * the built-in simulator:
 * - a live job goes PENDING → RUNNING → SUCCEEDED on screen without a reload (rows appear, bars
 *   grow, colours change) and ends with a summary;
 * - a failing job shows its failed step's message;
 * - markup in upstream text is shown as text and never runs;
 * - connection trouble is said plainly; the token goes in a header, kept in sessionStorage, never the URL;
 * - /jobs takes a pasted id to the job's page.
 * Screenshots go to test/artifacts/ (job-page-start/middle/end.png, job-page-failed.png, ...).
 *
 * Needs Chrome or Chromium (test/support/browser.ts finds it): skipped with a notice without one,
 * failed instead under CI or REQUIRE_BROWSER=1.
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIM_CAE_ENVIRONMENT_ID, SIM_IDS, SIM_PROJECT_ID } from '../../src/simulator/server.js';
import { caeGlobalId } from '../../src/upstreams/cae/map.js';
import { cceGlobalId } from '../../src/upstreams/cce/map.js';
import { BROWSER_ARGS, browserForTests } from '../support/browser.js';
import { startSimulatedGateway, type TestGateway } from '../support/gateway.js';

const CHROMIUM = browserForTests('test/browser/job-page.test.ts');
const HAVE_CHROMIUM = CHROMIUM !== undefined;

const ARTIFACTS = new URL('../artifacts/', import.meta.url);
const REGION = 'cn-north-4';
const cce = (jobId: string): string => cceGlobalId({ api: 'v3', region: REGION, projectId: SIM_PROJECT_ID, jobId });
const cae = (jobId: string): string =>
  caeGlobalId({ region: REGION, projectId: SIM_PROJECT_ID, environmentId: SIM_CAE_ENVIRONMENT_ID, enterpriseProjectId: null, jobId });

/** As `npm start` runs the simulator: callers without a token are signed with keys the simulator checks. */
const KEYS = { ak: 'SIMJOBPAGETEST', sk: 'job-page-test-secret-key' };
const SIGNED = { CLOUD_SDK_AK: KEYS.ak, CLOUD_SDK_SK: KEYS.sk, JOB_PAGES: 'true', POLL_INTERVAL_MS: '100' };

/** Each step of the live job lasts this long: long enough to see every state, short enough for a test. */
const STEP_MS = 1500;

let gw: TestGateway | undefined;
let browser: Browser | undefined;

async function shot(page: Page, name: string): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: fileURLToPath(new URL(`${name}.png`, ARTIFACTS)), fullPage: true });
}

interface Watched {
  context: BrowserContext;
  page: Page;
  /** Every URL the page requested. */
  requested: string[];
  pageErrors: string[];
}

async function open(path: string): Promise<Watched> {
  if (!browser || !gw) throw new Error('not started');
  // Short: full-page screenshots are as tall as the page's content.
  const context = await browser.newContext({ viewport: { width: 1280, height: 480 } });
  const page = await context.newPage();
  const requested: string[] = [];
  const pageErrors: string[] = [];
  page.on('request', (r) => requested.push(r.url()));
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const response = await page.goto(`${gw.url}${path}`, { waitUntil: 'load' });
  expect(response?.status()).toBe(200);
  return { context, page, requested, pageErrors };
}

/** The root row's state, the number of rows, and each row's state, as the page shows them. */
async function view(page: Page): Promise<{ rows: number; states: string[]; rootBarPx: number; rootColor: string }> {
  return page.evaluate(() => {
    const rows = [...document.querySelectorAll<HTMLElement>('.row[data-depth]')];
    const bar = document.querySelector<HTMLElement>('.row[data-depth="0"] .bar');
    return {
      rows: rows.length,
      states: rows.map((r) => r.dataset.state ?? ''),
      rootBarPx: bar?.getBoundingClientRect().width ?? 0,
      rootColor: bar ? getComputedStyle(bar).backgroundColor : '',
    };
  });
}

function foreign(urls: string[]): string[] {
  return urls.filter((u) => {
    const { protocol, hostname } = new URL(u);
    if (protocol === 'data:' || protocol === 'blob:' || protocol === 'about:') return false;
    return hostname !== '127.0.0.1';
  });
}

beforeAll(async () => {
  if (!HAVE_CHROMIUM) return;
  gw = await startSimulatedGateway(SIGNED, { keys: KEYS, liveStepMs: STEP_MS, liveRestartAfterMs: 600_000 });
  browser = await chromium.launch({ executablePath: CHROMIUM!, args: BROWSER_ARGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await gw?.close();
});

describe.skipIf(!HAVE_CHROMIUM)('job page in Chromium', () => {
  it('follows a live job from PENDING through RUNNING to SUCCEEDED without a reload', async () => {
    const { context, page, requested, pageErrors } = await open(`/jobs/${cce(SIM_IDS.live.cce)}`);
    try {
      let navigations = 0;
      page.on('framenavigated', (frame) => frame === page.mainFrame() && navigations++);
      await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));

      // Rows appear: the job and its three sub-jobs, all waiting.
      await expect.poll(async () => (await view(page)).rows, { timeout: 15_000 }).toBe(4);
      const start = await view(page);
      expect(start.states[0]).toBe('PENDING');
      await expect.poll(() => page.locator('.status').getAttribute('data-kind')).toBe('live');
      await shot(page, 'job-page-start');

      // Running, with the first sub-jobs done: the bar has grown and changed colour.
      const runningWithAStepDone = (states: string[]): boolean => states[0] === 'RUNNING' && states.slice(1).includes('SUCCEEDED');
      await expect.poll(async () => runningWithAStepDone((await view(page)).states), { timeout: 20_000, interval: 100 }).toBe(true);
      const middle = await view(page);
      expect(middle.rootBarPx).toBeGreaterThan(start.rootBarPx);
      expect(middle.rootColor).not.toBe(start.rootColor);
      expect(await page.locator('.summary h1').innerText()).toContain('CreateCluster');
      await shot(page, 'job-page-middle');

      // Succeeded: every row green, a final summary, the subscription over.
      await expect
        .poll(async () => (await view(page)).states, { timeout: 20_000, interval: 100 })
        .toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
      const end = await view(page);
      expect(end.rootColor).not.toBe(middle.rootColor);
      expect(end.rootColor).toBe('rgb(31, 157, 85)');
      const outcome = page.locator('.outcome');
      await expect.poll(() => outcome.getAttribute('data-state')).toBe('SUCCEEDED');
      expect(await outcome.innerText()).toMatch(/^Succeeded after \d+ s\.$/);
      expect(await page.locator('.status').getAttribute('data-kind')).toBe('finished');
      expect(await page.locator('.status').innerText()).toContain('no more updates');
      await shot(page, 'job-page-end');

      expect(navigations).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
      expect(foreign(requested)).toEqual([]);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 90_000);

  it("shows a failing job's failed step and its message, in the row and in the summary", async () => {
    const { context, page, pageErrors } = await open(`/jobs/${cce(SIM_IDS.cce.failed)}`);
    try {
      const outcome = page.locator('.outcome');
      await expect.poll(() => outcome.getAttribute('data-state'), { timeout: 15_000 }).toBe('FAILED');
      const text = await outcome.innerText();
      expect(text).toMatch(/^Failed after 3 min 10 s\./);
      expect(text).toContain('CreateServer failed: ECS.0005: insufficient capacity');
      const row = page.locator('.row[data-state="FAILED"][data-depth="1"]');
      expect(await row.locator('.label').innerText()).toBe('CreateServer');
      expect(await row.locator('.message').innerText()).toBe('ECS.0005: insufficient capacity');
      // The raw upstream status is there on hover.
      expect(await row.locator('.state').getAttribute('title')).toContain('upstream status: Failed');
      await shot(page, 'job-page-failed');
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('shows markup from an upstream as text: no element is made from it and nothing in it runs', async () => {
    const { context, page, pageErrors } = await open(`/jobs/${cae(SIM_IDS.cae.hostile)}`);
    try {
      await expect.poll(() => page.locator('.outcome').getAttribute('data-state'), { timeout: 15_000 }).toBe('FAILED');
      const app = page.locator('#app');
      const text = await app.innerText();
      expect(text).toContain('<img src=x onerror="document.title=\'pwned\';window.__pwned=1"><script>window.__pwned=2</script> & "quoted"');
      expect(text).toContain('build <b>image</b>');
      expect(await app.locator('img, script, b').count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await page.title()).not.toBe('pwned');
      await shot(page, 'job-page-hostile');
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('sends a token only as the X-Auth-Token header, keeps it in sessionStorage and never in the URL', async () => {
    const { context, page } = await open(`/jobs/${cce(SIM_IDS.cce.success)}`);
    try {
      await expect.poll(() => page.locator('.outcome').getAttribute('data-state'), { timeout: 15_000 }).toBe('SUCCEEDED');
      const sent = page.waitForRequest((r) => r.url().endsWith('/graphql') && r.method() === 'POST');
      await page.fill('input[name="token"]', 'a-secret-token');
      await page.click('form.token button[type="submit"]');
      const request = await sent;
      expect(request.headers()['x-auth-token']).toBe('a-secret-token');
      expect(request.url()).not.toContain('a-secret-token');
      expect(page.url()).not.toContain('a-secret-token');
      expect(await page.evaluate(() => sessionStorage.getItem('job-gateway.token'))).toBe('a-secret-token');
      expect(await page.inputValue('input[name="token"]')).toBe('');
      // The simulator accepts the token: the job is read again with it.
      await expect.poll(() => page.locator('.outcome').getAttribute('data-state'), { timeout: 15_000 }).toBe('SUCCEEDED');
    } finally {
      await context.close();
    }
  }, 60_000);

  it('/jobs takes a pasted id to that job’s page', async () => {
    const { context, page } = await open('/jobs');
    try {
      await page.fill('input[name="id"]', `  ${cce(SIM_IDS.cce.deepTree)} `);
      await Promise.all([page.waitForURL(`**/jobs/${cce(SIM_IDS.cce.deepTree)}`), page.click('form.open-job button')]);
      await expect.poll(async () => (await view(page)).rows, { timeout: 15_000 }).toBe(10);
      expect(await page.locator('.summary h1').innerText()).toContain('ScaleupCluster');
      await shot(page, 'job-page-deep');
    } finally {
      await context.close();
    }
  }, 60_000);

  it('says plainly when the gateway goes away, and when the id is not a job id', async () => {
    if (!browser) throw new Error('not started');
    // A gateway of its own, stopped under the page.
    const doomed = await startSimulatedGateway(SIGNED, { keys: KEYS });
    let closed = false;
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    try {
      const page = await context.newPage();
      await page.goto(`${doomed.url}/jobs/${cce(SIM_IDS.cce.running)}`);
      const status = page.locator('.status');
      await expect.poll(() => status.getAttribute('data-kind'), { timeout: 15_000 }).toBe('live');
      closed = true;
      await doomed.close();
      await expect.poll(() => status.getAttribute('data-kind'), { timeout: 15_000 }).toBe('reconnecting');
      expect(await status.innerText()).toMatch(/^Connection lost: .+\. (Reconnecting in \d+ s|Reconnecting) \(attempt \d+\)/);
      // What was last seen stays on screen.
      expect(await page.locator('.row[data-depth="0"]').count()).toBe(1);
      await shot(page, 'job-page-connection-lost');

      if (!gw) throw new Error('not started');
      await page.goto(`${gw.url}/jobs/not-a-job-id`);
      await expect.poll(() => status.getAttribute('data-kind'), { timeout: 15_000 }).toBe('stopped');
      expect(await status.innerText()).toContain('id is not a job id returned by this API (BAD_USER_INPUT)');
    } finally {
      await context.close();
      if (!closed) await doomed.close();
    }
  }, 60_000);
});
