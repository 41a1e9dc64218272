// The leader drill-down (`/`) in real Chromium against the real server over the real sample database
// (embedded PostGIS): sign-in, drilling by map clicks, point layers, live updates, a point's history, the
// campaign replay and exports. Nothing is mocked; the browser may not reach anything but the loopback server.
// The steps share one signed-in page and run in order, as a leader would use it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { booleanPointInPolygon } from '@turf/turf';
import type { Feature, FeatureCollection, Geometry, MultiPolygon, Point, Polygon } from 'geojson';
import type { CampaignProgress } from '$contract/events';
import type { LayerName } from '$contract/layers';
import type { RegionDetail, RegionFeatureProps, RegionStats } from '$contract/regions';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { client, login } from '../helpers/api.js';
import { DEMO_PASSWORD } from '../helpers/templates.js';
import { decodePng } from './png.js';
import { ARTIFACTS, CHROMIUM_ARGS, READY, requireBuiltClient, refuseOffsite } from './browser.js';
import { labelPoint, bboxOf } from '../../client/src/lib/geo/geometry.js';
import { readStat, type StatsPath } from '../../client/src/modes/leader/kpis.js';
import { passesFilter, type LayerSettings } from '../../client/src/modes/leader/layer-settings.js';
import { STORAGE_KEYS } from '../../client/src/lib/state/storage-keys.js';

/** Software rendering plus a cold server: generous, every wait ends as soon as its condition holds. */
const READY_TIMEOUT = 60_000;
/** A click on the map must land this far (px) from any drawn point, or it would open the point instead. */
const POINT_CLEARANCE = 12;
const CAMPAIGN = 'unmanaged-compounds';

type RegionCollection = FeatureCollection<Polygon | MultiPolygon, RegionFeatureProps>;
type PointCollection = FeatureCollection<Geometry, Record<string, unknown> & { id: string; name: string; status: string; version: number }>;

/** Typed view of the page's `window.__map` hook (MapView.svelte), for use inside page.evaluate. */
interface MapHook {
  __map: { project(lngLat: [number, number]): { x: number; y: number } };
}

