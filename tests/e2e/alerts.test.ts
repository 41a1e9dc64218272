// Alerts on an open wall and in the leader's panel, in real Chromium against the real server over the real sample
// database (embedded PostGIS). A write made while both pages are open raises an alert that the wall's banner and
// header show live, without the banner element being replaced (no flicker); a leader acknowledges and resolves it
// in the panel and both pages follow live. Nothing is mocked; the browser may reach only the loopback server.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Alert, AlertList } from '../../server/src/contract/alerts.js';
import { STORAGE_KEYS } from '../../client/src/lib/state/storage-keys.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { client, login } from '../helpers/api.js';
import { DEMO_PASSWORD } from '../helpers/templates.js';
import { CHROMIUM_ARGS, READY, refuseOffsite, requireBuiltClient } from './browser.js';

const READY_TIMEOUT = 90_000;
const SHOTS = '/tmp/shots-alerts';
const WALL = '[data-testid="wall"]';
const BANNER = '[data-testid="alert-banner"]';

describe('alerts on the wall and in the leader panel', () => {
  let server: TestServer;
  let browser: Browser;
  let wall: Page;
  let leader: Page;
  let admin: ReturnType<typeof client>;
  const errors: string[] = [];
  const offsite: string[] = [];
  let centre: { id: string; name: string };
  let raised: Alert;

  const openAlerts = async () => ((await admin.get('/api/alerts?state=open&limit=1000')).body as AlertList).alerts;
  const headerCount = async () => Number(await wall.locator('[data-testid="wall-alert-count"]').getAttribute('data-value'));

  beforeAll(async () => {
    requireBuiltClient();
    fs.mkdirSync(SHOTS, { recursive: true });
    server = await startTestServer({ backend: 'embedded' });
    admin = client(server.url, await login(server.url, 'admin'));
    [centre] = await server.db.query<{ id: string; name: string }>(`SELECT id, name FROM service_centres WHERE status = 'open' AND level = 'street' ORDER BY id LIMIT 1`);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });

    const wallContext = await browser.newContext({ viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 1, locale: 'zh-CN' });
    await refuseOffsite(wallContext, server.url, offsite);
    wall = await wallContext.newPage();
    wall.on('pageerror', (e) => errors.push(`wall: ${e.message}`));
    await wall.goto(`${server.url}/wall?token=${encodeURIComponent(await login(server.url, 'display'))}`);
    await wall.waitForSelector(`${WALL}[data-status="ready"]`, { timeout: READY_TIMEOUT });
    await wall.waitForSelector(READY, { timeout: READY_TIMEOUT });
    await wall.waitForSelector(`${WALL}[data-live-status="live"]`, { timeout: READY_TIMEOUT });

    const res = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'leader', password: DEMO_PASSWORD }),
    });
    const session = await res.json();
    const leaderContext = await browser.newContext({ viewport: { width: 1600, height: 900 }, deviceScaleFactor: 1, locale: 'zh-CN' });
    await refuseOffsite(leaderContext, server.url, offsite);
    await leaderContext.addInitScript(
      ([keys, s]) => {
        localStorage.setItem(keys.token, s.token);
        localStorage.setItem(keys.user, JSON.stringify(s.user));
      },
      [STORAGE_KEYS, session] as const,
    );
    leader = await leaderContext.newPage();
    leader.on('pageerror', (e) => errors.push(`leader: ${e.message}`));
    await leader.goto(server.url);
    await leader.waitForSelector('.leader[data-region="410105"][data-status="ready"]', { timeout: READY_TIMEOUT });
    await leader.waitForSelector('[data-testid="live-status"][data-status="live"]', { timeout: READY_TIMEOUT });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("shows the sample's open alerts on the wall as it opens: banner and header count", async () => {
    const open = await openAlerts();
    expect(open.length).toBeGreaterThan(0);
    await expect.poll(headerCount).toBe(open.length);
    const banner = wall.locator(BANNER);
    expect(await banner.getAttribute('data-open-count')).toBe(String(open.length));
    expect(open.map((a) => a.id)).toContain(await banner.getAttribute('data-alert-id'));
  });

  it('shows the banner for an alert raised by a write made while the wall is open, in the same banner element', async () => {
    const before = await headerCount();
    // Watch the banner element: a live update must change its text, never remove it (a wall must not flicker).
    await wall.evaluate((selector) => {
      const w = window as unknown as { __bannerRemoved: number };
      w.__bannerRemoved = 0;
      const banner = document.querySelector(selector)!;
      new MutationObserver((records) => {
        for (const r of records) for (const n of r.removedNodes) if (n === banner || n.contains(banner)) w.__bannerRemoved++;
      }).observe(document.body, { childList: true, subtree: true });
      (window as unknown as { __banner: Element }).__banner = banner;
    }, BANNER);

    const { version } = (await admin.get(`/api/layers/service-centres/${centre.id}`)).body.properties;
    expect((await admin.patch(`/api/layers/service-centres/${centre.id}`, { status: 'closed', version, note: 'e2e' })).status).toBe(200);
    for (const end = Date.now() + 15_000; !raised; await new Promise((r) => setTimeout(r, 100))) {
      if (Date.now() > end) throw new Error('the closed centre raised no alert');
      raised = (await openAlerts()).find((a) => a.subject === `service-centres/${centre.id}`)!;
    }

    await wall.waitForSelector(`${BANNER}[data-alert-id="${raised.id}"]`, { timeout: 10_000 });
    expect(await wall.locator(BANNER).innerText()).toContain(centre.name);
    expect(await wall.locator(BANNER).innerText()).toContain('阵地关闭');
    await expect.poll(headerCount).toBe(before + 1);
    // The centre's own change is news in the feed as before; the alert is not (it has the banner).
    await expect.poll(() => wall.locator(WALL).getAttribute('data-feed-length')).not.toBe('0');
    expect(await wall.locator('[data-testid="change-feed"]').innerText()).toContain(centre.name);
    expect(await wall.evaluate((s) => (window as unknown as { __banner: Element }).__banner === document.querySelector(s), BANNER)).toBe(true);
    expect(await wall.evaluate(() => (window as unknown as { __bannerRemoved: number }).__bannerRemoved)).toBe(0);
    await wall.screenshot({ path: path.join(SHOTS, 'wall-banner.png') });
  });

  it('lets a leader acknowledge it in the alert panel; the wall and the panel follow live', async () => {
    const before = await headerCount();
    await leader.click('[data-testid="alerts-button"]');
    const row = leader.locator(`[data-testid="alerts-panel"] li[data-alert-id="${raised.id}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.innerText()).toContain(centre.name);
    await leader.screenshot({ path: path.join(SHOTS, 'leader-alerts.png') });

    await row.locator('[data-testid="alert-ack"]').click();
    await expect.poll(() => row.getAttribute('data-state')).toBe('acked');
    expect(await row.innerText()).toMatch(/leader 于 .* 确认/);
    // The wall stops announcing it: the count drops and the banner moves on.
    await expect.poll(headerCount).toBe(before - 1);
    await expect.poll(() => wall.locator(BANNER).getAttribute('data-alert-id')).not.toBe(raised.id);
    expect(await wall.evaluate(() => (window as unknown as { __bannerRemoved: number }).__bannerRemoved)).toBe(0);
    const acked = (await admin.get('/api/alerts?state=acked&limit=1000')).body.alerts.find((a: Alert) => a.id === raised.id);
    expect(acked).toMatchObject({ state: 'acked', ackedBy: 'leader' });
  });

  it('lets a leader resolve it with a note; it leaves the panel and the API records who, when and what', async () => {
    const row = leader.locator(`[data-testid="alerts-panel"] li[data-alert-id="${raised.id}"]`);
    await row.locator('[data-testid="alert-resolve"]').click();
    await row.locator('[data-testid="alert-resolution"]').fill('已安排临时场地，服务不中断');
    await leader.screenshot({ path: path.join(SHOTS, 'leader-resolve.png') });
    await row.locator('[data-testid="alert-resolve-submit"]').click();
    await expect.poll(() => row.count()).toBe(0);
    const resolved = (await admin.get('/api/alerts?state=resolved&limit=1000')).body.alerts.find((a: Alert) => a.id === raised.id);
    expect(resolved).toMatchObject({ state: 'resolved', resolvedBy: 'leader', resolution: '已安排临时场地，服务不中断' });
    expect(Math.abs(Date.parse(resolved.resolvedAt) - Date.now())).toBeLessThan(120_000);
    expect(errors).toEqual([]);
    expect(offsite).toEqual([]);
  });

  it("shows a coordinator the alerts of their grid in the field mode's alert list", async () => {
    const [{ grid }] = await server.db.query<{ grid: string }>(
      `SELECT region_code AS grid FROM alerts WHERE rule = 'campaign_stalled' AND resolved_at IS NULL ORDER BY region_code LIMIT 1`,
    );
    const session = await (
      await fetch(`${server.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: `grid-${grid}`, password: DEMO_PASSWORD }),
      })
    ).json();
    const mine = (await client(server.url, session.token).get('/api/alerts')).body as AlertList;
    expect(mine.alerts.length).toBeGreaterThan(0);
    expect(mine.alerts.every((a) => a.regionCode.startsWith(grid))).toBe(true);
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: 'zh-CN' });
    await refuseOffsite(context, server.url, offsite);
    await context.addInitScript(
      ([keys, s]) => {
        localStorage.setItem(keys.token, s.token);
        localStorage.setItem(keys.user, JSON.stringify(s.user));
      },
      [STORAGE_KEYS, session] as const,
    );
    const field = await context.newPage();
    field.on('pageerror', (e) => errors.push(`field: ${e.message}`));
    await field.goto(`${server.url}/field`);
    await field.waitForSelector('[data-testid="field"][data-status="ready"]', { timeout: READY_TIMEOUT });
    await expect.poll(() => field.locator('[data-testid="alerts-button"]').getAttribute('data-open'), { timeout: 20_000 }).toBe(String(mine.counts.open));
    await field.click('[data-testid="alerts-button"]');
    const rows = field.locator('[data-testid="alerts-panel"] li');
    await expect.poll(() => rows.count()).toBe(mine.alerts.length);
    expect(await rows.first().innerText()).toContain(mine.alerts[0].details.name);
    await field.screenshot({ path: path.join(SHOTS, 'field-alerts.png') });
    expect(errors).toEqual([]);
  });
});
