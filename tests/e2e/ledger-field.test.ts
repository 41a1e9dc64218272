// The ledger kept from the phone and the admin's fund form, in real Chromium against the real server over the real
// sample (embedded PostGIS): a coordinator at /field (390×844, touch) enters a joint meeting for their grid's
// community and marks one of its open problems solved — once cleanly, once after someone else changed it (409) —
// and a leader page open on that community counts both live; an administrator records a fund in the admin tab and
// is told clearly when that year's is recorded already. Nothing is mocked; the browsers reach only the loopback
// server. Screenshots go to tests/artifacts and /tmp/shots-ledger-field, to be looked at.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { LedgerRecord } from '../../server/src/contract/ledger.js';
import { districtToday } from '../../server/src/contract/district-day.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { client, login } from '../helpers/api.js';
import { DEMO_PASSWORD } from '../helpers/templates.js';
import { ARTIFACTS, CHROMIUM_ARGS, requireBuiltClient, refuseOffsite } from './browser.js';

const READY_TIMEOUT = 60_000;
const LIVE_TIMEOUT = 20_000;
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const SHOTS = [ARTIFACTS, '/tmp/shots-ledger-field'];
// The district's day (UTC+8), as the sheet and the server count it: in the UTC evening it is already tomorrow there.
const today = districtToday;

