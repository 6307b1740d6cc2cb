/**
 * What a newcomer meets when the port is taken or HOST is wrong: the gateway exits non-zero at once with
 * one plain line naming the port or host, and leaves nothing listening (the built-in simulator included).
 */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnGateway } from '../support/spawn.js';

let busy: Server;
let port: number;
beforeAll(async () => {
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  port = (busy.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => busy.close(() => resolve()));
});

describe('listen errors', () => {
  it('a busy PORT: exit 1 at once, naming the port, with the simulator closed', async () => {
    const gateway = spawnGateway({ PORT: String(port), HOST: '127.0.0.1' });
    const how = await gateway.exited(30_000).finally(() => gateway.child.kill('SIGKILL'));
    expect(how, gateway.output()).toEqual({ code: 1, signal: null });
    expect(gateway.stderr()).toContain(`port ${port} on 127.0.0.1 is already in use`);
    expect(gateway.stderr()).toContain('PORT');
    expect(gateway.output()).not.toMatch(/Internal error emitted on the WebSocket server/);
    // Nothing was served: the simulator never got announced as serving, and the process is gone.
    expect(gateway.output()).not.toMatch(/listening on http/);
  }, 60_000);

  it('a HOST that is not an address of this machine: exit 1, naming the host', async () => {
    const gateway = spawnGateway({ PORT: '0', HOST: 'no-such-host.invalid' });
    const how = await gateway.exited(30_000).finally(() => gateway.child.kill('SIGKILL'));
    expect(how, gateway.output()).toEqual({ code: 1, signal: null });
    expect(gateway.stderr()).toMatch(/cannot listen on HOST "no-such-host\.invalid"/);
  }, 60_000);
});
