// The first page (leader mode, `/`) in real Chromium against the real server over the real sample database
// (embedded PostGIS). Nothing is mocked; the browser may not reach anything but the loopback server.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { FeatureCollection, MultiPolygon, Polygon } from 'geojson';
import type { RegionFeatureProps } from '$contract/regions';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { login } from '../helpers/api.js';
import { decodePng } from './png.js';
import { ARTIFACTS, CHROMIUM_ARGS, READY, requireBuiltClient, refuseOffsite } from './browser.js';
import { PALETTES, METRIC_PALETTE } from '../../client/src/lib/map/choropleth.js';
import { labelPoint } from '../../client/src/lib/geo/geometry.js';
import { STORAGE_KEYS } from '../../client/src/lib/state/storage-keys.js';

/** Software rendering of the first frame plus a cold server: generous, the wait ends as soon as it is ready. */
const READY_TIMEOUT = 60_000;

type RegionCollection = FeatureCollection<Polygon | MultiPolygon, RegionFeatureProps>;

/** Typed view of the page's `window.__map` hook (MapView.svelte), for use inside page.evaluate. */
interface MapHook {
  __map: { project(lngLat: [number, number]): { x: number; y: number } };
}

describe('first page (leader mode) in Chromium', () => {
  let server: TestServer;
  let token: string;
  let userDataDir: string;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  const offsiteRequests: string[] = [];

  beforeAll(async () => {
    // The server serves whatever `vite build` left in dist/client; tests/run.sh builds it first.
    requireBuiltClient();
    server = await startTestServer({ backend: 'embedded' });
    token = await login(server.url, 'leader');
    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jinshui-e2e-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1920, height: 1080 },
      locale: 'zh-CN',
    });
    // No login form yet: hand the page a leader token the way the app stores it after signing in.
    await context.addInitScript(
      ([key, value]) => window.localStorage.setItem(key, value),
      [STORAGE_KEYS.token, token] as const,
    );
    await refuseOffsite(context, server.url, offsiteRequests);
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(server.url + '/');
    await page.waitForSelector(READY, { timeout: READY_TIMEOUT });
  });

  afterAll(async () => {
    await context?.close();
    if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
    await server?.close();
  });

  it('draws the district choropleth from our own data, offline', async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const png = await page.screenshot({ path: path.join(ARTIFACTS, 'first-page.png') });
    const box = (await page.locator('[data-map-ready]').boundingBox())!;
    const { width, rgba } = decodePng(png);

    // Fills are opaque (RegionFill.svelte), so away from edges and labels the pixels are exactly the palette's.
    const palette = PALETTES[METRIC_PALETTE.openDisputes].map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));
    const counts = new Array<number>(palette.length).fill(0);
    let total = 0;
    for (let y = Math.ceil(box.y); y < Math.floor(box.y + box.height); y++) {
      for (let x = Math.ceil(box.x); x < Math.floor(box.x + box.width); x++) {
        const o = (y * width + x) * 4;
        total++;
        const k = palette.findIndex(([r, g, b]) => Math.abs(rgba[o] - r) <= 4 && Math.abs(rgba[o + 1] - g) <= 4 && Math.abs(rgba[o + 2] - b) <= 4);
        if (k >= 0) counts[k]++;
      }
    }
    const coloured = counts.reduce((a, b) => a + b, 0);
    // The 19 streets cover a good part of the map area, in several classes (a choropleth, not one flat fill).
    expect(coloured / total).toBeGreaterThan(0.15);
    expect(counts.filter((n) => n > 500).length).toBeGreaterThanOrEqual(2);
    expect(offsiteRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('shows the seed figures of the district in the KPI tiles', async () => {
    const kpi = (path: string) => page.locator(`[data-kpi="${path}"] [data-testid="kpi-value"]`).innerText();
    expect(await kpi('serviceCentres.street')).toBe('11');
    expect(await kpi('serviceCentres.community500')).toBe('156');
    expect(await kpi('serviceCentres.community1000')).toBe('52');
    expect(await kpi('tempBranches.project')).toBe('316');
    expect(await kpi('tempBranches.compound')).toBe('647');
    expect(await kpi('regions.community')).toBe('214');
  });

  it('drills into a street when it is clicked on the map', async () => {
    const res = await fetch(`${server.url}/api/regions/410105/children.geojson`, { headers: { authorization: `Bearer ${token}` } });
    const streets = ((await res.json()) as RegionCollection).features.sort((a, b) => a.properties.code.localeCompare(b.properties.code));
    expect(streets).toHaveLength(19);

    // Click a street at its pole of inaccessibility (the point farthest from its edges, so safely inside it),
    // taking the first street, in code order, whose point is not covered by the legend or another overlay.
    const box = (await page.locator('[data-map-ready]').boundingBox())!;
    let target: { street: (typeof streets)[number]; x: number; y: number } | undefined;
    for (const street of streets) {
      const lngLat = labelPoint(street.geometry)!;
      const hit = await page.evaluate((ll) => {
        const p = (window as unknown as MapHook).__map.project(ll);
        const canvas = document.querySelector('[data-map-ready] canvas');
        const rect = canvas!.getBoundingClientRect();
        return { x: p.x, y: p.y, onMap: document.elementFromPoint(rect.left + p.x, rect.top + p.y) === canvas };
      }, lngLat);
      if (hit.onMap) {
        target = { street, x: box.x + hit.x, y: box.y + hit.y };
        break;
      }
    }
    expect(target, 'no street is clickable on the map').toBeDefined();
    const { street, x, y } = target!;
    await page.mouse.click(x, y);

    await page.waitForURL((url) => url.searchParams.get('region') === street.properties.code, { timeout: 10_000 });
    expect(new URL(page.url()).search).toMatch(/^\?region=4101050\d\d$/);
    await page.waitForSelector(READY, { timeout: READY_TIMEOUT });
    const crumbs = await page.locator('[data-testid="breadcrumb"] li').allInnerTexts();
    expect(crumbs.map((c) => c.replace('›', '').trim())).toEqual(['金水区', street.properties.name]);
  });

  it('goes back up to the district with the browser back button', async () => {
    await page.goBack();
    await page.waitForURL((url) => !url.searchParams.has('region'), { timeout: 10_000 });
    await page.waitForSelector(READY, { timeout: READY_TIMEOUT });
    expect(await page.locator('[data-testid="breadcrumb"] li').allInnerTexts()).toEqual(['金水区']);
    expect(await page.locator('[data-kpi="serviceCentres.street"] [data-testid="kpi-value"]').innerText()).toBe('11');
  });
});
