/**
 * `job-gateway watch`, the built command (dist/cli.js, as package.json `bin` runs it), against a
 * gateway on the built-in simulator: its exit codes (0 succeeded, 1 failed, 2 usage or connection
 * error, 3 timeout), its plain and JSON output, and its live tree in a real terminal (tmux).
 *
 * dist/ is rebuilt first when any source is newer than dist/cli.js. The tmux test is skipped with
 * a warning when /usr/bin/tmux is missing, and fails instead when CI is set.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printable } from '../../src/cli/display.js';
import { parseDuration } from '../../src/cli/watch.js';
import { SIM_CAE_ENVIRONMENT_ID, SIM_IDS, SIM_PROJECT_ID, type Simulator } from '../../src/simulator/server.js';
import { caeGlobalId } from '../../src/upstreams/cae/map.js';
import { cceGlobalId } from '../../src/upstreams/cce/map.js';
import { startSimulatedGateway, type TestGateway } from '../support/gateway.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const ARTIFACTS = new URL('../artifacts/', import.meta.url);
const TMUX = process.env.TMUX_PATH ?? '/usr/bin/tmux';
const HAVE_TMUX = existsSync(TMUX);
if (!HAVE_TMUX) {
  if (process.env.CI) throw new Error(`${TMUX} is missing and CI is set: install tmux (apt-get install -y tmux) or set TMUX_PATH`);
  console.warn(`SKIPPED the terminal test in test/cli/watch.test.ts: no tmux at ${TMUX}`);
}

const REGION = 'cn-north-4';
const KEYS = { ak: 'SIMWATCHTEST', sk: 'watch-test-secret-key' };
const cce = (jobId: string): string => cceGlobalId({ api: 'v3', region: REGION, projectId: SIM_PROJECT_ID, jobId });
const cae = (jobId: string): string =>
  caeGlobalId({ region: REGION, projectId: SIM_PROJECT_ID, environmentId: SIM_CAE_ENVIRONMENT_ID, enterpriseProjectId: null, jobId });

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The built command, as a pipeline runs it (stdout is a pipe, not a terminal). */
function run(args: string[], env: NodeJS.ProcessEnv = {}, command = [process.execPath, CLI]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const [bin = '', ...pre] = command;
    const child = spawn(bin, [...pre, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let gw: TestGateway & { sim: Simulator };
let url: string;

beforeAll(async () => {
  if (!existsSync(CLI) || statSync(CLI).mtimeMs < newestSource(`${ROOT}src`)) {
    const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
  }
  // The live job takes 4 steps of 400 ms and restarts 500 ms after it ends, so each test that watches it
  // sees it from the start. No terminal-job cache, or the gateway would keep answering the finished run.
  gw = await startSimulatedGateway(
    { CLOUD_SDK_AK: KEYS.ak, CLOUD_SDK_SK: KEYS.sk, POLL_INTERVAL_MS: '50', CACHE_MAX_ENTRIES: '0' },
    { keys: KEYS, liveStepMs: 400, liveRestartAfterMs: 500 },
  );
  url = `${gw.url}/graphql`;
}, 300_000);

afterAll(async () => {
  await gw?.close();
});

describe('job-gateway watch', () => {
  it('exits 0 when the job succeeds, printing one line per change as it happens', async () => {
    const r = await run(['watch', cce(SIM_IDS.live.cce), '--url', url]);
    expect(r.code, r.stderr).toBe(0);
    const root = r.stdout
      .split('\n')
      .filter((l) => / CreateCluster /.test(l))
      .map((l) => l.split(' ')[2]);
    expect(root).toEqual(['PENDING', 'RUNNING', 'SUCCEEDED']);
    // Each sub-job is reported as it changes, and each change once.
    const master = r.stdout
      .split('\n')
      .filter((l) => /^\S+ {3}InstallMaster /.test(l))
      .map((l) => l.trim().split(' ').at(-1));
    expect(master).toEqual(['PENDING', 'RUNNING', 'SUCCEEDED']);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(/^Succeeded in \d+ (ms|s)$/);
    expect(r.stdout).not.toContain('\u001b['); // not a terminal: no escape sequences
  }, 60_000);

  it('exits 1 when the job fails, naming the failed step and its message', async () => {
    const r = await run(['watch', cce(SIM_IDS.cce.failed), '--url', url]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('CreateServer FAILED - ECS.0005: insufficient capacity');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('Failed in 3 min 10 s (CreateServer failed: ECS.0005: insufficient capacity)');
  }, 60_000);

  it('exits 1 for a cancelled job, 0 for a skipped one', async () => {
    expect((await run(['watch', cae(SIM_IDS.cae.terminated), '--url', url])).code).toBe(1);
    expect((await run(['watch', cae(SIM_IDS.cae.skip), '--url', url])).code).toBe(0);
  }, 60_000);

  it('exits 2 on an id that is not a job id, and on a job the upstream does not have', async () => {
    const bad = await run(['watch', 'not-a-job-id', '--url', url]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('id is not a job id returned by this API (BAD_USER_INPUT)');
    const missing = await run(['watch', cce('00000000-0000-0000-0000-000000000000'), '--url', url]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('(NOT_FOUND)');
  }, 60_000);

  it('exits 2 at once when the gateway cannot be reached', async () => {
    const port = await closedPort();
    const r = await run(['watch', cce(SIM_IDS.cce.success), '--url', `http://127.0.0.1:${port}/graphql`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot reach the gateway at http://127.0.0.1:${port}/graphql`);
  }, 60_000);

  it('exits 2 on usage errors, with the usage', async () => {
    for (const args of [
      ['watch'],
      ['watch', 'a', 'b'],
      ['watch', 'x', '--timeout', 'soon'],
      ['watch', 'x', '--url', 'ftp://h/'],
      ['watch', 'x', '--nope'],
      ['frobnicate'],
    ]) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/usage: job-gateway/);
    }
    const help = await run(['watch', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes: 0 SUCCEEDED or SKIPPED, 1 FAILED or CANCELLED, 2 usage or connection error, 3 timeout.');
  }, 60_000);

  it('exits 3 when --timeout passes first', async () => {
    const r = await run(['watch', cce(SIM_IDS.cce.running), '--url', url, '--timeout', '1s']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('timed out after 1 s; the job is still RUNNING');
  }, 60_000);

  it('reads the URL and the token from the environment; the token goes to the upstream', async () => {
    gw.sim.resetCalls();
    const r = await run(['watch', cce(SIM_IDS.cce.success)], { JOB_GATEWAY_URL: url, HWC_TOKEN: 'watch-token' });
    expect(r.code, r.stderr).toBe(0);
    expect(gw.sim.calls.some((c) => c.headers['x-auth-token'] === 'watch-token')).toBe(true);
  }, 60_000);

  it('--json: one parseable object per change, then an end object with the exit code', async () => {
    await new Promise((r) => setTimeout(r, 600)); // past the restart delay, should the previous test have watched it
    const r = await run(['watch', cce(SIM_IDS.live.cce), '--url', url, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const jobs = lines.filter((l) => l.type === 'job');
    expect(jobs.map((l) => l.state)).toEqual(expect.arrayContaining(['PENDING', 'RUNNING', 'SUCCEEDED']));
    expect(jobs[0]?.state).toBe('PENDING');
    expect((jobs.at(-1)?.job as { subJobs: { state: string }[] } | undefined)?.subJobs.map((s) => s.state)).toEqual([
      'SUCCEEDED',
      'SUCCEEDED',
      'SUCCEEDED',
    ]);
    expect(lines.at(-1)).toMatchObject({ type: 'end', exitCode: 0, state: 'SUCCEEDED', failed: [] });
    for (const line of lines) expect(Date.parse(String(line.time))).not.toBeNaN();

    const failed = await run(['watch', cae(SIM_IDS.cae.hostile), '--url', url, '--json']);
    expect(failed.code).toBe(1);
    const end = JSON.parse(failed.stdout.trimEnd().split('\n').at(-1) ?? '') as { failed: { step: string; message: string }[] };
    expect(end.failed).toEqual([expect.objectContaining({ step: 'deploy', message: expect.stringContaining('<img src=x onerror=') })]);
  }, 60_000);

  it('runs the same through `npm run watch --` from the checkout', async () => {
    const r = await run(['--silent', 'watch', '--', cce(SIM_IDS.cce.failed), '--url', url], {}, ['npm', 'run']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('CreateServer failed');
  }, 60_000);

  it('never passes control characters from upstream text to a terminal', () => {
    expect(printable('ok\u001b[2J\u001b]0;title\u0007\r\nnext\u009b')).toBe('ok\ufffd[2J\ufffd]0;title\ufffd next\ufffd');
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('90')).toBe(90_000);
    expect(parseDuration('250ms')).toBe(250);
  });
});

describe.skipIf(!HAVE_TMUX)('job-gateway watch in a terminal (tmux)', () => {
  it('draws the job as a live tree with progress bars, redrawn in place, and exits 0', async () => {
    const socket = `watch-test-${process.pid}`;
    const tmux = (...args: string[]) => spawnSync(TMUX, ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
    // A slower live job than the other tests', so several frames can be seen while it runs.
    const slow = await startSimulatedGateway(
      { CLOUD_SDK_AK: KEYS.ak, CLOUD_SDK_SK: KEYS.sk, POLL_INTERVAL_MS: '100' },
      { keys: KEYS, liveStepMs: 1500 },
    );
    const command = `${process.execPath} ${CLI} watch ${cce(SIM_IDS.live.cce)} --url ${slow.url}/graphql; echo "EXIT=$?"; sleep 60`;
    const started = tmux('new-session', '-d', '-x', '120', '-y', '20', '-s', 'w', command);
    expect(started.status, started.stderr).toBe(0);
    try {
      const frames: string[] = [];
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const pane = tmux('capture-pane', '-p', '-t', 'w').stdout;
        if (frames.at(-1) !== pane) frames.push(pane);
        if (pane.includes('EXIT=')) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const last = frames.at(-1) ?? '';
      await mkdir(ARTIFACTS, { recursive: true });
      await writeFile(new URL('watch-tmux.txt', ARTIFACTS), frames.join('\n----- frame -----\n'));
      expect(last).toContain('EXIT=0');
      // A tree with bars while it ran...
      const running = frames.find((f) => /CreateCluster \(cluster-live-demo\)\s+RUNNING/.test(f));
      expect(running, frames.join('\n-----\n')).toBeDefined();
      expect(running).toMatch(/├─ . CreatePSMCert/);
      expect(running).toMatch(/└─ . InstallAddons/);
      expect(running).toMatch(/[█░]{20}/);
      // ...redrawn in place: the finished tree appears once, above the summary.
      expect(last.match(/CreateCluster \(cluster-live-demo\)/g)).toHaveLength(1);
      expect(last).toMatch(/✓ CreateCluster \(cluster-live-demo\)\s+SUCCEEDED\s+█{20}/);
      expect(last).toMatch(/Succeeded in \d+ s/);
    } finally {
      tmux('kill-server');
      await slow.close();
    }
  }, 60_000);
});
