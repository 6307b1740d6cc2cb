import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('persisted documents configuration', () => {
  it('defaults: APQ on (1000 hashes, 16 MiB of text), no manifest', () => {
    const config = loadConfig({});
    expect(config.apq).toEqual({ enabled: true, maxEntries: 1000, maxBytes: 16 * 1024 * 1024 });
    expect(config.persistedDocuments).toBeNull();
  });

  it('APQ=false, APQ_MAX_ENTRIES and APQ_MAX_BYTES are read', () => {
    expect(loadConfig({ APQ: 'false', APQ_MAX_ENTRIES: '5', APQ_MAX_BYTES: '2048' }).apq).toEqual({
      enabled: false,
      maxEntries: 5,
      maxBytes: 2048,
    });
  });

  it.each([
    [{ APQ: 'maybe' }, /APQ must be true or false/],
    [{ APQ_MAX_ENTRIES: '0' }, /APQ_MAX_ENTRIES must be a whole number/],
    [{ APQ_MAX_BYTES: '12' }, /APQ_MAX_BYTES must be a whole number/],
    [{ TRUSTED_DOCUMENTS_ONLY: 'yes' }, /TRUSTED_DOCUMENTS_ONLY must be true or false/],
    [{ TRUSTED_DOCUMENTS_ONLY: 'true' }, /TRUSTED_DOCUMENTS_ONLY=true needs PERSISTED_DOCUMENTS/],
  ])('%j is refused', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('a manifest alone changes nothing else', () => {
    const config = loadConfig({ PERSISTED_DOCUMENTS: 'm.json' });
    expect(config.persistedDocuments).toEqual({ path: 'm.json', trustedOnly: false });
    expect([config.graphiql, config.introspection, config.apq.enabled]).toEqual([true, true, true]);
  });

  it('TRUSTED_DOCUMENTS_ONLY=true turns GraphiQL, introspection and APQ off by default', () => {
    const config = loadConfig({ PERSISTED_DOCUMENTS: 'm.json', TRUSTED_DOCUMENTS_ONLY: 'true' });
    expect(config.persistedDocuments).toEqual({ path: 'm.json', trustedOnly: true });
    expect([config.graphiql, config.introspection, config.apq.enabled]).toEqual([false, false, false]);
  });

  it('...but GRAPHIQL and INTROSPECTION set explicitly are kept', () => {
    const config = loadConfig({ PERSISTED_DOCUMENTS: 'm.json', TRUSTED_DOCUMENTS_ONLY: 'true', GRAPHIQL: 'true', INTROSPECTION: 'true' });
    expect([config.graphiql, config.introspection]).toEqual([true, true]);
  });
});
