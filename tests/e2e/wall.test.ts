// The command-centre wall (`/wall`) in real Chromium against real server processes on real PostgreSQL +
// PostGIS, over copies of the sample district. Nothing is mocked; the browser may not reach anything but the
// loopback server. The second suite kills and restarts the server under an open wall.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Db } from '../../server/src/db/db.js';
import { createTestDatabase, openTestDb, type TestDatabase } from '../helpers/db.js';
import { freePort, startServerProcess, type Proc } from '../helpers/processes.js';
import { client, login } from '../helpers/api.js';
import { DEMO_PASSWORD } from '../helpers/templates.js';
import { decodePng } from './png.js';
import { ARTIFACTS, CHROMIUM_ARGS, READY, requireBuiltClient, refuseOffsite } from './browser.js';
import { PALETTES } from '../../client/src/lib/map/choropleth.js';

/** Software rendering of a whole wall plus a cold server: generous; waits end as soon as the page is ready. */
const READY_TIMEOUT = 90_000;
const WALL = '[data-testid="wall"]';

type Server = Proc & { url: string };

/** Typed view of the page's `window.__map` hook (MapView.svelte), for use inside page.evaluate. */
interface MapHook {
  __map: { getCenter(): { lng: number; lat: number } };
}

/** Typed view of the page's `window.__wall` hook (modes/wall/test-hook.ts), for use inside page.evaluate. */
interface WallHook {
  __wall: { point(layer: string, id: string): Record<string, unknown> | null };
}

/** A server process over its own copy of the sample database (postgres), on `port` when given. */
async function startServer(database: TestDatabase, port?: number): Promise<Server> {
  return startServerProcess({
    DATABASE_URL: database.databaseUrl!,
    // One DATA_DIR across restarts: the generated JWT secret lives there, so the wall's token stays valid.
    DATA_DIR: database.dataDir,
    DEMO_PASSWORD,
    ...(port ? { PORT: String(port) } : {}),
  });
}

/** A fresh browser context (own storage) that may only talk to `origin`; offsite requests are recorded. */
async function newWallContext(
  browser: Browser,
  origin: string,
  { viewport = { width: 1920, height: 1080 }, reducedMotion = 'no-preference' as 'reduce' | 'no-preference' } = {},
) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, locale: 'zh-CN', reducedMotion });
  const offsite: string[] = [];
  await refuseOffsite(context, origin, offsite);
  return { context, offsite };
}

