import type { Server } from 'node:net';

/** server.listen as a promise that rejects on the listen error (busy port, unknown host) instead of hanging. */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const failed = (error: Error) => reject(error);
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

/** What a person starting the gateway needs to read when it cannot listen: which variable to change. */
export function listenErrorMessage(error: unknown, port: number, host: string, portVariable = 'PORT'): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EADDRINUSE':
      return `port ${port} on ${host} is already in use (EADDRINUSE): stop what uses it or set ${portVariable} to a free port`;
    case 'EACCES':
      return `not allowed to listen on port ${port} (EACCES): ports below 1024 need privileges; set ${portVariable} to 1024 or above`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot listen on HOST "${host}": no such host name (${code}); set HOST to an address of this machine, e.g. 0.0.0.0 or 127.0.0.1`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on HOST "${host}": not an address of this machine (EADDRNOTAVAIL); set HOST to one, e.g. 0.0.0.0 or 127.0.0.1`;
    default:
      return `cannot listen on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`;
  }
}
