// How the built client reaches browsers: compressed static files that still revalidate (ETag → 304), no source
// maps, and what the leader page's first load costs on the wire in real Chromium against the real server
// (embedded PostGIS): once as a browser normally asks (Accept-Encoding), once with `x-no-compression` (what every
// request cost before compression). Bytes are the browser's own count (CDP encodedDataLength: headers and body as
// received); the table is printed for the README and the issue note.
import fs from 'node:fs';
import zlib from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { rawGet } from '../helpers/api.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { DEMO_PASSWORD } from '../helpers/templates.js';
import { CHROMIUM_ARGS, CLIENT_DIST, READY, requireBuiltClient } from './browser.js';

interface Load {
  /** Bytes on the wire (headers and body as received). */
  transferred: number;
  /** Bytes of the bodies after decoding. */
  decoded: number;
  /** Per request kind: geojson, json, js, css, html, other. */
  byKind: Record<string, { transferred: number; decoded: number; count: number; encodings: Set<string> }>;
}

const kindOf = (mime: string, url: string) =>
  /geo\+json/.test(mime) ? 'geojson' : /json/.test(mime) ? 'json' : /javascript/.test(mime) ? 'js' : /css/.test(mime) ? 'css' : /html/.test(mime) ? 'html' : `other (${mime || new URL(url).pathname})`;


/** Every file of the build, relative to dist/client. */
const builtFiles = (dir = CLIENT_DIST): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? builtFiles(path.join(dir, e.name)) : [path.relative(CLIENT_DIST, path.join(dir, e.name))]));

