/**
 * The job page: `GET /jobs/<global id>` shows a job and its sub-jobs as a live timeline,
 * `GET /jobs` asks for an id. Everything it needs is served from here (no CDN): one HTML shell
 * (no data in it; the script reads the id from the URL), one script and one stylesheet.
 *
 * The script is src/web/job-page.ts bundled for the browser: `npm run build` writes it to
 * dist/web/ next to this module's compiled copy. Run from source (tsx, tests) there is no bundle,
 * so it is built in memory with esbuild (a dev dependency) on first use, from the same entry points.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'graphql-yoga';

const WEB_DIR = new URL('../web/', import.meta.url);
const ASSET_PREFIX = '/jobs/assets/';
/** Global ids are base64url (src/model/ids.ts); anything else under /jobs/ is not a page. */
const GLOBAL_ID = /^[A-Za-z0-9_-]{1,2048}$/;

interface Asset {
  body: string;
  type: string;
}

type Assets = Record<'job-page.js' | 'job-page.css', Asset>;

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

const SHELL = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Job · job-gateway</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${ASSET_PREFIX}job-page.css">
<script type="module" src="${ASSET_PREFIX}job-page.js"></script>
</head>
<body>
<main id="app"><noscript>This page needs JavaScript: it follows the job over a live subscription.</noscript></main>
</body>
</html>
`;

/**
 * Same-origin everything; no inline script or style, so even markup that slipped into the DOM
 * could not run (the page itself only ever writes upstream strings as text).
 */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

async function loadBuilt(): Promise<Assets> {
  const read = async (name: string, type: string): Promise<Asset> => ({ body: await readFile(new URL(name, WEB_DIR), 'utf8'), type });
  return { 'job-page.js': await read('job-page.js', JS), 'job-page.css': await read('job-page.css', CSS) };
}

/** The same bundle `npm run build` makes (see package.json `build:web`), in memory. */
async function buildFromSource(): Promise<Assets> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [fileURLToPath(new URL('job-page.ts', WEB_DIR)), fileURLToPath(new URL('job-page.css', WEB_DIR))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir: fileURLToPath(WEB_DIR),
    write: false,
    logLevel: 'silent',
  });
  const pick = (ext: string, type: string): Asset => {
    const file = result.outputFiles.find((f) => f.path.endsWith(ext));
    if (!file) throw new Error(`esbuild made no ${ext} for the job page`);
    return { body: file.text, type };
  };
  return { 'job-page.js': pick('.js', JS), 'job-page.css': pick('.css', CSS) };
}

function loadAssets(): Promise<Assets> {
  return existsSync(new URL('job-page.js', WEB_DIR)) ? loadBuilt() : buildFromSource();
}

/** Serves the job pages (add it only when JOB_PAGES is on). */
export function useJobPages(): Plugin {
  let assets: Promise<Assets> | undefined;
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      const path = url.pathname;
      if (path !== '/jobs' && !path.startsWith('/jobs/')) return;
      const respond = (status: number, body: BodyInit | null, headers: Record<string, string>): void =>
        endResponse(
          new fetchAPI.Response(request.method === 'HEAD' ? null : body, { status, headers: { ...SECURITY_HEADERS, ...headers } }),
        );
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        return respond(405, 'Method Not Allowed\n', { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      }
      const html = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };
      if (path === '/jobs' || path === '/jobs/') {
        // The id form works without script too: GET /jobs?id=… goes to the job's page.
        const id = url.searchParams.get('id')?.trim();
        if (id && GLOBAL_ID.test(id)) return respond(303, null, { location: `/jobs/${id}` });
        return respond(200, SHELL, html);
      }
      if (path.startsWith(ASSET_PREFIX)) {
        const name = path.slice(ASSET_PREFIX.length);
        if (name !== 'job-page.js' && name !== 'job-page.css')
          return respond(404, 'Not Found\n', { 'content-type': 'text/plain; charset=utf-8' });
        assets ??= loadAssets();
        const current = assets;
        let all: Assets;
        try {
          all = await current;
        } catch (error) {
          if (assets === current) assets = undefined; // try again on the next request
          const reason = error instanceof Error ? error.message : String(error);
          return respond(500, `the job page's ${name} could not be loaded: ${reason}\n`, { 'content-type': 'text/plain; charset=utf-8' });
        }
        return respond(200, all[name].body, { 'content-type': all[name].type, 'cache-control': 'no-cache' });
      }
      const id = path.slice('/jobs/'.length);
      if (!GLOBAL_ID.test(id)) return respond(404, 'Not a job id\n', { 'content-type': 'text/plain; charset=utf-8' });
      return respond(200, SHELL, html);
    },
  };
}
