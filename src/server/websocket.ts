import type { IncomingMessage, Server } from 'node:http';
import { GraphQLError, type DocumentNode, type ExecutionArgs } from 'graphql';
import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Gateway } from './gateway.js';
import { webSocketOriginAllowed } from './origins.js';

interface Enveloped {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}

interface Extra {
  socket: WebSocket;
  request: IncomingMessage;
}

// graphql-ws's own keep-alive interval: a peer that does not answer a ping within it is dropped.
const KEEP_ALIVE_MS = 12_000;

/**
 * graphql-ws on the same /graphql path as HTTP and SSE. Each operation goes through yoga's
 * envelope, so it gets the same context (credentials, request id, loaders), limits and plugins.
 * Browsers cannot set headers on a WebSocket, so X-Auth-Token may also come in connectionParams.
 *
 * The glue between `ws` and graphql-ws is ours rather than graphql-ws's `useServer`, which prints
 * internal errors with console.error (multi-line, and with a connectionParams token in them when
 * `Headers.set` refused it): every line this process writes is a JSON log line.
 */
export function serveWebSocket(server: Server, gateway: Gateway, maxPayloadBytes: number): { close(): Promise<void> } {
  const { logger } = gateway;
  const wss = new WebSocketServer({
    server,
    path: '/graphql',
    maxPayload: maxPayloadBytes,
    handleProtocols,
    // WebSockets are outside CORS: without this any web page could subscribe with the gateway's AK/SK.
    verifyClient: ({ origin, req }, done) => {
      if (webSocketOriginAllowed(gateway.origins, origin, req.headers.host)) return done(true);
      done(false, 403, 'Origin not allowed');
    },
  });
  const options: ServerOptions<Record<string, unknown>, Extra> = {
    execute: (args) => (args.rootValue as Enveloped).execute(args) as never,
    subscribe: (args) => (args.rootValue as Enveloped).subscribe(args) as never,
    onConnect: (ctx) => {
      const problem = connectionParamsProblem(ctx.connectionParams);
      if (problem === undefined) return true;
      // 4400: the client's mistake. Closing first makes graphql-ws's own 4403 for `false` a no-op.
      ctx.extra.socket.close(CloseCode.BadRequest, problem);
      return false;
    },
    onSubscribe: async (ctx, _id, payload) => {
      try {
        // TRUSTED_DOCUMENTS_ONLY and document ids apply here too: graphql-ws never meets yoga's onParams.
        const text = gateway.operationText(payload);
        if (typeof text !== 'string') return [text];
        const request = requestOf(ctx.extra.request, ctx.connectionParams, closedSignal(ctx.extra.socket));
        const { schema, execute, subscribe, contextFactory, parse, validate } = gateway.yoga.getEnveloped({
          ...ctx,
          request,
          params: { ...payload, query: text },
        });
        let document: DocumentNode;
        try {
          document = parse(text);
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError('could not parse the query')];
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors;
        const args: ExecutionArgs = {
          schema,
          document,
          operationName: payload.operationName ?? null,
          variableValues: payload.variables ?? null,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe } satisfies Enveloped,
        };
        return args;
      } catch (error) {
        // A bug, not the client's doing: logged (as JSON), answered like yoga's masked errors.
        logger.error({ err: error }, 'websocket subscribe failed');
        return [new GraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })];
      }
    },
  };
  const graphqlWs = makeServer(options);

  // The http server's errors (a busy port) are re-emitted here; without a listener they would throw.
  wss.on('error', (error) => logger.error({ err: error }, 'websocket server error'));
  wss.on('connection', (socket, request) => {
    // An oversized or malformed frame: ws closes the socket itself (1009, 1002); this only records it.
    socket.on('error', (error) => logger.info({ err: { message: error.message } }, 'websocket closed on a protocol error'));
    let pongWait: NodeJS.Timeout | undefined;
    const ping = setInterval(() => {
      if (socket.readyState !== socket.OPEN) return;
      pongWait = setTimeout(() => socket.terminate(), KEEP_ALIVE_MS);
      socket.once('pong', () => clearTimeout(pongWait));
      socket.ping();
    }, KEEP_ALIVE_MS);
    const closed = graphqlWs.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (error) => (error ? reject(error) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', (data) => {
            handle(String(data)).catch((error: unknown) => {
              logger.error({ err: error }, 'websocket message handling failed');
              // No error text to the client: it may hold anything.
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            });
          }),
      },
      { socket, request },
    );
    socket.once('close', (code, reason) => {
      clearTimeout(pongWait);
      clearInterval(ping);
      void closed(code, String(reason));
    });
  });
  return {
    async close() {
      for (const client of wss.clients) client.close(1001, 'Going away');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

// One signal per socket, aborted when it closes: its operations' upstream calls are cancelled then.
const socketSignals = new WeakMap<WebSocket, AbortSignal>();

function closedSignal(socket: WebSocket): AbortSignal {
  let signal = socketSignals.get(socket);
  if (!signal) {
    const controller = new AbortController();
    socket.once('close', () => controller.abort());
    signal = controller.signal;
    socketSignals.set(socket, signal);
  }
  return signal;
}

const TOKEN_KEYS = ['X-Auth-Token', 'x-auth-token', 'authToken'] as const;
const REQUEST_ID_KEYS = ['X-Request-Id', 'x-request-id'] as const;
// An HTTP field value (RFC 9110): visible characters, spaces, tabs, obs-text. No CR, LF or NUL,
// which would end the header (or forge a log line) where it is written out again.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

function paramOf(params: Readonly<Record<string, unknown>> | undefined, keys: readonly string[]): unknown {
  for (const key of keys) if (params?.[key] !== undefined) return params[key];
  return undefined;
}

/** Why these connectionParams are refused, or undefined when they are fine. Never quotes a value. */
function connectionParamsProblem(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  for (const [name, keys] of [
    ['X-Auth-Token', TOKEN_KEYS],
    ['X-Request-Id', REQUEST_ID_KEYS],
  ] as const) {
    const value = paramOf(params, keys);
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' || !FIELD_VALUE.test(value)) return `${name} in connectionParams must be a valid HTTP header value`;
  }
  return undefined;
}

/** A Fetch Request carrying the upgrade's headers plus any token from connectionParams (checked by onConnect). */
function requestOf(upgrade: IncomingMessage, params: Readonly<Record<string, unknown>> | undefined, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(upgrade.headers)) {
    if (typeof value === 'string') headers.set(name, value);
  }
  // A blank token stays (as an empty header): a failed attempt to authenticate, never the gateway's AK/SK.
  const token = paramOf(params, TOKEN_KEYS);
  if (typeof token === 'string') headers.set('x-auth-token', token);
  const requestId = paramOf(params, REQUEST_ID_KEYS);
  if (typeof requestId === 'string') headers.set('x-request-id', requestId);
  // The URL is never used for routing; a fixed host keeps a hostile Host header out of it.
  return new Request('http://localhost/graphql', { headers, signal });
}