describe('client delivery', () => {
  let server: TestServer;

  beforeAll(async () => {
    requireBuiltClient();
    server = await startTestServer({ backend: 'embedded' });
  });
  afterAll(() => server?.close());

  it('ships no source maps: none in the build, and no served script points to one', async () => {
    const files = builtFiles();
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    const scripts = files.filter((f) => /\.m?js$/.test(f));
    expect(scripts.length).toBeGreaterThan(5);
    for (const file of scripts) {
      const res = await rawGet(`${server.url}/${file}`, { 'accept-encoding': 'br' });
      expect({ file, status: res.status }).toEqual({ file, status: 200 });
      const text = (res.headers['content-encoding'] === 'br' ? zlib.brotliDecompressSync(res.body) : res.body).toString('utf8');
      expect({ file, mapped: /sourceMappingURL/.test(text) }).toEqual({ file, mapped: false });
      expect(res.headers.sourcemap ?? res.headers['x-sourcemap']).toBeUndefined();
    }
  });

  it('serves the static client compressed, byte for byte, and still answers a revalidation with 304', async () => {
    const file = builtFiles().find((f) => /^assets\/.*\.js$/.test(f) && fs.statSync(path.join(CLIENT_DIST, f)).size > 100_000)!;
    const onDisk = fs.readFileSync(path.join(CLIENT_DIST, file));
    for (const [encoding, decode] of [['br', zlib.brotliDecompressSync], ['gzip', zlib.gunzipSync]] as const) {
      const res = await rawGet(`${server.url}/${file}`, { 'accept-encoding': encoding });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/javascript/);
      expect(res.headers['content-encoding']).toBe(encoding);
      expect(res.headers.vary?.toLowerCase()).toContain('accept-encoding');
      expect(res.body.length).toBeLessThan(onDisk.length / 2);
      expect(decode(res.body).equals(onDisk)).toBe(true);
      const etag = res.headers.etag!;
      expect(etag).toBeTruthy();
      const again = await rawGet(`${server.url}/${file}`, { 'accept-encoding': encoding, 'if-none-match': etag });
      expect(again.status).toBe(304);
      expect(again.body.length).toBe(0);
    }
    // The service worker and its manifest: compressed like the rest, and still never cached.
    for (const f of ['/sw.js', '/manifest.webmanifest', '/']) {
      const res = await rawGet(server.url + f, { 'accept-encoding': 'br' });
      expect({ f, status: res.status }).toEqual({ f, status: 200 });
      if (f !== '/') expect({ f, cache: res.headers['cache-control'] }).toEqual({ f, cache: 'no-cache' });
    }
    // A page the single-page client owns (index.html through the not-found handler) and a missing source map.
    const page = await rawGet(server.url + '/wall', { 'accept-encoding': 'gzip' });
    expect(page.status).toBe(200);
    expect((page.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(page.body) : page.body).toString('utf8')).toMatch(/<html/i);
    expect((await rawGet(`${server.url}/${file}.map`)).status).toBe(404);
  });

  /** Signs in on `/` in a fresh profile (empty cache) and sums every response until the district map is settled. */
  async function leaderLoad(headers: Record<string, string>): Promise<Load> {
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jinshui-e2e-transfer-'));
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1920, height: 1080 },
      locale: 'zh-CN',
      extraHTTPHeaders: headers,
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      const seen = new Map<string, { url: string; mime: string; encoding: string; decoded: number }>();
      const load: Load = { transferred: 0, decoded: 0, byKind: {} };
      cdp.on('Network.responseReceived', (e) => {
        const h = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
        seen.set(e.requestId, { url: e.response.url, mime: e.response.mimeType, encoding: h['content-encoding'] ?? 'identity', decoded: 0 });
      });
      cdp.on('Network.dataReceived', (e) => {
        const r = seen.get(e.requestId);
        if (r) r.decoded += e.dataLength;
      });
      cdp.on('Network.loadingFinished', (e) => {
        const r = seen.get(e.requestId);
        if (!r) return;
        const kind = kindOf(r.mime, r.url);
        const k = (load.byKind[kind] ??= { transferred: 0, decoded: 0, count: 0, encodings: new Set() });
        k.transferred += e.encodedDataLength;
        k.decoded += r.decoded;
        k.count++;
        k.encodings.add(r.encoding);
        load.transferred += e.encodedDataLength;
        load.decoded += r.decoded;
      });
      await page.goto(server.url + '/');
      await page.fill('input[name="username"]', 'leader');
      await page.fill('input[name="password"]', DEMO_PASSWORD);
      await page.click('button[type="submit"]');
      await page.waitForSelector('.leader[data-region="410105"][data-status="ready"]', { timeout: 60_000 });
      await page.waitForSelector(READY, { timeout: 60_000 });
      await page.waitForFunction(() => !document.querySelector('[data-testid="layer-panel"] .spinner'), null, { timeout: 60_000 });
      await page.waitForLoadState('networkidle');
      return load;
    } finally {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    }
  }

  it('sends the GeoJSON, JSON, scripts and styles compressed, at well under half the uncompressed bytes', async () => {
    const plain = await leaderLoad({ 'x-no-compression': '1' });
    const packed = await leaderLoad({});
    const kb = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
    const rows = Object.keys({ ...plain.byKind, ...packed.byKind })
      .sort()
      .map((k) => {
        const [a, b] = [plain.byKind[k], packed.byKind[k]];
        return `| ${k} | ${b?.count ?? a?.count} | ${kb(a?.transferred ?? 0)} | ${kb(b?.transferred ?? 0)} | ${[...(b?.encodings ?? [])].join(', ')} |`;
      });
    console.log(
      ['| kind | requests | uncompressed | compressed | encoding |', '|---|---|---|---|---|', ...rows, `| total | | ${kb(plain.transferred)} | ${kb(packed.transferred)} | |`].join('\n'),
    );

    // The same resources either way: only the encoding differs.
    expect(packed.decoded).toBeGreaterThan(plain.decoded * 0.9);
    expect(packed.transferred).toBeLessThan(plain.transferred * 0.5);
    for (const kind of ['geojson', 'js', 'css'] as const) {
      expect(packed.byKind[kind]?.encodings, kind).not.toContain('identity');
      expect(plain.byKind[kind]?.encodings, kind).toEqual(new Set(['identity']));
    }
  }, 240_000); // two cold leader loads in Chromium, one uncompressed: over the default 60 s on a loaded machine
});
