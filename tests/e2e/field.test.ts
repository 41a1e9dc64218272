// The grid coordinator's mode (`/field`) in real Chromium as a phone (390×844, touch, 2× pixels) against the real
// server over the real sample database (embedded PostGIS): sign-in, the two-tap status change reaching an open
// wall, changes queued offline landing in order, a conflict put to the user, and a reload while offline. Nothing
// is mocked. The steps share one signed-in page and run in order, as a coordinator would use it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { ChangeEvent } from '$contract/events';
import { TRANSITIONS } from '$contract/layers';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../server/src/app.js';
import type { Db } from '../../server/src/db/db.js';
import { createTestDatabase } from '../helpers/db.js';
import { client, login } from '../helpers/api.js';
import { DEMO_PASSWORD, testConfig } from '../helpers/templates.js';
import { ARTIFACTS, CHROMIUM_ARGS, CLIENT_DIST, READY, requireBuiltClient } from './browser.js';

/** Software rendering plus a cold server: generous; every wait ends as soon as its condition holds. */
const READY_TIMEOUT = 60_000;
const FIELD = '[data-testid="field"]';
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

interface Target {
  id: string;
  name: string;
  status: string;
  version: number;
}

/** Typed view of the page's `window.__map` hook (MapView.svelte), for use inside page.evaluate. */
interface MapHook {
  __map: { project(lngLat: [number, number]): { x: number; y: number } };
}

interface FieldServer {
  url: string;
  db: Db;
  close(): Promise<void>;
}

/**
 * The real server (buildApp) over a fresh copy of the sample database, like helpers/server.ts, but serving a
 * snapshot of the built client: another `vite build` in the same worktree during the run would otherwise swap
 * the files under the page (and under the service worker's precache).
 */
