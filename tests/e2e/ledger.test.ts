// The regional Party-building ledger in real Chromium against the real server over the real sample (embedded
// PostGIS): a leader opens 经八路 and reads the seed's figures counted from the records; an administrator, in a
// second browser, enters a joint meeting, and the leader's open page shows it live. Nothing is mocked; the
// browsers may not reach anything but the loopback server.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { client, login } from '../helpers/api.js';
import { DEMO_PASSWORD } from '../helpers/templates.js';
import { ARTIFACTS, CHROMIUM_ARGS, READY, requireBuiltClient, refuseOffsite } from './browser.js';

const JINGBALU = '410105001';
const READY_TIMEOUT = 60_000;
/** Screenshots also go here, to be looked at. */
const SHOTS = '/tmp/shots-ledger';

describe('regional Party-building ledger in Chromium', () => {
  let server: TestServer;
  const dirs: string[] = [];
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  const offsite: string[] = [];
  let leader: Page;
  let admin: Page;

  const shot = async (target: Page, name: string, selector?: string) => {
    for (const dir of [ARTIFACTS, SHOTS]) {
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, name);
      if (selector) await target.locator(selector).screenshot({ path: file });
      else await target.screenshot({ path: file });
    }
  };

  async function open(width: number): Promise<Page> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jinshui-e2e-ledger-'));
    dirs.push(dir);
    const context = await chromium.launchPersistentContext(dir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width, height: 1080 },
      locale: 'zh-CN',
    });
    contexts.push(context);
    await refuseOffsite(context, server.url, offsite);
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    return page;
  }

  async function signIn(page: Page, url: string, username: string) {
    await page.goto(server.url + url);
    await page.fill('input[name="username"]', username);
    await page.fill('input[name="password"]', DEMO_PASSWORD);
    await page.click('button[type="submit"]');
  }

  const figure = (key: string) => leader.locator(`[data-testid="ledger-panel"] [data-kpi="coBuilding.${key}"] [data-testid="kpi-value"]`).innerText();

  beforeAll(async () => {
    requireBuiltClient();
    server = await startTestServer({ backend: 'embedded' });
    leader = await open(1920);
    admin = await open(1600);
  });

  afterAll(async () => {
    for (const c of contexts) await c.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    await server?.close();
  });

  it("shows 经八路's 71 / 21 / 115 / 161, the three lists, service items and funds in the leader's region panel", async () => {
    await signIn(leader, `/?region=${JINGBALU}`, 'leader');
    await leader.waitForSelector(`.leader[data-region="${JINGBALU}"][data-status="ready"]`, { timeout: READY_TIMEOUT });
    await leader.waitForSelector(`[data-testid="ledger-panel"][data-region="${JINGBALU}"]`, { timeout: READY_TIMEOUT });
    expect([await figure('jointMeetings'), await figure('problemsSolved'), await figure('agreements'), await figure('jointServices')]).toEqual(['71', '21', '115', '161']);
    const panel = leader.locator('[data-testid="ledger-panel"]');
    expect(await panel.locator('h2').innerText()).toContain('区域化党建台账');
    expect(await panel.locator('[data-testid="ledger-problems"]').innerText()).toContain('提出 26 项，解决 21 项');
    // The three lists: one row per list with its counts by status.
    expect(await panel.locator('[data-testid="ledger-lists"] tr[data-list]').count()).toBe(3);
    expect(await panel.locator('[data-testid="ledger-lists"] thead').innerText()).toMatch(/待对接\s+已对接\s+已完成/);
    // Service items by category: 8 rows whose counts add up to the heading's total.
    const items = await panel.locator('[data-testid="ledger-service-items"] li').evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-n'))));
    expect(items).toHaveLength(8);
    expect(await panel.locator('h3', { hasText: '无偿服务项目' }).innerText()).toBe(`无偿服务项目 ${items.reduce((a, b) => a + b, 0)} 项`);
    // Funds: the street's charity fund and its communities' 5 + 5 + 30 万元 each.
    const funds = panel.locator('[data-testid="ledger-funds"]');
    expect(await funds.locator('[data-kind="charity"] dt').innerText()).toBe('慈善基金');
    const api = client(server.url, await login(server.url, 'leader'));
    const { children } = (await api.get(`/api/regions/${JINGBALU}`)).body as { children: unknown[] };
    expect(children.length).toBeGreaterThan(0);
    expect(await funds.locator('[data-kind="work"] dd').innerText()).toBe(`${children.length * 5} 万元`);
    await leader.waitForSelector(READY, { timeout: READY_TIMEOUT }).catch(() => undefined);
    await panel.scrollIntoViewIfNeeded();
    await shot(leader, 'ledger-leader-jingbalu.png');
    await shot(leader, 'ledger-panel-jingbalu.png', '[data-testid="ledger-panel"]');
    // A cold server and software WebGL on a shared machine: the first page can take a minute by itself.
  }, 180_000);

  it("shows an administrator's new record live in the open leader page", async () => {
    await signIn(admin, '/admin?tab=ledger', 'admin');
    await admin.waitForSelector('[data-testid="ledger-admin"]', { timeout: READY_TIMEOUT });
    await admin.fill('[data-testid="ledger-region"]', JINGBALU);
    await admin.selectOption('[data-testid="ledger-kind"]', 'joint_meeting');
    await admin.fill('[data-testid="ledger-title"]', '经八路区域化党建联席会（端到端测试）');
    await admin.click('[data-testid="ledger-save"]');
    await expect.poll(() => admin.locator('[data-testid="ledger-save-ok"]').innerText().catch(() => ''), { timeout: 15_000 }).toContain('经八路区域化党建联席会（端到端测试）');
    await expect.poll(() => admin.locator('[data-testid="ledger-records"]').innerText(), { timeout: 15_000 }).toContain('端到端测试');
    await shot(admin, 'ledger-admin.png');

    // No reload: the leader's live link delivers the event and the panel counts the record.
    await expect.poll(() => figure('jointMeetings'), { timeout: 20_000 }).toBe('72');
    expect(await figure('agreements')).toBe('115');
    await shot(leader, 'ledger-panel-live.png', '[data-testid="ledger-panel"]');
    expect(pageErrors).toEqual([]);
    expect(offsite).toEqual([]);
  }, 120_000);
});
