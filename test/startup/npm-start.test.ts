/**
 * `npm start`, then `kill <npm's pid>` (what a process supervisor or a terminal's job control does):
 * the gateway must go with it, not stay behind as an orphan holding the port.
 * The first `npm start` of a checkout builds (prestart), hence the generous timeout.
 */
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, spawnProcess, type Spawned } from '../support/spawn.js';

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Whether something accepts connections on the port. */
function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

let npm: Spawned | undefined;
let port = 0;
afterAll(async () => {
  // Should the gateway have outlived npm, do not leave it behind: its process group goes.
  if (npm?.child.pid) {
    try {
      process.kill(-npm.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

describe('npm start', () => {
  it('kill <npm pid> stops the gateway too: the port is free again', async () => {
    port = await freePort();
    // Its own process group, so the test can clean up whatever is left of it.
    npm = spawnProcess(NPM, ['start'], { PORT: String(port), HOST: '127.0.0.1' }, { detached: true });
    await npm.waitFor(/listening on http/, 170_000);
    expect(await accepting(port)).toBe(true);

    process.kill(npm.child.pid!, 'SIGTERM');
    const how = await npm.exited(20_000);
    expect(how.code === 0 || how.signal === 'SIGTERM' || how.code === 143, JSON.stringify(how)).toBe(true);
    // The gateway inherited npm's stdout: the pipe closes only once the gateway has exited too.
    await npm.closed(20_000);
    expect(npm.output()).toMatch(/SIGTERM received, draining/);
    expect(await accepting(port), `the gateway still listens on ${port} after npm was killed`).toBe(false);
  }, 240_000);
});
