/**
 * The gateway as a web page on another origin sees it. With CLOUD_SDK_AK/SK set, token-less
 * requests are signed with the gateway's own keys, so anything a foreign page can make a visitor's
 * browser send must either be unreadable (no CORS headers) or refused before any upstream call
 * (CSRF: GETs and form posts that need no preflight; WebSocket upgrades, which CORS does not cover).
 * Every request carries a foreign `Origin`, over real HTTP and WebSocket on loopback, against the
 * simulator verifying the gateway's AK/SK signatures.
 */
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SIM_IDS, SIM_PROJECT_ID } from '../../src/simulator/server.js';
import { startSimulatedGateway, type TestGateway } from '../support/gateway.js';
import type { Simulator } from '../../src/simulator/server.js';

const EVIL = 'https://evil.example';
const APP = 'https://app.example.com';
const KEYS = { ak: 'BROWSERTESTAK00000000', sk: 'browser-test-secret-key-0123456789' };
const QUERY = `{ cceJob(projectId: "${SIM_PROJECT_ID}", jobId: "${SIM_IDS.cce.running}") { jobId state } }`;

let gw: TestGateway & { sim: Simulator };

beforeAll(async () => {
  gw = await startSimulatedGateway({ CLOUD_SDK_AK: KEYS.ak, CLOUD_SDK_SK: KEYS.sk, CORS_ORIGINS: APP }, { keys: KEYS });
});
afterAll(async () => {
  await gw?.close();
});
beforeEach(() => gw.sim.resetCalls());

async function send(init: { method?: string; path?: string; headers?: Record<string, string>; body?: string }) {
  const res = await request(`${gw.url}${init.path ?? '/graphql'}`, {
    method: (init.method ?? 'POST') as 'POST',
    headers: init.headers,
    body: init.body,
  });
  const text = await res.body.text();
  let json: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } = {};
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    // Some refusals (a preflight) have no body.
  }
  return { status: res.statusCode, headers: res.headers, text, json };
}

describe('CORS', () => {
  it('gives a foreign origin no CORS headers, on the answer or on a preflight', async () => {
    const answer = await send({ headers: { origin: EVIL, 'content-type': 'application/json' }, body: JSON.stringify({ query: QUERY }) });
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    expect(answer.headers['access-control-allow-credentials']).toBeUndefined();
    const preflight = await send({
      method: 'OPTIONS',
      headers: { origin: EVIL, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('allows an origin listed in CORS_ORIGINS, without credentials', async () => {
    const preflight = await send({
      method: 'OPTIONS',
      headers: { origin: APP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-auth-token' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBe(APP);
    expect(String(preflight.headers['access-control-allow-headers'])).toMatch(/x-auth-token/);
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();
    const answer = await send({ headers: { origin: APP, 'content-type': 'application/json' }, body: JSON.stringify({ query: QUERY }) });
    expect(answer.status).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBe(APP);
    expect(answer.json.data).toEqual({ cceJob: { jobId: SIM_IDS.cce.running, state: 'RUNNING' } });
  });
});

describe('requests a browser sends without a preflight', () => {
  const url = `/graphql?query=${encodeURIComponent(QUERY)}`;

  it('refuses a GET without a CSRF header, before any upstream call', async () => {
    const res = await send({ method: 'GET', path: url, headers: { origin: EVIL, accept: 'application/json' } });
    expect(res.status).toBe(403);
    expect(res.json.errors?.[0]?.extensions?.code).toBe('CSRF_HEADER_REQUIRED');
    expect(gw.sim.calls).toHaveLength(0);
  });

  it('serves a GET that carries X-GraphQL-Yoga-CSRF (a browser cannot add it cross-origin without a preflight)', async () => {
    const res = await send({ method: 'GET', path: url, headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1' } });
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual({ cceJob: { jobId: SIM_IDS.cce.running, state: 'RUNNING' } });
  });

  it('refuses form bodies (urlencoded and multipart) and text/plain, before any upstream call', async () => {
    const form = await send({
      headers: { origin: EVIL, 'content-type': 'application/x-www-form-urlencoded' },
      body: `query=${encodeURIComponent(QUERY)}`,
    });
    expect(form.status).toBe(415);
    expect(form.json.errors?.[0]?.extensions?.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const boundary = 'XBOUNDARY';
    const multipart = await send({
      headers: { origin: EVIL, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${JSON.stringify({ query: QUERY })}\r\n--${boundary}--\r\n`,
    });
    expect(multipart.status).toBe(415);
    const text = await send({ headers: { origin: EVIL, 'content-type': 'text/plain' }, body: JSON.stringify({ query: QUERY }) });
    expect(text.status).toBe(403);
    expect(gw.sim.calls).toHaveLength(0);
  });

  it('refuses a form post of a document the fast path has already prepared', async () => {
    // Twice as JSON: the second answer comes from the fast path, which now knows the document.
    for (let i = 0; i < 2; i++) {
      const ok = await send({ headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: QUERY }) });
      expect(ok.json.data).toBeTruthy();
    }
    gw.sim.resetCalls();
    for (const origin of [{ origin: EVIL }, {}] as Record<string, string>[]) {
      const form = await send({
        headers: {
          ...origin,
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': String(`query=${encodeURIComponent(QUERY)}`.length),
        },
        body: `query=${encodeURIComponent(QUERY)}`,
      });
      expect(form.status).toBe(415);
    }
    expect(gw.sim.calls).toHaveLength(0);
  });
});

describe('WebSocket upgrades', () => {
  function open(headers: Record<string, string>): Promise<{ opened: boolean; status?: number }> {
    return new Promise((resolve) => {
      const ws = new WebSocket(`${gw.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', { headers });
      ws.once('open', () => {
        ws.close();
        resolve({ opened: true });
      });
      ws.once('unexpected-response', (_req, res) => {
        resolve({ opened: false, status: res.statusCode });
        ws.terminate();
      });
      ws.once('error', () => resolve({ opened: false }));
    });
  }

  it('refuses a foreign origin', async () => {
    expect(await open({ origin: EVIL })).toEqual({ opened: false, status: 403 });
    expect(await open({ origin: 'null' })).toEqual({ opened: false, status: 403 });
  });

  it('accepts the gateway own origin, a listed origin, and clients that send no Origin', async () => {
    expect(await open({ origin: gw.url })).toEqual({ opened: true });
    expect(await open({ origin: APP })).toEqual({ opened: true });
    expect(await open({})).toEqual({ opened: true });
  });
});
