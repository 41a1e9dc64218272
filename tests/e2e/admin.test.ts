// The administration page (`/admin`) in real Chromium (desktop viewport) against the real server over the real
// sample database (embedded PostGIS), with a real socket.io-client for the coordinator's live connection.
// Nothing is mocked; the browser may not reach anything but the loopback server. The steps share one signed-in
// page and run in order, as an administrator would work.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { client, login } from '../helpers/api.js';
import { DEMO_PASSWORD } from '../helpers/templates.js';
import { ARTIFACTS, CHROMIUM_ARGS, requireBuiltClient, refuseOffsite } from './browser.js';
import { STORAGE_KEYS } from '../../client/src/lib/state/storage-keys.js';

const TIMEOUT = 30_000;
const COORDINATOR = 'e2e-coordinator';
const COORDINATOR_PASSWORD = 'coordinator-pass-1';

describe('administration page in Chromium', () => {
  let server: TestServer;
  let userDataDir: string;
  let context: BrowserContext;
  let page: Page;
  let grids: string[];
  let coordinatorToken: string;
  let socket: Socket | undefined;
  const pageErrors: string[] = [];
  const offsiteRequests: string[] = [];

  const shot = (name: string, target: Page = page) => target.screenshot({ path: path.join(ARTIFACTS, name) });

  beforeAll(async () => {
    requireBuiltClient();
    server = await startTestServer({ backend: 'embedded' });
    // Two grids of one community, picked from the database.
    const rows = await server.db.query<{ code: string }>(
      `SELECT code FROM regions WHERE level = 'grid' AND parent_code = (SELECT parent_code FROM regions WHERE level = 'grid' ORDER BY code LIMIT 1)
        ORDER BY code LIMIT 2`,
    );
    grids = rows.map((r) => r.code);
    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jinshui-e2e-admin-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1440, height: 900 },
      locale: 'zh-CN',
    });
    await refuseOffsite(context, server.url, offsiteRequests);
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (err) => pageErrors.push(String(err)));
  });

  afterAll(async () => {
    socket?.close();
    await context?.close();
    await server?.close();
    if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
  });

  it('an admin signs in on /admin and sees the users of the district', async () => {
    await page.goto(`${server.url}/admin`);
    await page.fill('input[name="username"]', 'admin');
    await page.fill('input[name="password"]', DEMO_PASSWORD);
    await page.click('button[type="submit"]');
    await page.waitForSelector('[data-testid="admin-mode"]', { timeout: TIMEOUT });
    await page.waitForSelector('[data-testid="user-row"]', { timeout: TIMEOUT });
    await expect(page.locator('[data-testid="tab-users"]').innerText()).resolves.toBe('用户');
    expect(await page.locator('[data-testid="user-row"][data-username="admin"]').count()).toBe(1);
  });

  it('creates a coordinator over two grids in the form, showing the grid names', async () => {
    await page.fill('[data-testid="new-username"]', COORDINATOR);
    await page.fill('[data-testid="new-password"]', COORDINATOR_PASSWORD);
    await page.selectOption('[data-testid="new-role"]', 'coordinator');
    await page.fill('[data-testid="new-region"] >> nth=0', grids[0]);
    await page.click('[data-testid="add-region"]');
    await page.fill('[data-testid="new-region"] >> nth=1', grids[1]);
    const names = await server.db.query<{ code: string; name: string }>(`SELECT code, name FROM regions WHERE code = ANY($1::text[]) ORDER BY code`, [grids]);
    const shown = page.locator('[data-testid="new-region-name"]');
    await expect.poll(() => shown.allInnerTexts(), { timeout: TIMEOUT }).toEqual(names.map((n) => n.name));
    await page.click('[data-testid="create-user"]');
    await page.waitForSelector('[data-testid="create-ok"]', { timeout: TIMEOUT });

    const [row] = await server.db.query(`SELECT role, disabled FROM users WHERE username = $1`, [COORDINATOR]);
    expect(row).toEqual({ role: 'coordinator', disabled: false });
    const regions = await server.db.query<{ region_code: string }>(`SELECT region_code FROM user_regions WHERE username = $1 ORDER BY region_code`, [COORDINATOR]);
    expect(regions.map((r) => r.region_code)).toEqual([...grids].sort());
  });

  it('the coordinator signs in (API) and holds an open live connection', async () => {
    coordinatorToken = await login(server.url, COORDINATOR, COORDINATOR_PASSWORD);
    expect((await client(server.url, coordinatorToken).get(`/api/regions/${grids[1]}`)).status).toBe(200);
    socket = io(server.url, { auth: { token: coordinatorToken }, transports: ['websocket'], reconnection: false });
    await new Promise<void>((resolve, reject) => {
      socket!.on('connect', resolve);
      socket!.on('connect_error', reject);
    });
    expect(socket.connected).toBe(true);
  });

  it('the admin disables the coordinator in the UI: their next request is refused and their socket is closed', async () => {
    const closed = new Promise<string>((resolve) => socket!.once('disconnect', resolve));
    await page.fill('[data-testid="users-filter"]', COORDINATOR);
    const row = page.locator(`[data-testid="user-row"][data-username="${COORDINATOR}"]`);
    await row.waitFor({ timeout: TIMEOUT });
    await expect.poll(() => page.locator('[data-testid="user-row"]').count(), { timeout: TIMEOUT }).toBe(1);
    await row.locator('[data-testid="user-disable"]').click();
    await expect.poll(() => row.locator('[data-testid="user-status"]').innerText(), { timeout: TIMEOUT }).toBe('已停用');

    expect(await closed).toBe('io server disconnect');
    const res = await client(server.url, coordinatorToken).get(`/api/regions/${grids[0]}`);
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('account_disabled');
    expect((await server.db.query(`SELECT disabled FROM users WHERE username = $1`, [COORDINATOR]))[0].disabled).toBe(true);

    // Show the whole list again for the picture.
    await page.fill('[data-testid="users-filter"]', '');
    await expect.poll(() => page.locator('[data-testid="user-row"]').count(), { timeout: TIMEOUT }).toBeGreaterThan(10);
    await shot('admin-users.png');
  });

  it('creates a campaign with a live target count, then opens it', async () => {
    await page.click('[data-testid="tab-campaigns"]');
    await page.waitForSelector('[data-testid="campaign-row"]', { timeout: TIMEOUT });
    const street = grids[0].slice(0, 9);
    await page.fill('[data-testid="campaign-name"]', '无主管楼院清零行动');
    await page.fill('[data-testid="campaign-region"]', street);
    await page.check('[data-testid="campaign-status-normal"]');
    await page.check('[data-testid="campaign-status-pending"]');
    await page.selectOption('[data-testid="campaign-where-key"]', 'kind');
    await page.fill('[data-testid="campaign-where-value"]', 'unmanaged');
    const [{ n }] = await server.db.query<{ n: number }>(
      `SELECT count(*) AS n FROM compounds WHERE region_code LIKE $1 || '%' AND status IN ('normal', 'pending') AND kind = 'unmanaged'`,
      [street],
    );
    await expect.poll(() => page.locator('[data-testid="campaign-preview"]').innerText(), { timeout: TIMEOUT }).toBe(`将纳入 ${n} 个目标`);
    await page.click('[data-testid="create-campaign"]');
    await page.waitForSelector('[data-testid="campaign-create-ok"]', { timeout: TIMEOUT });
    const [campaign] = await server.db.query<{ id: string; status: string }>(`SELECT id, status FROM campaigns WHERE name = $1`, ['无主管楼院清零行动']);
    expect(campaign.status).toBe('draft');
    const row = page.locator(`[data-testid="campaign-row"][data-id="${campaign.id}"]`);
    await expect.poll(() => row.locator('[data-testid="campaign-status"]').innerText(), { timeout: TIMEOUT }).toBe('草稿');
    await row.locator('[data-testid="campaign-open"]').click();
    await expect.poll(() => row.locator('[data-testid="campaign-status"]').innerText(), { timeout: TIMEOUT }).toBe('进行中');
    expect((await server.db.query(`SELECT status FROM campaigns WHERE id = $1`, [campaign.id]))[0].status).toBe('active');
    await shot('admin-campaigns.png');
  });

  it('a non-admin who opens /admin gets a clear notice', async () => {
    const other = await context.newPage();
    other.on('pageerror', (err) => pageErrors.push(String(err)));
    const token = await login(server.url, 'leader');
    await other.goto(`${server.url}/admin`);
    await other.evaluate(
      ([tk, tv, uk, uv]) => {
        localStorage.setItem(tk, tv);
        localStorage.setItem(uk, uv);
      },
      [STORAGE_KEYS.token, token, STORAGE_KEYS.user, JSON.stringify({ username: 'leader', role: 'leader', regionCode: '410105', regionCodes: ['410105'] })] as const,
    );
    await other.reload();
    await other.waitForSelector('[data-testid="admin-mode"]', { timeout: TIMEOUT });
    await expect(other.locator('.notice h2').innerText()).resolves.toBe('需要管理员权限');
    expect(await other.locator('[data-testid="users-list"]').count()).toBe(0);
    await shot('admin-not-admin.png', other);
    await other.close();
    // The shared context now holds the leader's token; nothing after this step uses the admin page.
  });

  it('raised no page errors and reached nothing off the loopback server', () => {
    expect(pageErrors).toEqual([]);
    expect(offsiteRequests).toEqual([]);
  });
});
