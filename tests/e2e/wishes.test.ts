// 微心愿 and building-group records in real Chromium against the real server over the real sample database
// (embedded PostGIS): a coordinator on a phone at /field claims a micro-wish for a member unit, and a leader page
// open on that wish shows its new status live; the leader's building-group panel and the field sheets for a new
// wish and a meeting/rating. Nothing is mocked. Screenshots go to tests/artifacts (and SHOTS_DIR when set).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { client, login } from '../helpers/api.js';
import { DEMO_PASSWORD } from '../helpers/templates.js';
import { ARTIFACTS, CHROMIUM_ARGS, READY, requireBuiltClient } from './browser.js';

const READY_TIMEOUT = 60_000;
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const SHOTS = [ARTIFACTS, ...(process.env.SHOTS_DIR ? [process.env.SHOTS_DIR] : [])];

describe('micro-wishes and building groups in Chromium', { timeout: 180_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let leaderContext: BrowserContext;
  let phoneContext: BrowserContext;
  let leader: Page;
  let phone: Page;
  let wall: Page;
  let wish: { id: string; name: string; grid: string };
  let userDataDir: string;
  const pageErrors: string[] = [];

  const shot = async (name: string, page: Page) => {
    for (const dir of SHOTS) {
      fs.mkdirSync(dir, { recursive: true });
      await page.screenshot({ path: path.join(dir, name) });
    }
  };

  async function signIn(page: Page, username: string, url: string) {
    await page.goto(url);
    await page.waitForSelector('[data-testid="login"]');
    await page.fill('input[name="username"]', username);
    await page.fill('input[name="password"]', DEMO_PASSWORD);
    await page.click('button[type="submit"]');
  }

  beforeAll(async () => {
    requireBuiltClient();
    server = await startTestServer({ backend: 'embedded' });
    // An open sample wish in a street whose member units can claim it.
    [wish] = await server.db.query<{ id: string; name: string; grid: string }>(
      `SELECT w.id, w.name, left(w.region_code, 14) AS grid FROM micro_wishes AS w
        WHERE w.status = 'open' AND EXISTS (SELECT 1 FROM member_units m WHERE m.status = 'active' AND m.region_code LIKE left(w.region_code, 9) || '%')
        ORDER BY w.id LIMIT 1`,
    );
    expect(wish).toBeDefined();
    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jinshui-e2e-wishes-'));
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
    leaderContext = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1600, height: 1000 } });
    phoneContext = await browser.newContext({ locale: 'zh-CN', ...PHONE });
    leader = await leaderContext.newPage();
    phone = await phoneContext.newPage();
    wall = await (await browser.newContext({ locale: 'zh-CN', viewport: { width: 1920, height: 1080 } })).newPage();
    for (const p of [leader, phone, wall]) p.on('pageerror', (e) => pageErrors.push(e.message));
  });

  afterAll(async () => {
    await browser?.close();
    if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
    await server?.close();
  });

  it('a coordinator claims a wish for a member unit in /field; the leader page open on it shows 已认领 live', async () => {
    // The leader opens the wish's grid with the micro-wishes layer on and the wish's card open.
    await signIn(leader, 'leader', `${server.url}/`);
    await leader.waitForSelector('.leader[data-region="410105"][data-status="ready"]', { timeout: READY_TIMEOUT });
    await leader.goto(`${server.url}/?region=${wish.grid}&point=micro-wishes/${wish.id}`);
    await leader.waitForSelector(`.leader[data-region="${wish.grid}"][data-status="ready"]`, { timeout: READY_TIMEOUT });
    const layer = leader.locator('[data-testid="layer-panel"] [data-layer="micro-wishes"]');
    await layer.locator('[data-testid="layer-toggle"]').check();
    await leader.waitForSelector('[data-testid="point-detail"][data-status="ready"]', { timeout: READY_TIMEOUT });
    const status = leader.locator('[data-testid="point-detail"] [data-testid="point-status"]');
    expect(await leader.locator('[data-testid="point-detail"] [data-testid="point-name"]').innerText()).toBe(wish.name);
    expect(await status.innerText()).toBe('待认领');
    await leader.waitForSelector(READY, { timeout: READY_TIMEOUT });
    await shot('wishes-leader-before.png', leader);
    // An unattended wall as well: the wishes on its map and legend, the claim in its live feed.
    await wall.goto(`${server.url}/wall?token=${encodeURIComponent(await login(server.url, 'display'))}`);
    await wall.waitForSelector('[data-testid="wall"][data-status="ready"]', { timeout: READY_TIMEOUT });
    await wall.waitForSelector('[data-testid="wall"][data-live-status="live"]', { timeout: READY_TIMEOUT });
    await wall.waitForSelector('[data-layer-toggle="micro-wishes"][aria-pressed="true"]');

    // The coordinator, on a phone: the micro-wishes list, the wish's sheet, a member unit, 已认领.
    await signIn(phone, `grid-${wish.grid}`, `${server.url}/field`);
    await phone.waitForSelector('[data-testid="field"][data-status="ready"]', { timeout: READY_TIMEOUT });
    await phone.selectOption('[data-testid="filter-layer"]', 'micro-wishes');
    const row = phone.locator(`[data-testid="point-row"][data-key="micro-wishes/${wish.id}"]`);
    await row.waitFor({ timeout: READY_TIMEOUT });
    await row.tap();
    await phone.waitForSelector('[data-testid="status-sheet"][data-state="ready"]');
    const claim = phone.locator('[data-testid="next-status"][data-status="claimed"]');
    // No claim without a member unit: the button waits for one.
    expect(await claim.isDisabled()).toBe(true);
    const picker = phone.locator('[data-testid="sheet-claimant"]');
    await expect.poll(() => picker.locator('option').count()).toBeGreaterThan(1);
    const unit = await picker.locator('option').nth(1).getAttribute('value');
    await picker.selectOption(unit!);
    await shot('wishes-field-claim.png', phone);
    await claim.tap();
    await expect.poll(() => phone.locator('[data-testid="outbox-badge"]').getAttribute('data-count'), { timeout: 20_000 }).toBe('0');

    // The leader did nothing: the card follows the live change.
    await expect.poll(() => status.innerText(), { timeout: 20_000 }).toBe('已认领');
    const feature = (await client(server.url, await login(server.url, 'leader')).get(`/api/layers/micro-wishes/${wish.id}`)).body;
    expect(feature.properties).toMatchObject({ status: 'claimed', claimedBy: unit });
    await leader.waitForTimeout(500);
    await shot('wishes-leader-after.png', leader);
    const entry = wall.locator(`[data-testid="change-feed"] li[data-layer="micro-wishes"][data-feature-id="${wish.id}"]`);
    await entry.waitFor({ timeout: 20_000 });
    expect((await entry.innerText()).replace(/\s+/g, ' ')).toContain('待认领 → 已认领');
    await shot('wishes-wall.png', wall);
    // An animating software-rendered wall shares the browser's one GPU process and starves the pages that follow.
    await wall.context().close();
  });

  it('a coordinator posts a new wish and records a meeting and a rating for a building group of their grid', async () => {
    await phone.tap('[data-testid="new-wish"]');
    await phone.waitForSelector('[data-testid="wish-sheet"]');
    await phone.fill('[data-testid="wish-name"]', '楼道加装扶手');
    await phone.fill('[data-testid="wish-requester"]', '5号楼 李奶奶');
    await phone.selectOption('[data-testid="wish-category"]', 'elderly');
    await expect.poll(() => phone.locator('[data-testid="wish-place"] option').count()).toBeGreaterThan(0);
    await shot('wishes-field-new.png', phone);
    await phone.tap('[data-testid="wish-submit"]');
    await phone.waitForSelector('[data-testid="wish-sheet"]', { state: 'detached' });
    const rows = await server.db.query<{ id: string; status: string; region: string }>(`SELECT id, status, region_code AS region FROM micro_wishes WHERE name = '楼道加装扶手'`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'open' });
    expect(rows[0].region.startsWith(wish.grid)).toBe(true);
    await phone.locator(`[data-testid="point-row"][data-key="micro-wishes/${rows[0].id}"]`).waitFor();

    await phone.tap('[data-testid="open-group"]');
    await phone.waitForSelector('[data-testid="group-sheet"]');
    await expect.poll(() => phone.locator('[data-testid="group-code"] option').count()).toBeGreaterThan(0);
    const group = await phone.locator('[data-testid="group-code"]').inputValue();
    await phone.selectOption('[data-testid="meeting-kind"]', 'deliberation');
    await phone.fill('[data-testid="meeting-topic"]', '楼院停车秩序');
    await phone.fill('[data-testid="meeting-attendees"]', '17');
    await shot('wishes-field-meeting.png', phone);
    await phone.tap('[data-testid="group-submit"]');
    await phone.waitForSelector('[data-testid="group-sheet"]', { state: 'detached' });
    const meetings = await server.db.query(`SELECT kind, attendees FROM building_group_meetings WHERE region_code = $1 AND topic = '楼院停车秩序'`, [group]);
    expect(meetings).toEqual([{ kind: 'deliberation', attendees: 17 }]);

    await phone.tap('[data-testid="open-group"]');
    await phone.waitForSelector('[data-testid="group-stars"]');
    await phone.tap('[data-testid="group-tab-rating"]');
    await phone.tap('[data-testid="rating-star"][data-stars="5"]');
    await phone.fill('[data-testid="rating-reason"]', '楼道整治成效明显');
    await shot('wishes-field-rating.png', phone);
    await phone.tap('[data-testid="group-submit"]');
    await phone.waitForSelector('[data-testid="group-sheet"]', { state: 'detached' });
    const [{ stars }] = await server.db.query<{ stars: number }>(`SELECT star_rating AS stars FROM regions WHERE code = $1`, [group]);
    expect(stars).toBe(5);

    // The leader's panel of that building group: five stars, the rating and the meeting on top of their histories.
    await leader.goto(`${server.url}/?region=${group}`);
    await leader.waitForSelector(`.leader[data-region="${group}"][data-status="ready"]`, { timeout: READY_TIMEOUT });
    await expect.poll(() => leader.locator('[data-testid="bg-current-stars"]').getAttribute('data-stars')).toBe('5');
    expect(await leader.locator('[data-testid="bg-rating-history"] li').first().innerText()).toContain('楼道整治成效明显');
    expect(await leader.locator('[data-testid="bg-meetings"] li').first().innerText()).toContain('楼院停车秩序');
    await leader.waitForSelector(READY, { timeout: READY_TIMEOUT });
    await shot('wishes-leader-building-group.png', leader);
    expect(pageErrors).toEqual([]);
  });
});
