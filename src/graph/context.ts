import type { CallContext } from '../http/upstream-client.js';

/**
 * Everything that depends on who is asking, created once per GraphQL request: credentials,
 * request id, and (lazily, per upstream) that upstream's loaders. Nothing like it lives in module
 * scope, so one caller's loaders and cached results can never serve another.
 */
export interface RequestContext {
  requestId: string;
  call: CallContext;
  /** The region used when a query names none. */
  defaultRegion: string;
  /**
   * A per-request value owned by `owner`, created on first use (an upstream's loaders). `create` is
   * given this context, so a caller can pass one function made once rather than a closure per call.
   */
  scoped<T>(owner: object, create: (context: RequestContext) => T): T;
}

export function createRequestContext(call: CallContext, defaultRegion: string): RequestContext {
  const values = new Map<object, unknown>();
  const context: RequestContext = {
    requestId: call.requestId,
    call,
    defaultRegion,
    scoped<T>(owner: object, create: (context: RequestContext) => T): T {
      let value = values.get(owner) as T | undefined;
      if (value === undefined) {
        value = create(context);
        values.set(owner, value);
      }
      return value;
    },
  };
  return context;
}
