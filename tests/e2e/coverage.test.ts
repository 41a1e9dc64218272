// Service-centre coverage and the briefing button in the leader mode, in real Chromium against the real server
// over the real sample database (embedded PostGIS); nothing mocked, nothing reached beyond the loopback server.
// Screenshots land in /tmp/shots-briefing/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { FeatureCollection, Point } from 'geojson';
import type { RegionCoverage, UncoveredCompoundProps } from '$contract/coverage';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { client, login } from '../helpers/api.js';
import { DEMO_PASSWORD } from '../helpers/templates.js';
import { decodePng } from './png.js';
import { CHROMIUM_ARGS, READY, requireBuiltClient, refuseOffsite } from './browser.js';

const SHOTS = '/tmp/shots-briefing';
const TIMEOUT = 60_000;

interface MapHook {
  __map: { project(lngLat: [number, number]): { x: number; y: number } };
}

describe('coverage and briefing in the leader mode (Chromium)', () => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  let userDataDir: string;
  let context: BrowserContext;
  let page: Page;
  const offsite: string[] = [];
  const pageErrors: string[] = [];
  let street: string;

  /** Orange ring pixels (the uncovered highlight, #ff8c28) around a map position, in a fresh screenshot. */
  async function orangeAround(lngLat: [number, number]): Promise<number> {
    const { x, y } = await page.evaluate((p) => (window as unknown as MapHook).__map.project(p), lngLat);
    const box = (await page.locator('.map-area canvas').first().boundingBox())!;
    const png = decodePng(await page.screenshot());
    let n = 0;
    for (let dy = -10; dy <= 10; dy++) {
      for (let dx = -10; dx <= 10; dx++) {
        const px = Math.round(box.x + x + dx);
        const py = Math.round(box.y + y + dy);
        const i = (py * png.width + px) * 4;
        const [r, g, b] = [png.rgba[i], png.rgba[i + 1], png.rgba[i + 2]];
        if (r > 200 && g > 100 && g < 180 && b < 90) n++;
      }
    }
    return n;
  }

  beforeAll(async () => {
    requireBuiltClient();
    fs.mkdirSync(SHOTS, { recursive: true });
    server = await startTestServer({ backend: 'embedded' });
    api = client(server.url, await login(server.url, 'leader'));
    // The street with the most uncovered compounds at the default 1 km.
    const district = (await api.get('/api/coverage')).body as RegionCoverage;
    street = [...district.children].sort((a, b) => b.uncovered - a.uncovered)[0].code;
    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jinshui-e2e-coverage-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1600, height: 1000 },
      locale: 'zh-CN',
      acceptDownloads: true,
    });
    await refuseOffsite(context, server.url, offsite);
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${server.url}/?region=${street}`);
    await page.fill('input[name="username"]', 'leader');
    await page.fill('input[name="password"]', DEMO_PASSWORD);
    await page.click('button[type="submit"]');
    await page.waitForSelector(`.leader[data-region="${street}"][data-status="ready"]`, { timeout: TIMEOUT });
    await page.waitForSelector(READY, { timeout: TIMEOUT });
  });

  afterAll(async () => {
    await context?.close();
    if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
    await server?.close();
  });

  it("shows the street's coverage in the region panel, as the API computes it", async () => {
    const figures = (await api.get(`/api/coverage?region=${street}`)).body as RegionCoverage;
    expect(figures.uncovered).toBeGreaterThan(0);
    const kpi = page.locator('[data-testid="coverage-kpi"]');
    await expect.poll(() => kpi.getAttribute('data-uncovered'), { timeout: TIMEOUT }).toBe(String(figures.uncovered));
    const text = await kpi.innerText();
    expect(text).toContain('党群服务中心覆盖');
    expect(text).toContain(`${(Math.floor(figures.ratio! * 1000) / 10).toFixed(1)}%`);
    expect(text).toContain(`未覆盖楼院 ${figures.uncovered} / ${figures.compounds}`);
    await page.screenshot({ path: path.join(SHOTS, 'leader-coverage-kpi.png') });
  });

  it('rings the uncovered compounds on the map while the toggle is on, and only then', async () => {
    const fc = (await api.get(`/api/coverage/uncovered.geojson?region=${street}`)).body as FeatureCollection<Point, UncoveredCompoundProps>;
    const target = fc.features[0].geometry.coordinates as [number, number];
    const before = await orangeAround(target);

    await page.locator('[data-testid="coverage-toggle"] input').check();
    await expect.poll(() => page.locator('[data-testid="coverage-count"]').innerText(), { timeout: TIMEOUT }).toBe(String(fc.features.length));
    await expect.poll(() => orangeAround(target), { timeout: TIMEOUT }).toBeGreaterThan(before + 10);
    await page.screenshot({ path: path.join(SHOTS, 'leader-coverage-on.png') });

    await page.locator('[data-testid="coverage-toggle"] input').uncheck();
    await expect.poll(() => orangeAround(target), { timeout: TIMEOUT }).toBeLessThanOrEqual(before);
  });

  it('updates the coverage figure live when a community centre of the street is closed in the field', async () => {
    const kpi = page.locator('[data-testid="coverage-kpi"]');
    const before = (await api.get(`/api/coverage?region=${street}`)).body as RegionCoverage;
    // The street's open community centre whose closure uncovers the most of its compounds.
    const centres = await server.db.query<{ id: string }>(
      `SELECT id FROM service_centres WHERE level = 'community' AND status = 'open' AND region_code LIKE $1 || '%' ORDER BY id`,
      [street],
    );
    const admin = client(server.url, await login(server.url, 'admin'));
    let closed: { id: string; uncovered: number } | undefined;
    for (const { id } of centres) {
      const { version } = ((await admin.get(`/api/layers/service-centres/${id}`)).body as { properties: { version: number } }).properties;
      const res = await admin.patch(`/api/layers/service-centres/${id}`, { status: 'closed', version });
      expect(res.status).toBe(200);
      const after = (await api.get(`/api/coverage?region=${street}`)).body as RegionCoverage;
      if (after.uncovered > before.uncovered) {
        closed = { id, uncovered: after.uncovered };
        break;
      }
      const back = await admin.patch(`/api/layers/service-centres/${id}`, { status: 'open', version: res.body.feature.properties.version });
      expect(back.status).toBe(200);
    }
    expect(closed).toBeDefined();
    // No reload: the live change refreshes the region's figures, and the coverage with them.
    await expect.poll(() => kpi.getAttribute('data-uncovered'), { timeout: TIMEOUT }).toBe(String(closed!.uncovered));
    await page.screenshot({ path: path.join(SHOTS, 'leader-coverage-after-closure.png') });
  });

  it('downloads the briefing PDF from the 打印简报 button', async () => {
    const button = page.locator('[data-testid="briefing-button"]');
    expect(await button.innerText()).toContain('打印简报');
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: TIMEOUT }), button.click()]);
    const file = path.join(SHOTS, 'leader-download.pdf');
    await download.saveAs(file);
    expect(fs.readFileSync(file).subarray(0, 5).toString()).toBe('%PDF-');
    expect(download.suggestedFilename()).toMatch(new RegExp(`^简报-${street}-\\d{4}-\\d{2}-\\d{2}\\.pdf$`));
    expect(offsite).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