async function startFieldServer(): Promise<FieldServer> {
  const clientDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jinshui-field-client-'));
  fs.cpSync(CLIENT_DIST, clientDir, { recursive: true });
  const database = await createTestDatabase('embedded');
  const { app, db } = await buildApp(testConfig({ databaseUrl: database.databaseUrl, dataDir: database.dataDir, clientDir }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    db,
    async close() {
      await app.close();
      await database.drop();
      fs.rmSync(clientDir, { recursive: true, force: true });
    },
  };
}

describe('field mode on a phone in Chromium', { timeout: 120_000 }, () => {
  let server: FieldServer;
  let grid: string;
  let coordinator: string;
  /** Compounds of the grid by use: each test changes its own. */
  let points: { twoTaps: Target; offline: Target; conflict: Target };
  let userDataDir: string;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  const offsiteRequests: string[] = [];

  const shot = (name: string, target: Page = page) => target.screenshot({ path: path.join(ARTIFACTS, name) });
  const row = (id: string) => page.locator(`[data-testid="point-row"][data-key="compounds/${id}"]`);
  const badgeCount = async () => Number(await page.locator('[data-testid="outbox-badge"]').getAttribute('data-count'));
  const api = async (username: string) => client(server.url, await login(server.url, username));

  async function history(id: string): Promise<ChangeEvent[]> {
    const res = await (await api('leader')).get(`/api/layers/compounds/${id}/history`);
    expect(res.status).toBe(200);
    return (res.body as { events: ChangeEvent[] }).events;
  }

  /**
   * The network returns. A phone fires `online` then; Playwright's offline emulation does not, and the outbox would
   * only notice on its backoff timer (15 s doubling), so the test fires the event the browser would.
   */
  async function backOnline() {
    await context.setOffline(false);
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
  }

  /** Opens a point's sheet with a tap on its row (tap 1) and waits until it knows what may follow. */
  async function openSheet(id: string, state: 'ready' | 'offline') {
    await row(id).tap();
    const sheet = page.locator(`[data-testid="status-sheet"][data-key="compounds/${id}"]`);
    await sheet.waitFor();
    await page.waitForSelector(`[data-testid="status-sheet"][data-state="${state}"]`);
    return sheet;
  }

  beforeAll(async () => {
    requireBuiltClient();
    server = await startFieldServer();
    // The grid with the most compounds in the campaign's working statuses: every test gets a point of its own.
    const rows = await server.db.query<Target & { grid: string }>(
      `SELECT id, name, status, version, left(region_code, 14) AS grid FROM compounds
        WHERE status IN ('pending', 'in_progress') AND left(region_code, 14) = (
          SELECT left(region_code, 14) FROM compounds WHERE status IN ('pending', 'in_progress')
           GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1)
        ORDER BY status = 'in_progress' DESC, id`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(3);
    grid = rows[0].grid;
    coordinator = `grid-${grid}`;
    const inProgress = rows.filter((r) => r.status === 'in_progress');
    // The conflict needs 'in_progress' (see that test); the others take what is left.
    const conflict = inProgress[0] ?? rows[0];
    const rest = rows.filter((r) => r.id !== conflict.id);
    points = { conflict, twoTaps: rest[0], offline: rest[1] };

    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jinshui-e2e-field-'));
    // A persistent context: the service worker, IndexedDB and localStorage live on across the reload test.
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      locale: 'zh-CN',
      ...PHONE,
    });
    // Watched, not routed: Playwright's routing bypasses the service worker that the offline test relies on.
    const origin = new URL(server.url).origin;
    context.on('request', (r) => {
      const url = r.url();
      if (!url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:')) offsiteRequests.push(url);
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  afterAll(async () => {
    await context?.close();
    if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
    await server?.close();
  });

  it('signs a coordinator in at /field and shows their grid as a list, in Chinese, with large tap targets', async () => {
    await page.goto(`${server.url}/field`);
    await page.waitForSelector('[data-testid="login"]');
    await page.fill('input[name="username"]', coordinator);
    await page.fill('input[name="password"]', DEMO_PASSWORD);
    await page.tap('button[type="submit"]');
    await page.waitForSelector(`${FIELD}[data-status="ready"]`, { timeout: READY_TIMEOUT });
    await row(points.twoTaps.id).waitFor();

    // The header names the grid (from the server, not the code) and the outbox is empty.
    const region = (await (await api(coordinator)).get(`/api/regions/${grid}`)).body as { name: string };
    expect(await page.locator('[data-testid="grid-name"]').innerText()).toBe(region.name);
    expect(await badgeCount()).toBe(0);
    expect(await page.locator('[data-testid="net-status"]').innerText()).toContain('在线');

    // Every compound of the grid is listed, campaign targets first.
    const all = (await (await api(coordinator)).get(`/api/layers/compounds?region=${grid}`)).body as { features: unknown[] };
    expect(await page.locator('[data-testid="point-row"]').count()).toBe(all.features.length);
    const targetFlags = await page.locator('[data-testid="point-row"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-target')));
    expect(targetFlags.indexOf('false') === -1 || !targetFlags.slice(targetFlags.indexOf('false')).includes('true')).toBe(true);

    // Tap targets: rows, the outbox badge, the view toggle and the filters are at least 48 px high.
    for (const sel of ['[data-testid="point-row"]', '[data-testid="outbox-badge"]', '[data-testid="filter-layer"]', '[data-testid="sort-distance"]', '[data-testid="logout"]']) {
      const box = await page.locator(sel).first().boundingBox();
      expect(box!.height, sel).toBeGreaterThanOrEqual(48);
    }
    // The page fits the phone: nothing scrolls sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot('field-list.png');
  });

  it('sorts by distance once the user asks: campaign targets first, each group nearest first', async () => {
    const coord = await api(coordinator);
    const fc = (await coord.get(`/api/layers/compounds?region=${grid}`)).body as { features: { properties: { id: string }; geometry: { coordinates: [number, number] } }[] };
    const campaigns = ((await coord.get('/api/campaigns')).body as { id: string; status: string }[]).filter((c) => c.status === 'active');
    const targets = new Set<string>();
    for (const c of campaigns) for (const id of ((await coord.get(`/api/campaigns/${c.id}/targets?region=${grid}`)).body as { ids: string[] }).ids) targets.add(id);
    // Stand on a point that is not a target: it must come first among the others, after every target.
    const here = fc.features.find((f) => !targets.has(f.properties.id)) ?? fc.features[0];
    const [lng, lat] = here.geometry.coordinates;
    await context.grantPermissions(['geolocation'], { origin: new URL(server.url).origin });
    await context.setGeolocation({ latitude: lat, longitude: lng });
    await page.tap('[data-testid="sort-distance"]');
    await expect.poll(() => page.locator('[data-testid="sort-distance"]').innerText()).toBe('已按距离排序');

    const rows = await page.locator('[data-testid="point-row"]').evaluateAll((els) =>
      els.map((e) => ({ id: e.getAttribute('data-key')!.split('/')[1], target: e.getAttribute('data-target') === 'true', distance: e.querySelector('.distance')?.textContent ?? '' })),
    );
    const metres = (d: string) => (d.endsWith(' km') ? parseFloat(d) * 1000 : parseFloat(d));
    const firstOther = rows.findIndex((r) => !r.target);
    expect(rows.slice(firstOther).every((r) => !r.target)).toBe(true);
    if (!targets.has(here.properties.id)) {
      expect(rows[firstOther].id).toBe(here.properties.id);
      expect(rows[firstOther].distance).toBe('0 m');
    }
    for (const group of [rows.slice(0, firstOther), rows.slice(firstOther)]) {
      const d = group.map((r) => metres(r.distance));
      expect(d).toEqual([...d].sort((a, b) => a - b));
    }
  });

  it('shows the grid on a map; a tap on a point opens its sheet', async () => {
    await page.tap('[data-testid="view-map"]');
    await page.waitForSelector(READY, { timeout: READY_TIMEOUT });
    const layer = (await (await api(coordinator)).get(`/api/layers/compounds?region=${grid}`)).body as {
      features: { id: string; geometry: { coordinates: [number, number] } }[];
    };
    const onScreen = await page.evaluate(
      (fs) => fs.map((f) => ({ id: f.id, ...(window as unknown as MapHook).__map.project(f.geometry.coordinates) })),
      layer.features,
    );
    // The point with the most room around it on screen: a tap a few pixels off must still be unambiguous.
    const room = (p: { x: number; y: number }) => Math.min(...onScreen.filter((q) => q !== p).map((q) => Math.hypot(q.x - p.x, q.y - p.y)));
    // (Not the points later tests change offline: opening a sheet online lets the service worker keep its answer.)
    const candidates = onScreen.filter((p) => p.id !== points.conflict.id && p.id !== points.offline.id);
    const target = candidates.reduce((best, p) => (room(p) > room(best) ? p : best));
    expect(room(target)).toBeGreaterThan(30);
    const canvas = (await page.locator('.map-canvas').boundingBox())!;
    await shot('field-map.png');
    // A finger lands a few pixels off: still the point.
    await page.touchscreen.tap(canvas.x + target.x + 6, canvas.y + target.y - 5);
    await page.waitForSelector(`[data-testid="status-sheet"][data-key="compounds/${target.id}"]`);
    await page.tap('[data-testid="sheet-close"]');
    await page.tap('[data-testid="view-list"]');
    await row(points.twoTaps.id).waitFor();
  });

  it('changes a status in two taps, and the change reaches an open wall', async () => {
    // The wall is another device: its own browser (a page of this context would share, and replace, the
    // coordinator's stored sign-in with the display token).
    const wallBrowser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
    const wall = await (await wallBrowser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' })).newPage();
    await wall.goto(`${server.url}/wall?token=${encodeURIComponent(await login(server.url, 'display'))}`);
    await wall.waitForSelector('[data-testid="wall"][data-live-status="live"]', { timeout: READY_TIMEOUT });
    
    const p = points.twoTaps;
    const sheet = await openSheet(p.id, 'ready'); // tap 1
    // One big button per status the server allows next.
    const allowed = ((await (await api(coordinator)).get(`/api/layers/compounds/${p.id}`)).body as { properties: { nextStatuses: string[] } }).properties.nextStatuses;
    const buttons = sheet.locator('[data-testid="next-status"]');
    expect(await buttons.evaluateAll((els) => els.map((e) => e.getAttribute('data-status')))).toEqual(allowed);
    expect((await buttons.first().boundingBox())!.height).toBeGreaterThanOrEqual(56);
    await sheet.locator('[data-testid="sheet-note"]').fill('现场已核实');
    // A photo of the site (any real PNG will do: a crop of this very page).
    const photo = await page.screenshot({ clip: { x: 0, y: 0, width: 40, height: 40 } });
    await sheet.locator('[data-testid="sheet-photo"]').setInputFiles({ name: 'site.png', mimeType: 'image/png', buffer: photo });
    await shot('field-sheet.png');
    const next = allowed[0];
    await buttons.first().tap(); // tap 2

    // Shown at once (pending or already landed), then landed: the badge empties and the row shows the new status.
    await expect.poll(() => row(p.id).getAttribute('data-status')).toBe(next);
    await expect.poll(badgeCount, { timeout: 10_000 }).toBe(0);
    await expect.poll(() => row(p.id).getAttribute('data-pending')).toBe('');

    const events = await history(p.id);
    const last = events.at(-1)!;
    expect(last).toMatchObject({ actor: coordinator, after: expect.objectContaining({ status: next, note: '现场已核实' }) });
    // The photo went up before the change and is recorded with it.
    const photos = last.after!.photos as string[];
    expect(photos).toHaveLength(1);
    const stored = await fetch(`${server.url}/api/photos/${photos[0]}`, { headers: { authorization: `Bearer ${await login(server.url, coordinator)}` } });
    expect(stored.status).toBe(200);
    expect(Buffer.from(await stored.arrayBuffer()).equals(photo)).toBe(true);
    const entry = wall.locator(`[data-testid="change-feed"] li[data-seq="${last.seq}"]`);
    await entry.waitFor({ timeout: 5000 });
    expect(await entry.innerText()).toContain(p.name);
    await wallBrowser.close();
  });

  it("shows someone else's change in place, without a reload", async () => {
    const p = points.offline;
    expect(await row(p.id).getAttribute('data-status')).toBe(p.status);
    const url = page.url();
    // pending → in_progress, in_progress → done: each can be moved back (in_progress → pending, done → in_progress).
    const next = TRANSITIONS.compounds[p.status][0];
    const res = await (await api('leader')).patch(`/api/layers/compounds/${p.id}`, { status: next, version: p.version, note: '街道调度' });
    expect(res.status).toBe(200);
    await expect.poll(() => row(p.id).getAttribute('data-status'), { timeout: 5000 }).toBe(next);
    expect(page.url()).toBe(url);
    // Undo, so the offline test starts from the point as picked.
    const back = await (await api('leader')).patch(`/api/layers/compounds/${p.id}`, { status: p.status, version: p.version + 1 });
    expect(back.status).toBe(200);
    await expect.poll(() => row(p.id).getAttribute('data-status'), { timeout: 5000 }).toBe(p.status);
  });

  it('queues two changes while offline (badge 2) and lands them in order when back online', async () => {
    const p = points.offline;
    const before = (await history(p.id)).length;
    await context.setOffline(true);
    await page.waitForSelector('[data-testid="net-status"][data-online="false"]');

    // Two steps of the workflow on one point: the second is made on top of the first, still unsent.
    let sheet = await openSheet(p.id, 'offline');
    const first = await sheet.locator('[data-testid="next-status"]').first().getAttribute('data-status');
    await sheet.locator('[data-testid="next-status"]').first().tap();
    await expect.poll(badgeCount).toBe(1);
    expect(await row(p.id).getAttribute('data-status')).toBe(first);
    // Unsent: waiting, or in a try that the dead network will fail (the outbox retries on its own timer too).
    expect(['pending', 'sending']).toContain(await row(p.id).getAttribute('data-pending'));

    sheet = await openSheet(p.id, 'offline');
    const second = await sheet.locator('[data-testid="next-status"]').first().getAttribute('data-status');
    await sheet.locator('[data-testid="next-status"]').first().tap();
    await expect.poll(badgeCount).toBe(2);
    expect(await row(p.id).getAttribute('data-status')).toBe(second);
    await page.waitForTimeout(300); // let the toast settle for the picture
    await shot('field-offline.png');

    // Nothing reached the server while offline.
    expect((await history(p.id)).length).toBe(before);

    await backOnline();
    await expect.poll(badgeCount, { timeout: 30_000 }).toBe(0);
    const events = (await history(p.id)).slice(before);
    expect(events.map((e) => e.after?.status)).toEqual([first, second]);
    expect(events.every((e) => e.actor === coordinator)).toBe(true);
    expect(events[1].seq).toBeGreaterThan(events[0].seq);
    await expect.poll(() => row(p.id).getAttribute('data-pending')).toBe('');
    expect(await row(p.id).getAttribute('data-status')).toBe(second);
  });

  it('shows both versions when someone else changed the point first; re-applying mine lands it', async () => {
    const p = points.conflict;
    expect(p.status).toBe('in_progress');
    // The coordinator's phone holds the point as it is now …
    await context.setOffline(true);
    await page.waitForSelector('[data-testid="net-status"][data-online="false"]');
    // … while a leader moves it on twice (done, then back to in progress): a newer version in the same status,
    // so the coordinator's choice is still allowed after re-applying.
    const leader = await api('leader');
    let res = await leader.patch(`/api/layers/compounds/${p.id}`, { status: 'done', version: p.version, note: '街道抽查' });
    expect(res.status).toBe(200);
    res = await leader.patch(`/api/layers/compounds/${p.id}`, { status: 'in_progress', version: p.version + 1, note: '街道退回重整' });
    expect(res.status).toBe(200);

    const sheet = await openSheet(p.id, 'offline');
    await sheet.locator('[data-testid="sheet-note"]').fill('已整改完毕');
    await sheet.locator('[data-testid="next-status"][data-status="done"]').tap();
    await expect.poll(badgeCount).toBe(1);
    await backOnline();

    const dialog = page.locator('[data-testid="conflict-dialog"]');
    await dialog.waitFor({ timeout: 30_000 });
    const mine = dialog.locator('[data-testid="conflict-mine"]');
    const theirs = dialog.locator('[data-testid="conflict-theirs"]');
    expect(await mine.innerText()).toContain('已整治');
    expect(await mine.innerText()).toContain('已整改完毕');
    expect(await theirs.innerText()).toContain('整治中');
    await expect.poll(() => theirs.locator('[data-testid="conflict-who"]').innerText()).toContain('leader');
    expect(await page.locator('[data-testid="outbox-badge"]').getAttribute('data-count')).toBe('1');
    await shot('field-conflict.png');

    await dialog.locator('[data-testid="conflict-reapply"]').tap();
    await expect.poll(badgeCount, { timeout: 30_000 }).toBe(0);
    expect(await dialog.count()).toBe(0);
    const last = (await history(p.id)).at(-1)!;
    expect(last).toMatchObject({ actor: coordinator, after: expect.objectContaining({ status: 'done', version: p.version + 3, note: '已整改完毕' }) });
    await expect.poll(() => row(p.id).getAttribute('data-status')).toBe('done');
  });

  it('still shows the grid after a reload while offline', async () => {
    // One online visit lets the service worker take control and keep the field page's reads.
    await page.waitForSelector('html[data-field-offline-ready="true"]', { timeout: READY_TIMEOUT });
    const shownOnline = await page.locator('[data-testid="point-row"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-key')));
    await context.setOffline(true);
    await page.reload();
    await page.waitForSelector(`${FIELD}[data-status="ready"]`, { timeout: READY_TIMEOUT });
    await page.waitForSelector('[data-testid="net-status"][data-online="false"]');
    const shownOffline = await page.locator('[data-testid="point-row"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-key')));
    expect(shownOffline.sort()).toEqual(shownOnline.sort());
    expect(await row(points.conflict.id).getAttribute('data-status')).toBe('done');
    await shot('field-offline-reload.png');
    await backOnline();
  });

  it('opens read-only for a display account: its region, no status buttons', async () => {
    const other = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
    try {
      const viewer = await (await other.newContext({ locale: 'zh-CN', ...PHONE })).newPage();
      await viewer.goto(`${server.url}/field`);
      await viewer.fill('input[name="username"]', 'display');
      await viewer.fill('input[name="password"]', DEMO_PASSWORD);
      await viewer.tap('button[type="submit"]');
      await viewer.waitForSelector(`${FIELD}[data-status="ready"]`, { timeout: READY_TIMEOUT });
      expect(await viewer.locator('[data-testid="grid-name"]').innerText()).toBe('金水区');
      await viewer.locator('[data-testid="point-row"]').first().tap();
      await viewer.waitForSelector('[data-testid="status-sheet"][data-state="ready"]');
      expect(await viewer.locator('[data-testid="next-status"]').count()).toBe(0);
      expect(await viewer.locator('[data-testid="status-sheet"]').innerText()).toContain('当前账号只能查看');
    } finally {
      await other.close();
    }
  });

  it('raised no page errors and asked nothing of the internet', () => {
    expect(pageErrors).toEqual([]);
    expect(offsiteRequests).toEqual([]);
  });
});
