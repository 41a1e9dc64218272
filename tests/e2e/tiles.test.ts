// The leader map and the wall on the vector-tile path, forced at 1× by a tile threshold of 0 (every layer then
// counts as large): points come from /tiles/… instead of /api/layers, and live changes, filters, the replay and
// the point detail must work as on the GeoJSON path. Real server (embedded PostGIS), real Chromium; colours are
// read from screenshot pixels at the point's projected position, since a WebGL canvas has no DOM to query.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { FeatureCollection, Point } from 'geojson';
import type { CampaignProgress } from '$contract/events';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { client, login } from '../helpers/api.js';
import { decodePng } from './png.js';
import { ARTIFACTS, CHROMIUM_ARGS, READY, requireBuiltClient, refuseOffsite } from './browser.js';
import { STORAGE_KEYS } from '../../client/src/lib/state/storage-keys.js';
import { defaultLayerSettings } from '../../client/src/modes/leader/layer-settings.js';
import { STATUS_COLORS } from '../../client/src/modes/leader/point-style.js';

const READY_TIMEOUT = 60_000;
const CAMPAIGN = 'unmanaged-compounds';
/** The compound under test must stand this far (px) from every other compound, so its pixel is its own. */
const CLEARANCE = 14;

type Compound = { id: string; name: string; status: string; version: number; lngLat: [number, number] };
type PointCollection = FeatureCollection<Point, { id: string; name: string; status: string; version: number }>;

interface MapHook {
  __map: { project(lngLat: [number, number]): { x: number; y: number } };
}

const hex = (h: string): [number, number, number] => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
const near = (a: readonly number[], b: readonly number[], tol = 24) => a.every((v, i) => Math.abs(v - b[i]) <= tol);

