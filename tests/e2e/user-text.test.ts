// User text is rendered as text (issue 10, part 3): a point name and a change note carrying markup, imported and
// written through the API, and a region name carrying it, shown in real Chromium on the leader page (search,
// region panel, point detail and history), the wall's live feed and the admin user list. The markup must appear
// literally and never run (window.__xss stays undefined, no dialog opens). Real server on the embedded sample
// database; the browser may not reach anything but the loopback server.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { client, login } from '../helpers/api.js';
import { DEMO_PASSWORD } from '../helpers/templates.js';
import { ARTIFACTS, CHROMIUM_ARGS, READY, requireBuiltClient, refuseOffsite } from './browser.js';

/** Generous: the wall and the maps load slowly in software WebGL on a shared 2-core machine. */
const TIMEOUT = 120_000;
const TEST_TIMEOUT = 300_000;
const XSS = '<img src=x onerror=window.__xss=1><script>window.__xss=1</script>';

describe('user text in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let grid: string;
  let point: { id: string; version: number };
  const offsite: string[] = [];
  const dialogs: string[] = [];
  const pageErrors: string[] = [];

  /** A page in a fresh context (each mode keeps its own sign-in in storage) that records dialogs and errors. */
  async function open(url: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    contexts.push(context);
    await refuseOffsite(context, server.url, offsite);
    const page = await context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
    await page.goto(url);
    return page;
  }
  /** Screenshots are for people to look at: a slow one on a busy machine must not fail the test. */
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, name), timeout: 10_000 }).catch(() => undefined);
  const xssRan = (page: Page) => page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss !== undefined);
  /** The markup is in the DOM as text, not as elements. */
  const injected = (page: Page) => page.evaluate(() => document.querySelectorAll('img[src="x"], script:not([src])').length);

  beforeAll(async () => {
    requireBuiltClient();
    server = await startTestServer({ backend: 'embedded' });
    const [row] = await server.db.query<{ code: string; lon: number; lat: number }>(
      `SELECT code, ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat FROM regions
        WHERE level = 'grid' ORDER BY code LIMIT 1`,
    );
    grid = row.code;
    const admin = await login(server.url, 'admin');
    // The point arrives by the import API, the note by a PATCH; the region name is set in the database (a boundary
    // import replaces a whole level, which this test does not need to exercise).
    const file = {
      type: 'FeatureCollection',
      features: [{ type: 'Feature', properties: { name: XSS, kind: 'commercial', propertyService: 'red' }, geometry: { type: 'Point', coordinates: [row.lon, row.lat] } }],
    };
    const imported = await fetch(`${server.url}/api/imports?layer=compounds&filename=xss.geojson`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/geo+json' },
      body: JSON.stringify(file),
    });
    expect(imported.status, await imported.clone().text()).toBe(200);
    [point] = await server.db.query<{ id: string; version: number }>('SELECT id, version FROM compounds WHERE name = $1', [XSS]);
    expect(point).toBeDefined();
    await server.db.query('UPDATE regions SET name = $1 WHERE code = $2', [XSS, grid]);

    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await server?.close();
  });

  it('shows a change note and point name in the wall feed as text', async () => {
    const display = await login(server.url, 'display');
    const page = await open(`${server.url}/wall?token=${encodeURIComponent(display)}`);
    await page.waitForSelector('[data-testid="wall"][data-live-status="live"]', { timeout: TIMEOUT });
    const res = await client(server.url, await login(server.url, 'admin')).patch(`/api/layers/compounds/${point.id}`, {
      status: 'pending',
      version: point.version,
      note: XSS,
    });
    expect(res.status).toBe(200);
    const entry = page.locator(`[data-testid="change-feed"] li[data-seq="${res.body.seq}"]`);
    await entry.waitFor({ timeout: TIMEOUT });
    expect(await entry.locator('.name').innerText()).toBe(XSS);
    await shot(page, 'user-text-wall.png');
    expect(await xssRan(page)).toBe(false);
    expect(await injected(page)).toBe(0);
    await page.close();
  }, TEST_TIMEOUT);

  it('shows the names and the note on the leader page (region panel, search, point detail, history) as text', async () => {
    // Its own change with a note, so the history holds one whichever tests ran before.
    const admin = client(server.url, await login(server.url, 'admin'));
    const current = (await admin.get(`/api/layers/compounds/${point.id}`)).body.properties;
    const res = await admin.patch(`/api/layers/compounds/${point.id}`, { status: current.nextStatuses[0], version: current.version, note: XSS });
    expect(res.status).toBe(200);
    const page = await open(`${server.url}/?region=${grid}`);
    await page.fill('input[name="username"]', 'leader');
    await page.fill('input[name="password"]', DEMO_PASSWORD);
    await page.click('button[type="submit"]');
    await page.waitForSelector(`.leader[data-region="${grid}"][data-status="ready"]`, { timeout: TIMEOUT });
    await page.waitForSelector(READY, { timeout: TIMEOUT });
    expect(await page.locator('[data-testid="region-name"]').innerText()).toBe(XSS);

    await page.fill('[data-testid="search-input"]', 'onerror');
    const hit = page.locator(`[data-testid="search-results"] [data-kind="point"][data-code="${point.id}"]`);
    await hit.waitFor({ timeout: TIMEOUT });
    expect(await hit.locator('.name').innerText()).toBe(XSS);
    const region = page.locator(`[data-testid="search-results"] [data-kind="region"][data-code="${grid}"]`);
    expect(await region.locator('.name').innerText()).toBe(XSS);
    await hit.click();
    await page.waitForSelector('[data-testid="point-detail"][data-status="ready"]', { timeout: TIMEOUT });
    expect(await page.locator('[data-testid="point-name"]').innerText()).toBe(XSS);
    const note = page.locator('[data-testid="history-note"]').last();
    await note.waitFor({ timeout: TIMEOUT });
    expect(await note.innerText()).toContain(XSS);
    await shot(page, 'user-text-leader.png');
    expect(await xssRan(page)).toBe(false);
    expect(await injected(page)).toBe(0);
    await page.close();
  }, TEST_TIMEOUT);

  it('shows a region name in the admin user list as text', async () => {
    const page = await open(`${server.url}/admin`);
    await page.fill('input[name="username"]', 'admin');
    await page.fill('input[name="password"]', DEMO_PASSWORD);
    await page.click('button[type="submit"]');
    await page.waitForSelector('[data-testid="user-row"]', { timeout: TIMEOUT });
    await page.fill('[data-testid="users-filter"]', `grid-${grid}`);
    const row = page.locator(`[data-testid="user-row"][data-username="grid-${grid}"]`);
    await row.waitFor({ timeout: TIMEOUT });
    expect(await row.locator('.region').innerText()).toContain(XSS);
    await shot(page, 'user-text-admin.png');
    expect(await xssRan(page)).toBe(false);
    expect(await injected(page)).toBe(0);
    await page.close();
  }, TEST_TIMEOUT);

  it('never opened a dialog or reached off the loopback server', () => {
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(offsite).toEqual([]);
  });
});
