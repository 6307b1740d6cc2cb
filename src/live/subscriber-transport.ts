import type { ServerResponse } from 'node:http';

/** The parts of a `ws` WebSocket this module uses. */
interface WebSocketLike {
  readonly readyState: number;
  close(code: number, reason: string): void;
  terminate(): void;
}

/** Where a subscription's events go: the SSE response, or the WebSocket of a graphql-ws connection. */
export type SubscriberTransport = { kind: 'sse'; res: ServerResponse } | { kind: 'websocket'; socket: WebSocketLike } | { kind: 'unknown' };

const WS_CLOSED = 3;
/** 1008 Policy Violation: the client broke the gateway's rule of reading what it asked for. */
const WS_TOO_SLOW = 1008;

/**
 * The transport behind a subscription's context. Yoga's context carries the node:http `res` of an
 * SSE request (its server context), and websocket.ts passes graphql-ws's context, whose `extra.socket`
 * is the WebSocket.
 */
export function transportOf(context: object): SubscriberTransport {
  const { res, extra } = context as { res?: unknown; extra?: { socket?: unknown } };
  const socket = extra?.socket as Partial<WebSocketLike> | undefined;
  if (socket && typeof socket.terminate === 'function' && typeof socket.close === 'function') {
    return { kind: 'websocket', socket: socket as WebSocketLike };
  }
  if (res && typeof (res as Partial<ServerResponse>).destroy === 'function' && 'writableFinished' in (res as object)) {
    return { kind: 'sse', res: res as ServerResponse };
  }
  return { kind: 'unknown' };
}

/** What per-connection limits count against: the WebSocket (an SSE request is one subscription per connection). */
export function connectionOf(context: object): object | undefined {
  const transport = transportOf(context);
  return transport.kind === 'websocket' ? transport.socket : undefined;
}

/**
 * Closes a subscriber that stopped reading. Its stream ends with the reason as its last event (read
 * if it ever drains); the connection is closed with the reason at once over WebSocket, and cut after
 * `graceMs` if it has not finished by then, so it holds nothing for long either way.
 */
export function closeSubscriber(transport: SubscriberTransport, reason: string, graceMs: number): void {
  if (transport.kind === 'websocket') {
    const { socket } = transport;
    // A close reason is at most 123 bytes.
    if (socket.readyState !== WS_CLOSED) socket.close(WS_TOO_SLOW, Buffer.from(reason).subarray(0, 123).toString());
    setTimeout(() => {
      if (socket.readyState !== WS_CLOSED) socket.terminate();
    }, graceMs).unref();
  } else if (transport.kind === 'sse') {
    const { res } = transport;
    setTimeout(() => {
      if (!res.writableFinished) res.destroy();
    }, graceMs).unref();
  }
}