describe('map layers on vector tiles (threshold 0) in Chromium', () => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  let userDataDir: string;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  const offsite: string[] = [];
  /** Every tile and layer request of the page, in order. */
  const requests: string[] = [];
  let compound: Compound;

  const get = async <T>(p: string): Promise<T> => {
    const res = await api.get(p);
    if (res.status !== 200) throw new Error(`GET ${p}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as T;
  };
  const shot = (name: string, target: Page = page) => target.screenshot({ path: path.join(ARTIFACTS, name) });

  /** RGB of the page pixel at a map position (the centre of a drawn point), `dx` pixels to the right of it. */
  async function colourAt(target: Page, lngLat: [number, number], dx = 0): Promise<[number, number, number]> {
    const at = await target.evaluate((ll) => {
      const p = (window as unknown as MapHook).__map.project(ll);
      const rect = document.querySelector('[data-map-ready] canvas')!.getBoundingClientRect();
      return { x: Math.round(rect.left + p.x), y: Math.round(rect.top + p.y) };
    }, lngLat);
    const png = decodePng(await target.screenshot({ clip: { x: at.x + dx, y: at.y, width: 1, height: 1 } }));
    return [png.rgba[0], png.rgba[1], png.rgba[2]];
  }

  /** The map beside a point, left and right (the test's point lies inside one region fill, not on a border). */
  const beside = async (target: Page, lngLat: [number, number]) => [await colourAt(target, lngLat, -CLEARANCE / 2), await colourAt(target, lngLat, CLEARANCE / 2)];
  /** Nothing drawn at the point: its centre has the colour of the map beside it. */
  const bare = async (lngLat: [number, number]) => near(await colourAt(page, lngLat), (await beside(page, lngLat))[0], 10);

  async function settled() {
    await page.waitForSelector('.leader[data-region="410105"][data-status="ready"]', { timeout: READY_TIMEOUT });
    await page.waitForSelector(READY, { timeout: READY_TIMEOUT });
    await page.waitForFunction(() => !document.querySelector('[data-testid="layer-panel"] .spinner'), null, { timeout: READY_TIMEOUT });
  }

  beforeAll(async () => {
    requireBuiltClient();
    server = await startTestServer({ backend: 'embedded', config: { tileThreshold: 0 } });
    const token = await login(server.url, 'leader');
    api = client(server.url, token);
    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jinshui-e2e-tiles-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1920, height: 1080 },
      locale: 'zh-CN',
    });
    await refuseOffsite(context, server.url, offsite);
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname.startsWith('/tiles/') || u.pathname.startsWith('/api/layers/')) requests.push(u.pathname + u.search);
    });
    // Signed in, and only the compounds on: the point under test is then drawn by nothing but its own layer.
    await page.goto(server.url + '/');
    const settings = { ...defaultLayerSettings(), 'service-centres': { enabled: false, statuses: null, values: null }, disputes: { enabled: false, statuses: null, values: null }, compounds: { enabled: true, statuses: null, values: null } };
    await page.evaluate(
      ([keys, tok, s]) => {
        localStorage.setItem(keys.token, tok);
        localStorage.setItem(keys.leaderLayers, s);
      },
      [STORAGE_KEYS, token, JSON.stringify(settings)] as const,
    );
  });

  afterAll(async () => {
    await context?.close();
    if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
    await server?.close();
  });

  it('draws the compounds from vector tiles, not from one GeoJSON load', { timeout: 180_000 }, async () => {
    const config = await get<{ tileThreshold: number }>('/api/config');
    expect(config.tileThreshold).toBe(0);
    await page.goto(server.url + '/');
    await settled();
    expect(requests.some((r) => /^\/tiles\/compounds\/\d+\/\d+\/\d+\.mvt\?region=410105$/.test(r))).toBe(true);
    expect(requests.filter((r) => r.startsWith('/api/layers/compounds?'))).toEqual([]);
    expect(await page.locator('[data-layer="compounds"] [data-testid="layer-count"]').getAttribute('data-tiled')).toBe('true');

    // A pending compound standing alone on the bare map (no panel over it), drawn in its status colour.
    const all = (await get<PointCollection>('/api/layers/compounds?region=410105')).features;
    const screen = await page.evaluate((lls) => {
      const rect = document.querySelector('[data-map-ready] canvas')!.getBoundingClientRect();
      const canvas = document.querySelector('[data-map-ready] canvas');
      return lls.map((ll) => {
        const p = (window as unknown as MapHook).__map.project(ll);
        return { ...p, onMap: document.elementFromPoint(rect.left + p.x, rect.top + p.y) === canvas };
      });
    }, all.map((f) => f.geometry.coordinates as [number, number]));
    // …on a region fill unlike the compound colours the test looks for (a choropleth class may be amber too).
    const candidates = all
      .map((f, k) => ({ f, k }))
      .filter(({ f, k }) => f.properties.status === 'pending' && screen[k].onMap && screen.every((o, j) => j === k || Math.hypot(o.x - screen[k].x, o.y - screen[k].y) >= CLEARANCE));
    let i = -1;
    for (const { f, k } of candidates) {
      const [left, right] = await beside(page, f.geometry.coordinates as [number, number]);
      if (near(left, right, 6) && (['pending', 'in_progress', 'done'] as const).every((st) => !near(left, hex(STATUS_COLORS.compounds[st]), 60))) {
        i = k;
        break;
      }
    }
    const f = all[i];
    compound = { id: f.properties.id, name: f.properties.name, status: f.properties.status, version: f.properties.version, lngLat: f.geometry.coordinates as [number, number] };
    await page.waitForTimeout(300); // the last deck frame
    expect(near(await colourAt(page, compound.lngLat), hex(STATUS_COLORS.compounds.pending))).toBe(true);
    await shot('leader-tiles.png');
  });

  it('recolours a point in place on a live change, without fetching tiles again', async () => {
    const before = requests.length;
    const res = await api.patch(`/api/layers/compounds/${compound.id}`, { status: 'in_progress', version: compound.version });
    expect(res.status).toBe(200);
    compound.version = res.body.feature.properties.version;
    await expect.poll(() => colourAt(page, compound.lngLat).then((c) => near(c, hex(STATUS_COLORS.compounds.in_progress))), { timeout: 15_000 }).toBe(true);
    expect(requests.slice(before).filter((r) => r.startsWith('/tiles/'))).toEqual([]);
  });

  it('hides points of a status the filter turns off (asked of the server), and shows them again', async () => {
    const chip = page.locator('[data-layer="compounds"] .chip[data-status="in_progress"]');
    const before = requests.length;
    await chip.click();
    await settled();
    // The other statuses come from tiles filtered by the server; the live-changed point is hidden in the client.
    expect(requests.slice(before).some((r) => r.startsWith('/tiles/compounds/') && r.includes('status=normal,pending,done,verified'))).toBe(true);
    await expect.poll(() => bare(compound.lngLat)).toBe(true);
    await chip.click();
    await settled();
    await expect.poll(() => colourAt(page, compound.lngLat).then((c) => near(c, hex(STATUS_COLORS.compounds.in_progress)))).toBe(true);
    await expect.poll(() => bare(compound.lngLat)).toBe(false);
  });

  it('opens the detail of a point clicked on the tiles (a live override drawn over its hidden tile copy)', async () => {
    const p = await page.evaluate((ll) => {
      const q = (window as unknown as MapHook).__map.project(ll);
      const rect = document.querySelector('[data-map-ready] canvas')!.getBoundingClientRect();
      return { x: rect.left + q.x, y: rect.top + q.y };
    }, compound.lngLat);
    await page.mouse.click(p.x, p.y);
    await page.waitForURL((url) => url.searchParams.get('point') === `compounds/${compound.id}`, { timeout: 10_000 });
    await page.waitForSelector('[data-testid="point-detail"][data-status="ready"]', { timeout: READY_TIMEOUT });
    expect(await page.locator('[data-testid="point-name"]').innerText()).toBe(compound.name);
    await page.waitForTimeout(300);
    await shot('leader-tiles-detail.png');
    await page.click('[data-testid="point-detail-close"]');
    await page.waitForURL((url) => !url.searchParams.has('point'), { timeout: 10_000 });
  });

  it('replays the campaign from tiles as they stood then (at=), and returns to live', async () => {
    const { campaign } = await get<CampaignProgress>(`/api/campaigns/${CAMPAIGN}/progress?region=410105`);
    const then = await get<PointCollection>(`/api/layers/compounds?region=410105&at=${encodeURIComponent(campaign.startsAt)}`);
    const statusThen = then.features.find((f) => f.properties.id === compound.id)!.properties.status;
    expect(statusThen).not.toBe('in_progress');
    await page.goto(server.url + '/');
    await settled();
    const before = requests.length;
    await page.locator('[data-testid="replay-campaign"]').selectOption(CAMPAIGN);
    await page.click('[data-testid="replay-start"]');
    await page.waitForSelector('[data-testid="replay-banner"]');
    await settled();
    expect(requests.slice(before).some((r) => r.startsWith('/tiles/compounds/') && r.includes('at='))).toBe(true);
    await expect.poll(() => colourAt(page, compound.lngLat).then((c) => near(c, hex(STATUS_COLORS.compounds[statusThen])))).toBe(true);
    await shot('leader-tiles-replay.png');

    await page.click('[data-testid="replay-live"]');
    await settled();
    await expect.poll(() => colourAt(page, compound.lngLat).then((c) => near(c, hex(STATUS_COLORS.compounds.in_progress)))).toBe(true);
  });

  it('draws the wall from tiles; a live change replaces its tile copy (hidden in the tiles) without refetching tiles', async () => {
    const wall = await context.newPage();
    const wallRequests: string[] = [];
    wall.on('pageerror', (e) => pageErrors.push(e.message));
    wall.on('request', (r) => wallRequests.push(new URL(r.url()).pathname));
    const display = await login(server.url, 'display');
    await wall.goto(`${server.url}/wall?token=${encodeURIComponent(display)}`);
    await wall.waitForSelector('[data-testid="wall"][data-status="ready"]', { timeout: 90_000 });
    await wall.waitForSelector(READY, { timeout: 90_000 });
    await wall.waitForSelector('[data-testid="wall"][data-live-status="live"]', { timeout: 90_000 });
    expect(wallRequests.some((r) => r.startsWith('/tiles/compounds/'))).toBe(true);
    expect(wallRequests.filter((r) => r === '/api/layers/compounds')).toEqual([]);
    await wall.waitForTimeout(1500);
    await shot('wall-tiles.png', wall);

    const before = wallRequests.length;
    const res = await api.patch(`/api/layers/compounds/${compound.id}`, { status: 'done', version: compound.version });
    expect(res.status).toBe(200);
    compound.version = res.body.feature.properties.version;
    await expect
      .poll(() => wall.evaluate((id) => (window as unknown as { __wall: { point(l: string, i: string): { status: string } | null } }).__wall.point('compounds', id)?.status, compound.id), { timeout: 15_000 })
      .toBe('done');
    await shot('wall-tiles-flash.png', wall);
    // Drawn from the store over the tiles, which hide their copy (symbols overlap at wall scale: no pixel check).
    expect(await wall.evaluate(() => (window as unknown as { __wall: { tiled(): Record<string, number> } }).__wall.tiled())).toMatchObject({ compounds: 1 });
    expect(wallRequests.slice(before).filter((r) => r.startsWith('/tiles/'))).toEqual([]);
    await wall.close();
  }, 120_000);

  it('opens the detail of a GeoJSON-loaded point clicked where it is drawn over a tiled layer', { timeout: 120_000 }, async () => {
    // This page alone is told a threshold at the district's dispute count: the disputes (drawn on top) then load as
    // GeoJSON while the compounds stay on tiles.
    const stats = await get<{ compounds: { total: number }; disputes: { open: number; resolved: number } }>('/api/stats?region=410105');
    const threshold = stats.disputes.open + stats.disputes.resolved;
    expect(stats.compounds.total).toBeGreaterThan(threshold);
    const mixed = await context.newPage();
    const seen: string[] = [];
    mixed.on('pageerror', (e) => pageErrors.push(e.message));
    mixed.on('request', (r) => seen.push(new URL(r.url()).pathname));
    await mixed.route('**/api/config', async (route) => {
      const res = await route.fetch();
      await route.fulfill({ response: res, json: { ...(await res.json()), tileThreshold: threshold } });
    });
    const layers = { ...defaultLayerSettings(), 'service-centres': { enabled: false, statuses: null, values: null }, projects: { enabled: false, statuses: null, values: null }, 'temp-branches': { enabled: false, statuses: null, values: null }, disputes: { enabled: true, statuses: null, values: null }, compounds: { enabled: true, statuses: null, values: null } };
    const before = await page.evaluate((key) => localStorage.getItem(key), STORAGE_KEYS.leaderLayers);
    await mixed.goto(server.url + '/');
    await mixed.evaluate(([key, s]) => localStorage.setItem(key, s), [STORAGE_KEYS.leaderLayers, JSON.stringify(layers)] as const);
    await mixed.goto(server.url + '/');
    await mixed.waitForSelector('.leader[data-region="410105"][data-status="ready"]', { timeout: READY_TIMEOUT });
    await mixed.waitForSelector(READY, { timeout: READY_TIMEOUT });
    await mixed.waitForFunction(() => !document.querySelector('[data-testid="layer-panel"] .spinner'), null, { timeout: READY_TIMEOUT });
    expect(seen.some((r) => r.startsWith('/tiles/compounds/'))).toBe(true);
    expect(seen).toContain('/api/layers/disputes');
    expect(seen.some((r) => r.startsWith('/tiles/disputes/'))).toBe(false);

    // A dispute drawn right over a compound (the tiles draw one under it) and clear of every other dispute.
    const disputes = (await get<PointCollection>('/api/layers/disputes?region=410105')).features;
    const compounds = (await get<PointCollection>('/api/layers/compounds?region=410105')).features;
    const [ds, cs] = await mixed.evaluate(
      ([dl, cl]) => {
        const canvas = document.querySelector('[data-map-ready] canvas')!;
        const rect = canvas.getBoundingClientRect();
        const at = (ll: [number, number]) => {
          const p = (window as unknown as MapHook).__map.project(ll);
          return { x: rect.left + p.x, y: rect.top + p.y, onMap: document.elementFromPoint(rect.left + p.x, rect.top + p.y) === canvas };
        };
        return [dl.map(at), cl.map(at)];
      },
      [disputes.map((f) => f.geometry.coordinates as [number, number]), compounds.map((f) => f.geometry.coordinates as [number, number])] as const,
    );
    const k = ds.findIndex((d, i) => d.onMap && cs.some((c) => Math.hypot(c.x - d.x, c.y - d.y) <= 2) && ds.every((o, j) => j === i || Math.hypot(o.x - d.x, o.y - d.y) >= CLEARANCE));
    expect(k).toBeGreaterThanOrEqual(0);
    const dispute = disputes[k];

    await mixed.mouse.click(ds[k].x, ds[k].y);
    await mixed.waitForURL((url) => url.searchParams.get('point') === `disputes/${dispute.properties.id}`, { timeout: 10_000 });
    await mixed.waitForSelector('[data-testid="point-detail"][data-status="ready"]', { timeout: READY_TIMEOUT });
    expect(await mixed.locator('[data-testid="point-name"]').innerText()).toBe(dispute.properties.name);
    await shot('leader-tiles-mixed-detail.png', mixed);
    // The other tests' pages read the layer settings from the same storage.
    await mixed.evaluate(([key, s]) => (s === null ? localStorage.removeItem(key) : localStorage.setItem(key, s)), [STORAGE_KEYS.leaderLayers, before] as const);
    await mixed.close();
  });

  it('asked nothing off the loopback server and threw no page errors', () => {
    expect(offsite).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