describe('leader drill-down in Chromium', () => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  let userDataDir: string;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  const offsiteRequests: string[] = [];
  /** The region path the drill-down test walked, district first. */
  const walked: string[] = [];
  /** The compound the live and history tests change. */
  let compound: { id: string; name: string; regionCode: string; version: number };

  const get = async <T>(p: string): Promise<T> => {
    const res = await api.get(p);
    if (res.status !== 200) throw new Error(`GET ${p}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as T;
  };
  const shot = (name: string, target: Page = page) => target.screenshot({ path: path.join(ARTIFACTS, name) });
  const regionParam = () => new URL(page.url()).searchParams.get('region');

  /** Waits until the page shows `code` with its map settled and the point layers loaded. */
  async function settled(code: string, target: Page = page) {
    await target.waitForSelector(`.leader[data-region="${code}"][data-status="ready"]`, { timeout: READY_TIMEOUT });
    await target.waitForSelector(READY, { timeout: READY_TIMEOUT });
    await target.waitForFunction(() => !document.querySelector('[data-testid="layer-panel"] .spinner'), null, { timeout: READY_TIMEOUT });
  }

  /** Every KPI tile on the page equals the API's figure for the region. */
  async function expectKpisMatch(code: string) {
    const stats = await get<RegionStats>(`/api/stats?region=${code}`);
    const tiles = await page.locator('[data-kpi]').evaluateAll((els) =>
      els.map((el) => ({ path: el.getAttribute('data-kpi')!, text: (el.querySelector('[data-testid="kpi-value"]') as HTMLElement).innerText })),
    );
    expect(tiles.length).toBeGreaterThanOrEqual(8);
    for (const tile of tiles) {
      const expected = readStat(stats, tile.path as StatsPath);
      expect(expected, `API figure for ${tile.path}`).not.toBeNull();
      expect(Number(tile.text.replace(/[,\s]/g, '')), `tile ${tile.path} of ${code}`).toBe(expected);
    }
  }

  /** Screen positions (map-canvas pixels) of the points the page draws for `code`, per its stored layer settings. */
  async function drawnPoints(code: string): Promise<{ x: number; y: number }[]> {
    const settings = JSON.parse((await page.evaluate((key) => localStorage.getItem(key), STORAGE_KEYS.leaderLayers)) ?? 'null') as LayerSettings | null;
    const enabled = settings ? (Object.entries(settings) as [LayerName, LayerSettings[LayerName]][]).filter(([, s]) => s.enabled) : [];
    const lngLats: [number, number][] = [];
    for (const [layer, filter] of enabled) {
      const fc = await get<PointCollection>(`/api/layers/${layer}?region=${code}`);
      for (const f of fc.features) if (f.geometry.type === 'Point' && passesFilter(layer, f.properties, filter)) lngLats.push((f.geometry as Point).coordinates as [number, number]);
    }
    return page.evaluate((lls) => lls.map((ll) => (window as unknown as MapHook).__map.project(ll)), lngLats);
  }

  /**
   * Clicks inside a child region of `code` on the map: at a spot inside the polygon, on the bare map canvas
   * (no panel or legend over it) and clear of every drawn point. Tries children in code order, and for each its
   * label point first, then a grid of interior points. Returns the child clicked.
   */
  async function clickChild(code: string): Promise<Feature<Polygon | MultiPolygon, RegionFeatureProps>> {
    const children = (await get<RegionCollection>(`/api/regions/${code}/children.geojson`)).features.sort((a, b) => a.properties.code.localeCompare(b.properties.code));
    expect(children.length).toBeGreaterThan(0);
    const points = await drawnPoints(code);
    const box = (await page.locator('[data-map-ready]').boundingBox())!;
    for (const child of children) {
      const [w, s, e, n] = bboxOf([child.geometry])!;
      const candidates: [number, number][] = [labelPoint(child.geometry)!];
      for (let i = 1; i < 8; i++) for (let j = 1; j < 8; j++) candidates.push([w + ((e - w) * i) / 8, s + ((n - s) * j) / 8]);
      for (const ll of candidates) {
        if (!booleanPointInPolygon(ll, child.geometry)) continue;
        const hit = await page.evaluate((lngLat) => {
          const p = (window as unknown as MapHook).__map.project(lngLat);
          const canvas = document.querySelector('[data-map-ready] canvas')!;
          const rect = canvas.getBoundingClientRect();
          return { x: p.x, y: p.y, onMap: document.elementFromPoint(rect.left + p.x, rect.top + p.y) === canvas };
        }, ll);
        if (!hit.onMap || points.some((p) => Math.hypot(p.x - hit.x, p.y - hit.y) < POINT_CLEARANCE)) continue;
        await page.mouse.click(box.x + hit.x, box.y + hit.y);
        return child;
      }
    }
    throw new Error(`no child of ${code} is clickable on the map`);
  }

  async function breadcrumbNames(): Promise<string[]> {
    return (await page.locator('[data-testid="breadcrumb"] li').allInnerTexts()).map((c) => c.replace('›', '').trim());
  }

  const campaignDone = async () => Number(await page.locator(`[data-campaign="${CAMPAIGN}"]`).getAttribute('data-done'));

  beforeAll(async () => {
    // The server serves whatever `vite build` left in dist/client; tests/run.sh builds it first.
    requireBuiltClient();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    server = await startTestServer({ backend: 'embedded' });
    api = client(server.url, await login(server.url, 'leader'));
    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jinshui-e2e-leader-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1920, height: 1080 },
      locale: 'zh-CN',
      acceptDownloads: true,
    });
    await refuseOffsite(context, server.url, offsiteRequests);
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  afterAll(async () => {
    await context?.close();
    if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
    await server?.close();
  });

  it('explains refused sign-ins in words: wrong password (401) and too many attempts (429)', async () => {
    await page.goto(server.url + '/');
    await page.waitForSelector('[data-testid="login"]');
    await shot('login.png');

    await page.fill('input[name="username"]', 'admin');
    await page.fill('input[name="password"]', 'not-the-password');
    await page.click('button[type="submit"]');
    await expect.poll(() => page.locator('[data-testid="login-error"]').innerText()).toBe('用户名或密码错误，请重新输入。');

    // The server allows 5 failures per username per 15 minutes; the next one is refused with a wait.
    for (let i = 0; i < 5; i++) {
      await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/auth/login')), page.click('button[type="submit"]')]);
    }
    await expect.poll(() => page.locator('[data-testid="login-error"]').innerText()).toMatch(/^登录失败次数过多，请 \d+ 秒后再试。$/);
  });

  it('signs in through the form and opens the district with its point layers', async () => {
    await page.fill('input[name="username"]', 'leader');
    await page.fill('input[name="password"]', DEMO_PASSWORD);
    await page.click('button[type="submit"]');
    await settled('410105');
    expect(await page.locator('[data-testid="user-badge"]').innerText()).toContain('leader');
    expect(await breadcrumbNames()).toEqual(['金水区']);
    await expectKpisMatch('410105');

    // Turn the unmanaged compounds on (the campaign's targets) through the layer panel.
    const compounds = page.locator('[data-testid="layer-panel"] [data-layer="compounds"]');
    await compounds.locator('[data-testid="layer-toggle"]').check();
    await compounds.locator('[data-testid="layer-attr-filter"]').selectOption('unmanaged');
    await settled('410105');
    const unmanaged = (await get<PointCollection>('/api/layers/compounds?region=410105')).features.filter((f) => f.properties.kind === 'unmanaged');
    await expect.poll(() => compounds.locator('[data-testid="layer-count"]').innerText()).toBe(unmanaged.length.toLocaleString('zh-CN'));
    await page.waitForTimeout(500); // let the last deck.gl frame land before the picture
    await shot('leader-1920.png');
  });

  it('keeps the compositor idle over the map: no backdrop blur, endless CSS animations only in steps', async () => {
    // Without a GPU (a wall PC, this machine) each frame of a smooth animation, and a backdrop blur over the map,
    // has the compositor redraw the whole screen, taking the CPU the map needs (bench/RESULTS-leader.md, notes).
    const found = await page.evaluate<{ blurred: string[]; smooth: string[] }>(`(() => {
      const blurred = [...document.querySelectorAll('*')]
        .filter((el) => getComputedStyle(el).backdropFilter !== 'none')
        .map((el) => el.className.toString());
      const smooth = [];
      const visit = (rules) => {
        for (const r of rules) {
          if (r.cssRules && !(r instanceof CSSKeyframesRule)) visit(r.cssRules);
          const st = r.style;
          // MapLibre's own rules (its geolocate control, not on this page) are not ours to judge.
          if (st && st.animationIterationCount === 'infinite' && !/^steps/.test(st.animationTimingFunction) && !r.selectorText.startsWith('.maplibregl-')) smooth.push(r.selectorText + ' ' + st.animationTimingFunction);
        }
      };
      for (const sheet of document.styleSheets) visit(sheet.cssRules);
      return { blurred, smooth };
    })()`);
    expect(found).toEqual({ blurred: [], smooth: [] });
  });

  it('drills from the district to a building group by clicks on the map; breadcrumb, URL and KPIs follow', async () => {
    walked.push('410105');
    const names = ['金水区'];
    for (const level of ['street', 'community', 'grid', 'building_group'] as const) {
      const parent = walked[walked.length - 1];
      const child = await clickChild(parent);
      expect(child.properties.level).toBe(level);
      const code = child.properties.code;
      await page.waitForURL((url) => url.searchParams.get('region') === code, { timeout: 10_000 });
      await settled(code);
      walked.push(code);
      names.push(child.properties.name);

      expect(regionParam()).toBe(code);
      expect(await breadcrumbNames()).toEqual(names);
      const detail = await get<RegionDetail>(`/api/regions/${code}`);
      expect(await page.locator('[data-testid="region-name"]').innerText()).toBe(detail.name);
      expect(await page.locator('[data-testid="party-org"]').innerText()).toContain(detail.partyOrg.secretary);
      await expectKpisMatch(code);
      if (level === 'street') await shot('leader-street.png');
    }
    expect(walked.map((c) => c.length)).toEqual([6, 9, 12, 14, 16]);
  });

  it('goes back up to the district by the breadcrumb', async () => {
    await page.locator('[data-testid="breadcrumb"] li').first().locator('a').click();
    await page.waitForURL((url) => !url.searchParams.has('region'), { timeout: 10_000 });
    await settled('410105');
    expect(await breadcrumbNames()).toEqual(['金水区']);
    await expectKpisMatch('410105');
  });

  it('names a point under the pointer, opens it on a click — not the region under it — and closes it again', async () => {
    const centres = (await get<PointCollection>('/api/layers/service-centres?region=410105')).features;
    const drawn = await drawnPoints('410105');
    const box = (await page.locator('[data-map-ready]').boundingBox())!;
    // A centre on the bare map with no other point drawn within reach, so the click can only mean it.
    for (const centre of centres) {
      const hit = await page.evaluate((lngLat) => {
        const p = (window as unknown as MapHook).__map.project(lngLat);
        const canvas = document.querySelector('[data-map-ready] canvas')!;
        const rect = canvas.getBoundingClientRect();
        return { x: p.x, y: p.y, onMap: document.elementFromPoint(rect.left + p.x, rect.top + p.y) === canvas };
      }, (centre.geometry as Point).coordinates as [number, number]);
      if (!hit.onMap || drawn.filter((p) => Math.hypot(p.x - hit.x, p.y - hit.y) < POINT_CLEARANCE).length !== 1) continue;

      // Hovering it first names it in the point tooltip (not the region's).
      await page.mouse.move(box.x + hit.x, box.y + hit.y);
      await expect.poll(() => page.locator('[role="tooltip"] .name').first().innerText().catch(() => '')).toBe(centre.properties.name);
      await page.mouse.click(box.x + hit.x, box.y + hit.y);
      await page.waitForURL((url) => url.searchParams.get('point') === `service-centres/${centre.properties.id}`, { timeout: 10_000 });
      await page.waitForSelector('[data-testid="point-detail"][data-status="ready"]', { timeout: READY_TIMEOUT });
      expect(regionParam()).toBeNull();
      expect(await page.locator('[data-testid="point-name"]').innerText()).toBe(centre.properties.name);
      expect(await page.locator('.leader').getAttribute('data-region')).toBe('410105');

      await page.click('[data-testid="point-detail-close"]');
      await page.waitForURL((url) => !url.searchParams.has('point'), { timeout: 10_000 });
      expect(await page.locator('[data-testid="point-detail"]').count()).toBe(0);
      return;
    }
    throw new Error('no service centre stands alone on the map');
  });

  it('updates the campaign progress live when a target is completed through the API', async () => {
    const targets = (await get<PointCollection>('/api/layers/compounds?region=410105&status=in_progress')).features.filter((f) => f.properties.kind === 'unmanaged');
    const target = targets[0];
    compound = { id: target.properties.id, name: target.properties.name, regionCode: String(target.properties.regionCode), version: target.properties.version };
    const before = await get<CampaignProgress>(`/api/campaigns/${CAMPAIGN}/progress?region=410105`);
    await expect.poll(campaignDone).toBe(before.done);
    const doneChip = page.locator('[data-layer="compounds"] .chip[data-status="done"] .n');
    const doneOnMap = Number((await doneChip.innerText()).replace(/,/g, ''));

    const res = await api.patch(`/api/layers/compounds/${compound.id}`, { status: 'done', version: compound.version, note: '楼院整治完成，居民验收满意' });
    expect(res.status).toBe(200);
    const after = await get<CampaignProgress>(`/api/campaigns/${CAMPAIGN}/progress?region=410105`);
    expect(after.done).toBe(before.done + 1);
    // Pushed over the socket: the point changes status in place on the map, then the figures are re-read
    // (debounced) — no reload, no click.
    await expect.poll(() => doneChip.innerText(), { timeout: 15_000 }).toBe((doneOnMap + 1).toLocaleString('zh-CN'));
    await expect.poll(campaignDone, { timeout: 15_000 }).toBe(after.done);
  });

  it('replays the campaign: at its start fewer targets were done than now, on the map and in the progress', async () => {
    const now = await get<CampaignProgress>(`/api/campaigns/${CAMPAIGN}/progress?region=410105`);
    await page.locator('[data-testid="replay-campaign"]').selectOption(CAMPAIGN);
    await page.click('[data-testid="replay-start"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="campaigns"]')?.getAttribute('data-at'), null, { timeout: 15_000 });
    const at = (await page.locator('[data-testid="campaigns"]').getAttribute('data-at'))!;
    const { campaign } = now;
    expect(Date.parse(at)).toBe(Date.parse(campaign.startsAt));
    await page.waitForSelector('[data-testid="replay-banner"]');

    const then = await get<CampaignProgress>(`/api/campaigns/${CAMPAIGN}/progress?region=410105&at=${encodeURIComponent(at)}`);
    expect(then.done).toBeLessThan(now.done);
    await expect.poll(campaignDone).toBe(then.done);

    // The map's compounds are those of that time too: the layer panel counts them from the replayed layer.
    await settled('410105');
    const doneThen = (await get<PointCollection>(`/api/layers/compounds?region=410105&status=done&at=${encodeURIComponent(at)}`)).features.filter(
      (f) => f.properties.kind === 'unmanaged',
    ).length;
    const chip = page.locator('[data-layer="compounds"] .chip[data-status="done"] .n');
    await expect.poll(() => chip.innerText()).toBe(doneThen.toLocaleString('zh-CN'));

    await page.click('[data-testid="replay-live"]');
    await expect.poll(campaignDone).toBe(now.done);
    await expect.poll(() => chip.innerText()).toBe((doneThen + 1).toLocaleString('zh-CN'));
  });

  it("opens a point found by search, with its full history: who, when, before → after and the note", async () => {
    await page.fill('[data-testid="search-input"]', compound.name);
    const result = page.locator(`[data-testid="search-results"] [data-kind="point"][data-code="${compound.id}"]`);
    await result.click();
    await page.waitForURL((url) => url.searchParams.get('point') === `compounds/${compound.id}`, { timeout: 10_000 });
    await settled(compound.regionCode);
    await page.waitForSelector('[data-testid="point-detail"][data-status="ready"]', { timeout: READY_TIMEOUT });

    const detail = page.locator('[data-testid="point-detail"]');
    expect(await detail.locator('[data-testid="point-name"]').innerText()).toBe(compound.name);
    expect(await detail.locator('[data-testid="point-status"]').innerText()).toBe('已整治');
    const history = await api.get(`/api/layers/compounds/${compound.id}/history`);
    expect(history.body.events).toHaveLength(1);
    const entries = detail.locator('[data-testid="point-history"] > li');
    await expect.poll(() => entries.count()).toBe(1);
    const entry = entries.first();
    expect(await entry.locator('[data-testid="history-actor"]').innerText()).toBe('leader');
    expect(await entry.locator('time').getAttribute('datetime')).toBe(history.body.events[0].at);
    const change = entry.locator('[data-testid="history-change"][data-key="status"]');
    expect((await change.innerText()).replace(/\s+/g, ' ')).toBe('状态 整治中 → 已整治');
    expect(await entry.locator('[data-testid="history-note"]').innerText()).toContain('楼院整治完成，居民验收满意');
    await page.waitForTimeout(300);
    await shot('leader-detail.png');
  });

  it('exports the region as CSV (server-made, Chinese headers) and the map as PNG', async () => {
    // Up to the compound's street, so the export has many rows including the compound.
    const street = compound.regionCode.slice(0, 9);
    await page.locator(`[data-testid="breadcrumb"] li[data-region-code="${street}"] a`).click();
    await settled(street);

    await page.click('[data-testid="export-button"]');
    await page.locator('[data-testid="export-layer"]').selectOption('compounds');
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="export-menu"] [data-format="csv"]')]);
    expect(csv.suggestedFilename()).toBe(`楼院-${street}.csv`);
    const bytes = fs.readFileSync((await csv.path())!);
    const text = bytes.toString('utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    expect(text.slice(1).split('\n')[0]).toMatch(/^编号,名称,状态,/);
    expect(text).toContain(compound.name);
    const fromApi = await fetch(`${server.url}/api/export/compounds?format=csv&region=${street}`, { headers: { authorization: `Bearer ${await login(server.url, 'leader')}` } });
    // Byte for byte what the server made (the BOM included, which Excel needs to read the Chinese).
    expect(bytes.equals(Buffer.from(await fromApi.arrayBuffer()))).toBe(true);

    await page.click('[data-testid="export-button"]');
    const [png] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="export-menu"] [data-format="png"]')]);
    expect(png.suggestedFilename()).toMatch(/\.png$/);
    const picture = decodePng(fs.readFileSync((await png.path())!));
    const box = (await page.locator('[data-map-ready]').boundingBox())!;
    // The map's own pixels plus the title and legend bands.
    expect(Math.abs(picture.width - box.width)).toBeLessThanOrEqual(2);
    expect(picture.height).toBeGreaterThan(box.height);
  });

  it('fits a phone screen (390×844)', async () => {
    const phone = await context.newPage();
    phone.on('pageerror', (e) => pageErrors.push(e.message));
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${server.url}/?region=${walked[1]}`);
    await settled(walked[1], phone);
    // Nothing sticks out sideways.
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot('leader-phone.png', phone);
    await phone.close();
  });

  it("signs out from the header; a coordinator then sees only their own grid and never asks for more", async () => {
    await page.click('[data-testid="logout"]');
    await page.waitForSelector('[data-testid="login"]');
    expect(await page.locator('[data-testid="login-expired"]').count()).toBe(0);

    const grid = walked[3];
    const refused: string[] = [];
    page.on('response', (r) => {
      if (r.status() === 403) refused.push(r.url());
    });
    // The page still points at a street (the URL of the export step); the coordinator must land on the grid.
    expect(regionParam()).toMatch(/^\d{9}$/);
    await page.fill('input[name="username"]', `grid-${grid}`);
    await page.fill('input[name="password"]', DEMO_PASSWORD);
    await page.click('button[type="submit"]');
    await settled(grid);
    expect(regionParam()).toBeNull();
    const detail = await get<RegionDetail>(`/api/regions/${grid}`);
    expect(await breadcrumbNames()).toEqual([detail.name]);
    expect(await page.locator('[data-testid="up"]').count()).toBe(0);
    await expectKpisMatch(grid);

    // A link to the district is clamped back to the grid as well.
    await page.goto(`${server.url}/?region=410105`);
    await settled(grid);
    expect(regionParam()).toBeNull();
    expect(refused).toEqual([]);

    expect(offsiteRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
