import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { configWarnings, editDistance, knownVariables, likelyMeant } from '../../src/config-warnings.js';

describe('production defaults', () => {
  it('NODE_ENV=production: GraphiQL, introspection and the subgraph SDL default off; explicit true turns each on', () => {
    const env = { NODE_ENV: 'production', CCE_ENDPOINT: 'https://cce.{region}.example.com' };
    expect(loadConfig(env)).toMatchObject({
      production: true,
      simulator: false,
      graphiql: false,
      introspection: false,
      subgraphSdl: false,
    });
    expect(loadConfig({ ...env, GRAPHIQL: 'true', INTROSPECTION: 'true' })).toMatchObject({
      graphiql: true,
      introspection: true,
      subgraphSdl: true,
    });
    expect(loadConfig({ ...env, SUBGRAPH_SDL: 'true' })).toMatchObject({ introspection: false, subgraphSdl: true });
  });

  it('elsewhere they default on, and SUBGRAPH_SDL follows INTROSPECTION unless set', () => {
    expect(loadConfig({})).toMatchObject({ production: false, simulator: true, graphiql: true, introspection: true, subgraphSdl: true });
    expect(loadConfig({ INTROSPECTION: 'false' })).toMatchObject({ introspection: false, subgraphSdl: false });
    expect(loadConfig({ INTROSPECTION: 'false', SUBGRAPH_SDL: 'true' })).toMatchObject({ subgraphSdl: true });
  });

  it('the simulator: the default only without endpoints outside production; contradictions are errors', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/CCE_ENDPOINT, CAE_ENDPOINT, CFW_ENDPOINT, DB_ENDPOINT.*SIMULATOR=true/);
    expect(loadConfig({ NODE_ENV: 'production', SIMULATOR: 'true' }).simulator).toBe(true);
    expect(() => loadConfig({ SIMULATOR: 'false' })).toThrow(ConfigError);
    expect(() => loadConfig({ SIMULATOR: 'true', CFW_ENDPOINT: 'http://x' })).toThrow(/unset CFW_ENDPOINT/);
    expect(loadConfig({ CFW_ENDPOINT: 'http://x' }).simulator).toBe(false);
  });

  it('METRICS_PORT and LOG_FORMAT are validated', () => {
    expect(loadConfig({}).metricsPort).toBeUndefined();
    expect(loadConfig({ METRICS_PORT: '9464' }).metricsPort).toBe(9464);
    expect(() => loadConfig({ METRICS_PORT: 'x' })).toThrow(/METRICS_PORT/);
    expect(loadConfig({}).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT/);
  });
});

describe('misspelt variables', () => {
  const known = knownVariables();
  it('knows what loadConfig reads, found by reading', () => {
    for (const name of [
      'PORT',
      'HOST',
      'CCE_ENDPOINT',
      'DB_ENDPOINT',
      'NODE_ENV',
      'SIMULATOR',
      'SUBGRAPH_SDL',
      'METRICS_PORT',
      'LOG_FORMAT',
      'OTEL_SERVICE_NAME',
    ]) {
      expect(known).toContain(name);
    }
  });
  it('suggests the known name for typos and case slips', () => {
    expect(editDistance('CCE_ENDPIONT', 'CCE_ENDPOINT')).toBe(1);
    expect(likelyMeant('CCE_ENDPIONT', known)).toBe('CCE_ENDPOINT');
    expect(likelyMeant('cce_endpoint', known)).toBe('CCE_ENDPOINT');
    expect(likelyMeant('UPSTREAM_TIMEOUT', known)).toBe('UPSTREAM_TIMEOUT_MS');
    expect(likelyMeant('GRAPHQL', known)).toBe('GRAPHIQL');
  });
  it('leaves everyday variables and known names alone', () => {
    for (const name of [
      'HOME',
      'PATH',
      'PWD',
      'HOSTNAME',
      'USER',
      'TERM',
      'LANG',
      'SHELL',
      'NODE_VERSION',
      'NODE_OPTIONS',
      'CCE_ENDPOINT',
      'CI',
      'TZ',
    ]) {
      expect(likelyMeant(name, known), name).toBeUndefined();
    }
  });
});

describe('configWarnings', () => {
  it('NODE_ENV=Production or prod is not production, and says so', () => {
    for (const value of ['Production', 'prod', 'PRODUCTION']) {
      const env = { NODE_ENV: value };
      expect(configWarnings(loadConfig(env), env)).toEqual([
        `NODE_ENV=${value} is not production: the production defaults apply only to NODE_ENV=production`,
      ]);
    }
    const env = { NODE_ENV: 'production', SIMULATOR: 'true' };
    expect(configWarnings(loadConfig(env), env)).toEqual([]);
  });
  it('the simulator needs no endpoints, so their absence is not warned about', () => {
    expect(configWarnings(loadConfig({}), {})).toEqual([]);
  });
});