async function openWall(context: BrowserContext, url: string, token: string, query = ''): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${url}/wall?token=${encodeURIComponent(token)}${query}`);
  await page.waitForSelector(`${WALL}[data-status="ready"]`, { timeout: READY_TIMEOUT });
  await page.waitForSelector(READY, { timeout: READY_TIMEOUT });
  await page.waitForSelector(`${WALL}[data-live-status="live"]`, { timeout: READY_TIMEOUT });
  return { page, errors };
}

/** A campaign target compound in a given status, with the grid whose coordinator may change it. */
async function pickCompound(db: Db, status: string): Promise<{ id: string; name: string; version: number; grid: string }> {
  const [row] = await db.query<{ id: string; name: string; version: number; grid: string }>(
    `SELECT id, name, version, left(region_code, 14) AS grid FROM compounds WHERE status = $1 ORDER BY id LIMIT 1`,
    [status],
  );
  if (!row) throw new Error(`no compound in status ${status}`);
  return row;
}

async function patchAsCoordinator(url: string, layer: string, target: { id: string; version: number; grid: string }, status: string) {
  const token = await login(url, `grid-${target.grid}`);
  const res = await client(url, token).patch(`/api/layers/${layer}/${target.id}`, { status, version: target.version, note: 'wall e2e' });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { seq: number; feature: { properties: Record<string, unknown> } };
}

const wallData = (page: Page) => page.locator(WALL).evaluate((el) => ({ ...(el as HTMLElement).dataset }));
const kpi = (page: Page, p: string) => page.locator(`[data-kpi="${p}"] [data-testid="kpi-value"]`).first().innerText();

describe('wall display in Chromium', () => {
  let database: TestDatabase;
  let server: Server;
  let db: Db;
  let browser: Browser;
  let context: BrowserContext;
  let offsite: string[];
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    requireBuiltClient();
    database = await createTestDatabase('postgres');
    server = await startServer(database);
    db = await openTestDb(database);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
    ({ context, offsite } = await newWallContext(browser, new URL(server.url).origin));
    ({ page, errors } = await openWall(context, server.url, await login(server.url, 'display')));
  });

  afterAll(async () => {
    await browser?.close();
    await db?.close();
    await server?.stop();
    await database?.drop();
  });

  it('starts from a display token, keeps it in the session and strips it from the address bar', async () => {
    expect(new URL(page.url()).pathname).toBe('/wall');
    expect(new URL(page.url()).searchParams.has('token')).toBe(false);
    expect(await page.evaluate(() => localStorage.getItem('jinshui.token'))).toBeTruthy();
    expect(await page.locator('[data-testid="wall-title"]').innerText()).toBe('金水区党建引领基层治理指挥中心');
  });

  it('draws the street choropleth (campaign completion) from our own data, offline', async () => {
    const png = await page.screenshot();
    const box = (await page.locator('[data-map-ready]').boundingBox())!;
    const { width, rgba } = decodePng(png);
    // Region fills are opaque, so away from points, hexagons and labels the pixels are the palette's exactly.
    const palette = PALETTES.capacity.map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));
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
    expect(await page.locator('[data-map-ready]').getAttribute('data-map-ready')).toBe('true');
    // 19 streets in several completion classes fill a good part of the map, around the points drawn over them.
    // (The real outline is wider than tall: the overview is width-bound and leaves bands above and below.)
    expect(counts.reduce((a, b) => a + b, 0) / total).toBeGreaterThan(0.12);
    expect(counts.filter((n) => n > 500).length).toBeGreaterThanOrEqual(3);
    expect(await page.locator('[data-testid="campaign-chart"]').getAttribute('data-streets')).toBe('19');
    expect(offsite).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('shows the seed figures in the KPI tiles, read from /api/stats', async () => {
    expect(await kpi(page, 'tempBranches.project')).toBe('316');
    expect(await kpi(page, 'tempBranches.compound')).toBe('647');
    expect(await kpi(page, 'serviceCentres.street')).toBe('11');
    expect(await kpi(page, 'serviceCentres.community500')).toBe('156');
    expect(await kpi(page, 'serviceCentres.community1000')).toBe('52');
    expect(await kpi(page, 'regions.street')).toBe('19');
    expect(await kpi(page, 'regions.community')).toBe('214');
    // The rest agree with the server's own figures (computed from the database, not constants).
    const stats = (await client(server.url, await login(server.url, 'display')).get('/api/stats')).body;
    expect(await kpi(page, 'disputes.open')).toBe(String(stats.disputes.open));
    expect(await kpi(page, 'disputes.overdue')).toBe(String(stats.disputes.overdue));
    expect(await kpi(page, 'projects.total')).toBe(String(stats.projects.total));
  });

  it('shows a PATCH made through the API within 1 s: a feed entry naming it, the point updated and flashing', async () => {
    const target = await pickCompound(db, 'pending');
    const started = Date.now();
    const { seq } = await patchAsCoordinator(server.url, 'compounds', target, 'in_progress');
    const entry = page.locator(`[data-testid="change-feed"] li[data-seq="${seq}"]`);
    await entry.waitFor({ timeout: 1000 });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(1000);

    const text = await entry.innerText();
    expect(text).toContain(target.name);
    expect(text).toContain('待整治');
    expect(text).toContain('整治中');
    expect(await entry.getAttribute('data-feature-id')).toBe(target.id);
    // Newest on top.
    expect(await page.locator('[data-testid="change-feed"] li').first().getAttribute('data-seq')).toBe(String(seq));

    const data = await wallData(page);
    expect(Number(data.lastSeq)).toBe(seq);
    expect(Number(data.flashing)).toBeGreaterThanOrEqual(1);
    const point = await page.evaluate(([id]) => (window as unknown as WallHook).__wall.point('compounds', id), [target.id] as const);
    expect(point).toMatchObject({ id: target.id, status: 'in_progress', version: target.version + 1 });
    // The flash ends by itself (2 s): no ring is left behind to pile up.
    await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('data-flashing') === '0', WALL, { timeout: 5000 });
  });

  it('refetches the server-computed figures after changes (KPI tiles, campaign progress)', async () => {
    const openBefore = Number(await page.locator('[data-kpi="disputes.open"]').getAttribute('data-value'));
    const doneBefore = Number(await page.locator('[data-testid="campaign-overall"]').getAttribute('data-done'));
    const [dispute] = await db.query<{ id: string; version: number; grid: string }>(
      `SELECT id, version, left(region_code, 14) AS grid FROM disputes WHERE status = 'mediating' ORDER BY id LIMIT 1`,
    );
    await patchAsCoordinator(server.url, 'disputes', dispute, 'resolved');
    await patchAsCoordinator(server.url, 'compounds', await pickCompound(db, 'in_progress'), 'done');

    await page.waitForSelector(`[data-kpi="disputes.open"][data-value="${openBefore - 1}"]`, { timeout: 10_000 });
    await page.waitForSelector(`[data-testid="campaign-overall"][data-done="${doneBefore + 1}"]`, { timeout: 10_000 });
  });

  it('keeps memory flat: the feed stays capped however many changes arrive', { timeout: 120_000 }, async () => {
    const targets = await db.query<{ id: string; version: number; grid: string; status: string }>(
      `SELECT id, version, left(region_code, 14) AS grid, status FROM compounds WHERE status IN ('pending', 'in_progress') ORDER BY id DESC LIMIT 70`,
    );
    const tokens = new Map<string, string>();
    let last = 0;
    for (const t of targets) {
      if (!tokens.has(t.grid)) tokens.set(t.grid, await login(server.url, `grid-${t.grid}`));
      const res = await client(server.url, tokens.get(t.grid)).patch(`/api/layers/compounds/${t.id}`, {
        status: t.status === 'pending' ? 'in_progress' : 'done',
        version: t.version,
      });
      expect(res.status).toBe(200);
      last = res.body.seq;
    }
    await page.waitForSelector(`${WALL}[data-last-seq="${last}"]`, { timeout: 10_000 });
    expect(await page.locator('[data-testid="change-feed"] li').count()).toBe(50);
    expect(Number((await wallData(page)).feedLength)).toBe(50);
    expect(errors).toEqual([]);
  });

  it('renders the 1920×1080 design canvas with no scrollbars (screenshot)', async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    // Let the last flashes fade so the picture shows the steady state. They last 2 s, but the alerts raised by the
    // previous test's changes flash too, and a loaded CI machine delays the timers that clear them.
    await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('data-flashing') === '0', WALL, { timeout: 30_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'wall-1920.png') });
    const layout = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      scrollHeight: document.documentElement.scrollHeight,
      scale: document.querySelector('[data-testid="wall-canvas"]')!.getAttribute('data-scale'),
    }));
    expect(layout).toEqual({ scrollWidth: 1920, scrollHeight: 1080, scale: '1' });
  });

  // A second wall at 4K in software WebGL: a slow first frame, hence the longer timeout.
  it('scales the same canvas to 3840×2160 with no scrollbars (screenshot)', { timeout: 180_000 }, async () => {
    // Two software-rendered walls animating at once starve each other on two cores; the 1920 one is done.
    await page.close();
    const { context: big } = await newWallContext(browser, new URL(server.url).origin, { viewport: { width: 3840, height: 2160 } });
    try {
      const { page: wall4k, errors: errors4k } = await openWall(big, server.url, await login(server.url, 'display'));
      await wall4k.screenshot({ path: path.join(ARTIFACTS, 'wall-3840.png') });
      const layout = await wall4k.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        scrollHeight: document.documentElement.scrollHeight,
        scale: document.querySelector('[data-testid="wall-canvas"]')!.getAttribute('data-scale'),
        // The map draws at the screen's resolution, not a 1920 picture blown up.
        canvasWidth: document.querySelector<HTMLCanvasElement>('[data-map-ready] canvas')!.width,
      }));
      expect(layout.scrollWidth).toBe(3840);
      expect(layout.scrollHeight).toBe(2160);
      expect(layout.scale).toBe('2');
      const mapCssWidth = (await wall4k.locator('[data-map-ready]').boundingBox())!.width;
      expect(layout.canvasWidth).toBeGreaterThanOrEqual(Math.floor(mapCssWidth) - 2);
      expect(errors4k).toEqual([]);
    } finally {
      await big.close();
    }
  });

  it('asks the display account to sign in when there is neither a token nor a session', { timeout: 120_000 }, async () => {
    // Reduced motion: no pulse to render (also the path for screens set that way).
    const { context: fresh } = await newWallContext(browser, new URL(server.url).origin, { reducedMotion: 'reduce' });
    try {
      const signIn = await fresh.newPage();
      await signIn.goto(`${server.url}/wall`);
      await signIn.waitForSelector('[data-testid="wall-login"]', { timeout: READY_TIMEOUT });
      await signIn.fill('input[name="password"]', 'wrong password');
      await signIn.click('button[type="submit"]');
      await signIn.waitForSelector('[data-testid="wall-login"] [role="alert"]');
      await signIn.fill('input[name="password"]', DEMO_PASSWORD);
      await signIn.click('button[type="submit"]');
      await signIn.waitForSelector(`${WALL}[data-status="ready"]`, { timeout: READY_TIMEOUT });
    } finally {
      await fresh.close();
    }
  });
});

describe('wall display auto-tour', () => {
  let database: TestDatabase;
  let server: Server;
  let db: Db;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    server = await startServer(database);
    db = await openTestDb(database);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
    // Reduced motion: flights are jumps, so the camera can be checked the moment the tour moves it.
    const { context } = await newWallContext(browser, new URL(server.url).origin, { reducedMotion: 'reduce' });
    ({ page, errors } = await openWall(context, server.url, await login(server.url, 'display'), '&tour=5&kpi=openDisputes'));
  });

  afterAll(async () => {
    await browser?.close();
    await db?.close();
    await server?.stop();
    await database?.drop();
  });

  it('takes its settings from the URL (tour interval, choropleth metric)', async () => {
    expect(new URL(page.url()).search).toBe('?tour=5&kpi=openDisputes');
    expect(await page.locator('[data-metric]').first().getAttribute('data-metric')).toBe('openDisputes');
    expect(await page.locator('[data-testid="tour-toggle"]').getAttribute('aria-pressed')).toBe('true');
  });

  it('visits the streets in turn, framing and naming each', async () => {
    const streets = (await client(server.url, await login(server.url, 'display')).get('/api/regions/410105')).body.children as { code: string; name: string }[];
    streets.sort((a, b) => a.code.localeCompare(b.code));
    const step = async () => Number(await page.locator('[data-tour-step]').getAttribute('data-tour-step'));
    const expectCaption = async (k: number) =>
      expect(await page.locator('[data-testid="tour-caption"]').innerText()).toMatch(new RegExp(`${k + 1}/19[\\s\\S]*${streets[k].name}`));

    // -1 is the district overview between two rounds; each stop lasts 5 s.
    await page.waitForFunction(() => Number(document.querySelector('[data-tour-step]')?.getAttribute('data-tour-step')) >= 0, null, { timeout: 15_000 });
    const k = await step();
    await expectCaption(k);
    await page.waitForFunction((k) => Number(document.querySelector('[data-tour-step]')?.getAttribute('data-tour-step')) !== k, k, { timeout: 15_000 });
    const next = await step();
    expect(next).toBe(k + 1 < streets.length ? k + 1 : -1);
    if (next >= 0) await expectCaption(next);
  });

  it('flies to a new high-severity dispute and announces it', async () => {
    const [dispute] = await db.query<{ id: string; version: number; grid: string; lon: number; lat: number; name: string }>(
      `SELECT id, name, version, left(region_code, 14) AS grid, ST_X(geom) AS lon, ST_Y(geom) AS lat
         FROM disputes WHERE severity = 'high' AND status = 'reported' ORDER BY id LIMIT 1`,
    );
    const { seq } = await patchAsCoordinator(server.url, 'disputes', dispute, 'accepted');
    const banner = page.locator(`[data-testid="alert-banner"][data-seq="${seq}"]`);
    await banner.waitFor({ timeout: 5000 });
    expect(await banner.innerText()).toContain(dispute.name);
    await page.waitForFunction(
      ([lon, lat]) => {
        const c = (window as unknown as MapHook).__map.getCenter();
        return Math.abs(c.lng - lon) < 0.002 && Math.abs(c.lat - lat) < 0.002;
      },
      [dispute.lon, dispute.lat] as const,
      { timeout: 5000 },
    );
    expect(errors).toEqual([]);
  });
});

describe('wall display across a server restart', () => {
  let database: TestDatabase;
  let server: Server;
  let port: number;
  let db: Db;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    port = await freePort();
    server = await startServer(database, port);
    db = await openTestDb(database);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
    const { context } = await newWallContext(browser, new URL(server.url).origin);
    ({ page } = await openWall(context, server.url, await login(server.url, 'display')));
  });

  afterAll(async () => {
    await browser?.close();
    await db?.close();
    await server?.stop();
    await database?.drop();
  });

  it('shows the link down while the server is away, recovers by itself and shows the changes made meanwhile', { timeout: 180_000 }, async () => {
    const doneBefore = Number(await page.locator('[data-testid="campaign-overall"]').getAttribute('data-done'));

    // A crash, not a polite shutdown: the process is killed and its sockets simply vanish.
    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGKILL');
    await exited;
    await page.waitForSelector(`${WALL}[data-live-status="down"]`, { timeout: 20_000 });
    expect(await page.locator('[data-testid="live-status"]').innerText()).toContain('连接中断');

    // Same port, database and DATA_DIR (same JWT secret): the wall's token is still good.
    server = await startServer(database, port);
    // Changed before the wall is back (it retries every few seconds): it must catch this up from the log.
    const target = await pickCompound(db, 'in_progress');
    const { seq } = await patchAsCoordinator(server.url, 'compounds', target, 'done');

    const entry = page.locator(`[data-testid="change-feed"] li[data-seq="${seq}"]`);
    await entry.waitFor({ timeout: 30_000 });
    expect(await entry.innerText()).toContain(target.name);
    await page.waitForSelector(`${WALL}[data-live-status="live"]`, { timeout: 30_000 });
    const data = await wallData(page);
    expect(Number(data.recoveries)).toBeGreaterThanOrEqual(1);
    expect(Number(data.lastSeq)).toBe(seq);
    expect(await page.locator('[data-testid="live-status"]').innerText()).toContain('实时连接正常');
    expect(await page.evaluate(([id]) => (window as unknown as WallHook).__wall.point('compounds', id)?.status, [target.id] as const)).toBe('done');
    // Figures only the server computes are refetched after the recovery.
    await page.waitForSelector(`[data-testid="campaign-overall"][data-done="${doneBefore + 1}"]`, { timeout: 15_000 });

    // And the link is really live again: a change now arrives over the socket.
    const next = await pickCompound(db, 'pending');
    const live = await patchAsCoordinator(server.url, 'compounds', next, 'in_progress');
    await page.locator(`[data-testid="change-feed"] li[data-seq="${live.seq}"]`).waitFor({ timeout: 2000 });
  });
});
