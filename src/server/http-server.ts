import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { HttpServerOptions } from '../config.js';

export interface HttpServer {
  server: Server;
  readonly draining: boolean;
  /**
   * Stops accepting connections; from now on every answer carries `Connection: close`, and each
   * connection is closed as soon as it is idle. Resolves once none is left, or at the deadline after
   * cutting those still open (`forced` says how many).
   */
  drain(deadlineMs?: number): Promise<{ forced: number }>;
}

/**
 * The gateway's node:http server, as main.ts runs it and the tests start it. Node's defaults hold a
 * connection that sends its headers or body a byte at a time for up to 60 s / 300 s, checked only
 * every 30 s, with no cap on connections: one slow client could hold thousands.
 */
export function createHttpServer(listener: RequestListener, options: HttpServerOptions): HttpServer {
  let draining = false;
  const sockets = new Set<Socket>();
  const answering = new Set<ServerResponse>();
  // biome-ignore lint/correctness/noUnusedVariables: read by the `??=` below (one sweep per tick)
  let idleSweep: NodeJS.Immediate | undefined;

  const server = createServer(
    {
      headersTimeout: options.headersTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      // How often node:http enforces the two timeouts above (default 30 s, longer than either here).
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(options.headersTimeoutMs / 4))),
    },
    // Every answer passes here, the fast path's as well as yoga's, so a drain reaches both.
    (req: IncomingMessage, res: ServerResponse) => {
      answering.add(res);
      res.once('close', () => answering.delete(res));
      if (draining) closeAfter(res);
      listener(req, res);
    },
  );
  server.keepAliveTimeout = options.keepAliveTimeoutMs;
  server.maxConnections = options.maxConnections;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  /** This answer says `Connection: close` (when its headers are not out yet) and its connection closes once idle. */
  function closeAfter(res: ServerResponse): void {
    if (!res.headersSent) res.setHeader('connection', 'close');
    // An answer whose handler set `Connection: keep-alive` itself (yoga does, for SSE) is closed here once finished.
    res.once('finish', () => {
      idleSweep ??= setImmediate(() => {
        idleSweep = undefined;
        server.closeIdleConnections();
      });
    });
  }

  return {
    server,
    get draining() {
      return draining;
    },
    async drain(deadlineMs = options.drainTimeoutMs) {
      draining = true;
      // Listen for 'close' before anything else: with no open connection it fires on the next tick.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const res of answering) closeAfter(res);
      server.closeIdleConnections();
      let forced = 0;
      const deadline = setTimeout(() => {
        forced = sockets.size;
        for (const socket of sockets) socket.destroy();
      }, deadlineMs);
      await closed;
      clearTimeout(deadline);
      return { forced };
    },
  };
}
