import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('subscription limits and connection hygiene settings', () => {
  it('have the documented defaults', () => {
    const config = loadConfig({});
    expect(config.watch.maxPollers).toBe(1000);
    expect(config.subscriptions).toEqual({ maxPerConnection: 100, maxPerPrincipal: 500, blockedMs: 30_000 });
    expect(config.server).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 4096,
      drainTimeoutMs: 15_000,
    });
  });

  it.each([
    ['MAX_POLLERS', { MAX_POLLERS: '0' }],
    ['MAX_SUBSCRIPTIONS_PER_CONNECTION', { MAX_SUBSCRIPTIONS_PER_CONNECTION: 'many' }],
    ['MAX_SUBSCRIPTIONS_PER_PRINCIPAL', { MAX_SUBSCRIPTIONS_PER_PRINCIPAL: '-5' }],
    ['SUBSCRIBER_BLOCKED_MS', { SUBSCRIBER_BLOCKED_MS: '10' }],
    ['HTTP_HEADERS_TIMEOUT_MS', { HTTP_HEADERS_TIMEOUT_MS: '5s' }],
    ['HTTP_REQUEST_TIMEOUT_MS', { HTTP_REQUEST_TIMEOUT_MS: '0' }],
    ['HTTP_KEEP_ALIVE_TIMEOUT_MS', { HTTP_KEEP_ALIVE_TIMEOUT_MS: '1.5' }],
    ['HTTP_MAX_CONNECTIONS', { HTTP_MAX_CONNECTIONS: '0' }],
    ['DRAIN_TIMEOUT_MS', { DRAIN_TIMEOUT_MS: 'soon' }],
    ['HTTP_HEADERS_TIMEOUT_MS', { HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '10000' }],
  ] as Array<[string, Record<string, string>]>)('%s: %j is refused, naming the variable', (name, env) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(name);
  });
});