describe('the ledger from /field and the admin fund form in Chromium', { timeout: 180_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let leader: Page;
  let phone: Page;
  let phoneContext: BrowserContext;
  /** A community of the sample with an open problem, and one of its grids (whose coordinator is `grid-<code>`). */
  let place: { community: string; name: string; grid: string; problem: string };
  const pageErrors: string[] = [];
  const offsite: string[] = [];

  const shot = async (name: string, page: Page, selector?: string) => {
    for (const dir of SHOTS) {
      fs.mkdirSync(dir, { recursive: true });
      if (selector) await page.locator(selector).screenshot({ path: path.join(dir, name) });
      else await page.screenshot({ path: path.join(dir, name) });
    }
  };

  async function open(options: Parameters<Browser['newContext']>[0]): Promise<{ page: Page; context: BrowserContext }> {
    const context = await browser.newContext({ locale: 'zh-CN', ...options });
    contexts.push(context);
    await refuseOffsite(context, server.url, offsite);
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    return { page, context };
  }

  async function signIn(page: Page, username: string, url: string) {
    await page.goto(server.url + url);
    await page.waitForSelector('[data-testid="login"]');
    await page.fill('input[name="username"]', username);
    await page.fill('input[name="password"]', DEMO_PASSWORD);
    await page.click('button[type="submit"]');
  }

  const figure = (key: string) => leader.locator(`[data-testid="ledger-panel"] [data-kpi="coBuilding.${key}"] [data-testid="kpi-value"]`).innerText();
  const sheet = () => phone.locator('[data-testid="ledger-sheet"]');
  async function openSheet() {
    await phone.locator('[data-testid="open-ledger"]').tap();
    await sheet().waitFor();
    await sheet().locator('[data-testid="ledger-figures"]').waitFor({ timeout: LIVE_TIMEOUT });
  }

  beforeAll(async () => {
    requireBuiltClient();
    server = await startTestServer({ backend: 'embedded' });
    [place] = await server.db.query<{ community: string; name: string; grid: string; problem: string }>(
      `SELECT c.code AS community, c.name, min(g.code) AS grid, min(r.id) AS problem
         FROM ledger_records AS r
         JOIN regions AS c ON c.code = r.region_code AND c.level = 'community'
         JOIN regions AS g ON g.level = 'grid' AND g.code LIKE c.code || '%'
        WHERE r.kind = 'problem' AND r.solved_on IS NULL
        GROUP BY c.code, c.name ORDER BY c.code LIMIT 1`,
    );
    expect(place).toBeDefined();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
    ({ page: leader } = await open({ viewport: { width: 1600, height: 1000 } }));
    ({ page: phone, context: phoneContext } = await open(PHONE));
  });

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.close();
  });

  it("a coordinator enters a joint meeting in /field and the leader's open community page counts it live", async () => {
    await signIn(leader, 'leader', `/?region=${place.community}`);
    await leader.waitForSelector(`[data-testid="ledger-panel"][data-region="${place.community}"] [data-kpi="coBuilding.jointMeetings"]`, { timeout: READY_TIMEOUT });
    const meetings = Number(await figure('jointMeetings'));

    await signIn(phone, `grid-${place.grid}`, '/field');
    await phone.waitForSelector('[data-testid="field"][data-status="ready"]', { timeout: READY_TIMEOUT });
    await openSheet();
    // The sheet is for the grid's community, by name, with its figures.
    expect(await sheet().locator('[data-testid="ledger-community-name"]').innerText()).toBe(place.name);
    expect(await sheet().locator('[data-testid="ledger-figures"]').innerText()).toContain(`联席会议 ${meetings} 次`);
    expect(await sheet().locator('[data-testid="ledger-date"]').inputValue()).toBe(today());
    expect(await sheet().locator('[data-testid="ledger-submit"]').isDisabled()).toBe(true);
    await sheet().locator('[data-testid="ledger-kind"]').selectOption('joint_meeting');
    await sheet().locator('[data-testid="ledger-title"]').fill('网格员录入的联席会议（端到端测试）');
    await sheet().locator('[data-testid="ledger-notes"]').fill('议题：老旧小区加装电梯');
    await shot('ledger-field-sheet.png', phone);
    await sheet().locator('[data-testid="ledger-submit"]').tap();
    await expect.poll(() => phone.locator('[data-testid="toast"]').innerText().catch(() => ''), { timeout: LIVE_TIMEOUT }).toContain('网格员录入的联席会议（端到端测试）');
    expect(await sheet().count()).toBe(0);

    // The leader did nothing: the live link brings the event and the panel counts one more meeting.
    await expect.poll(() => figure('jointMeetings'), { timeout: LIVE_TIMEOUT }).toBe(String(meetings + 1));
    const api = client(server.url, await login(server.url, 'admin'));
    const { records } = (await api.get(`/api/ledger/${place.community}/records?kind=joint_meeting&limit=5`)).body as { records: LedgerRecord[] };
    expect(records[0]).toMatchObject({ title: '网格员录入的联席会议（端到端测试）', regionCode: place.community, createdBy: `grid-${place.grid}`, occurredOn: today() });
  });

  it('the coordinator marks an open problem solved and problemsSolved goes up live', async () => {
    const solved = Number(await figure('problemsSolved'));
    await openSheet();
    await sheet().locator('[data-testid="ledger-tab-problems"]').tap();
    const row = sheet().locator(`[data-testid="ledger-problems"] li[data-record="${place.problem}"]`);
    await row.waitFor({ timeout: LIVE_TIMEOUT });
    await shot('ledger-field-problems.png', phone);
    await row.locator('[data-testid="ledger-solve"]').tap();
    await sheet().locator('[data-testid="ledger-notice"]').waitFor({ timeout: LIVE_TIMEOUT });
    // Gone from the open problems, solved today on the server, counted on the leader's page.
    await expect.poll(() => row.count()).toBe(0);
    await expect.poll(() => figure('problemsSolved'), { timeout: LIVE_TIMEOUT }).toBe(String(solved + 1));
    const api = client(server.url, await login(server.url, 'admin'));
    const { records } = (await api.get(`/api/ledger/${place.community}/records?kind=problem&limit=500&from=2000-01-01`)).body as { records: LedgerRecord[] };
    expect(records.find((r) => r.id === place.problem)).toMatchObject({ solvedOn: today() });
    await sheet().locator('[data-testid="ledger-close"]').tap();
  });

  it('a problem changed by someone else since it was read shows both versions, and a retry on theirs solves it', async () => {
    const admin = client(server.url, await login(server.url, 'admin'));
    const created = await admin.post('/api/ledger/records', { kind: 'problem', regionCode: place.community, title: '楼道照明损坏（冲突测试）', occurredOn: today() });
    expect(created.status).toBe(201);
    const problem = (created.body as { record: LedgerRecord }).record;
    await openSheet();
    await sheet().locator('[data-testid="ledger-tab-problems"]').tap();
    const row = sheet().locator(`[data-testid="ledger-problems"] li[data-record="${problem.id}"]`);
    await row.waitFor({ timeout: LIVE_TIMEOUT });
    expect(await row.getAttribute('data-version')).toBe('1');
    // Someone else edits it while the phone shows version 1.
    expect((await admin.patch(`/api/ledger/records/${problem.id}`, { version: 1, notes: '物业已报修' })).status).toBe(200);
    const solved = Number(await figure('problemsSolved'));

    await row.locator('[data-testid="ledger-solve"]').tap();
    const conflict = sheet().locator('[data-testid="ledger-conflict"]');
    await conflict.waitFor({ timeout: LIVE_TIMEOUT });
    expect(await conflict.innerText()).toContain('服务器上已是第 2 版，你看到的是第 1 版');
    await shot('ledger-field-conflict.png', phone);
    // Nothing was changed by the refused write.
    expect(Number(await figure('problemsSolved'))).toBe(solved);
    await conflict.locator('[data-testid="ledger-conflict-retry"]').tap();
    await sheet().locator('[data-testid="ledger-notice"]').waitFor({ timeout: LIVE_TIMEOUT });
    expect(await conflict.count()).toBe(0);
    await expect.poll(() => figure('problemsSolved'), { timeout: LIVE_TIMEOUT }).toBe(String(solved + 1));
    const { records } = (await admin.get(`/api/ledger/${place.community}/records?kind=problem&limit=500&from=2000-01-01`)).body as { records: LedgerRecord[] };
    expect(records.find((r) => r.id === problem.id)).toMatchObject({ version: 3, solvedOn: today(), notes: '物业已报修' });
    await sheet().locator('[data-testid="ledger-close"]').tap();
  });

  it('offline, the sheet says the ledger needs a network and does not offer to save', async () => {
    await phoneContext.setOffline(true);
    await phone.waitForSelector('[data-testid="field"][data-online="false"]', { timeout: LIVE_TIMEOUT });
    await phone.locator('[data-testid="open-ledger"]').tap();
    await sheet().locator('[data-testid="ledger-offline"]').waitFor();
    expect(await sheet().locator('[data-testid="ledger-offline"]').innerText()).toContain('台账需要联网');
    await sheet().locator('[data-testid="ledger-title"]').fill('离线时不能保存');
    expect(await sheet().locator('[data-testid="ledger-submit"]').isDisabled()).toBe(true);
    await shot('ledger-field-offline.png', phone);
    await sheet().locator('[data-testid="ledger-close"]').tap();
    await phoneContext.setOffline(false);
  });

  it('an administrator records a fund in the admin tab; the same year again is refused with a clear message', async () => {
    const { page: admin } = await open({ viewport: { width: 1600, height: 1100 } });
    await signIn(admin, 'admin', '/admin?tab=ledger');
    await admin.waitForSelector('[data-testid="ledger-fund-form"]', { timeout: READY_TIMEOUT });
    const year = '2020'; // before the sample's funds
    const fill = async () => {
      await admin.fill('[data-testid="ledger-fund-region"]', place.community);
      await admin.selectOption('[data-testid="ledger-fund-kind"]', 'party_building');
      await admin.fill('[data-testid="ledger-fund-year"]', year);
      await admin.fill('[data-testid="ledger-fund-amount"]', '12.5');
    };
    await fill();
    await admin.fill('[data-testid="ledger-fund-notes"]', '端到端测试');
    await admin.click('[data-testid="ledger-fund-save"]');
    await expect.poll(() => admin.locator('[data-testid="ledger-fund-ok"]').innerText().catch(() => ''), { timeout: LIVE_TIMEOUT }).toBe(
      `已录入：${place.community} ${year} 年党建经费 12.5 万元`,
    );
    await expect.poll(() => admin.locator('[data-testid="ledger-funds-list"]').innerText(), { timeout: LIVE_TIMEOUT }).toMatch(new RegExp(`${year}\\s+${place.community}\\s+党建经费\\s+12\\.5 万元`));
    const api = client(server.url, await login(server.url, 'admin'));
    const funds = (await api.get(`/api/ledger/${place.community}/funds`)).body as { kind: string; year: number; amountWan: number; createdBy: string }[];
    expect(funds.filter((f) => f.kind === 'party_building' && f.year === 2020)).toEqual([expect.objectContaining({ amountWan: 12.5, createdBy: 'admin' })]);

    await fill();
    await admin.click('[data-testid="ledger-fund-save"]');
    const error = admin.locator('[data-testid="ledger-fund-error"]');
    await error.waitFor({ timeout: LIVE_TIMEOUT });
    expect(await error.innerText()).toBe(`${place.community} 的 ${year} 年党建经费已录入过，不能重复录入。`);
    await shot('ledger-admin-fund.png', admin);
    await shot('ledger-admin-fund-form.png', admin, '[data-testid="ledger-fund-form"]');
    expect(pageErrors).toEqual([]);
    expect(offsite).toEqual([]);
  });
});
