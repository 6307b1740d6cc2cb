import type { IncomingMessage, Server } from 'node:http';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Gateway } from './gateway.js';

interface Enveloped {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}

/**
 * graphql-ws on the same /graphql path as HTTP and SSE. Each operation goes through yoga's
 * envelope, so it gets the same context (credentials, request id, loaders), limits and plugins.
 * Browsers cannot set headers on a WebSocket, so X-Auth-Token may also come in connectionParams.
 */
export function serveWebSocket(server: Server, gateway: Gateway, maxPayloadBytes: number): { close(): Promise<void> } {
  const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: maxPayloadBytes });
  const disposable = useServer(
    {
      execute: (args) => (args.rootValue as Enveloped).execute(args) as never,
      subscribe: (args) => (args.rootValue as Enveloped).subscribe(args) as never,
      onSubscribe: async (ctx, _id, payload) => {
        // TRUSTED_DOCUMENTS_ONLY and document ids apply here too: graphql-ws never meets yoga's onParams.
        const text = gateway.operationText(payload);
        if (typeof text !== 'string') return [text];
        const request = requestOf(ctx.extra.request, ctx.connectionParams, closedSignal(ctx.extra.socket));
        const { schema, execute, subscribe, contextFactory, parse, validate } = gateway.yoga.getEnveloped({
          ...ctx,
          request,
          params: { ...payload, query: text },
        });
        let document;
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
      },
    },
    wss,
  );
  return {
    async close() {
      await disposable.dispose();
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

/** A Fetch Request carrying the upgrade's headers plus any token from connectionParams. */
function requestOf(upgrade: IncomingMessage, params: Readonly<Record<string, unknown>> | undefined, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(upgrade.headers)) {
    if (typeof value === 'string') headers.set(name, value);
  }
  const token = params?.['X-Auth-Token'] ?? params?.['x-auth-token'] ?? params?.authToken;
  if (typeof token === 'string' && token !== '') headers.set('x-auth-token', token);
  const requestId = params?.['X-Request-Id'] ?? params?.['x-request-id'];
  if (typeof requestId === 'string') headers.set('x-request-id', requestId);
  // The URL is never used for routing; a fixed host keeps a hostile Host header out of it.
  return new Request('http://localhost/graphql', { headers, signal });
}
