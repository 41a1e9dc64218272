// The admin ImportPanel in real Chromium against the real server (PostgreSQL backend): a real file goes up through
// the file picker with upload progress, and the server's report is shown. Nothing is mocked.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { login } from '../helpers/api.js';
import { ROOT } from '../helpers/templates.js';
import { ARTIFACTS, CHROMIUM_ARGS, requireBuiltClient } from './browser.js';
import { STORAGE_KEYS } from '../../client/src/lib/state/storage-keys.js';

const fixture = (name: string) => path.join(ROOT, 'tests/fixtures/imports', name);

describe('admin import panel in Chromium', () => {
  let server: TestServer;
  let userDataDir: string;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    requireBuiltClient();
    server = await startTestServer({ backend: 'postgres' });
    const token = await login(server.url, 'admin');
    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jinshui-e2e-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
      locale: 'zh-CN',
    });
    const user = { username: 'admin', role: 'admin', regionCode: '410105', regionCodes: ['410105'] };
    await context.addInitScript(
      ([tokenKey, tokenValue, userKey, userValue]) => {
        window.localStorage.setItem(tokenKey, tokenValue);
        window.localStorage.setItem(userKey, userValue);
      },
      [STORAGE_KEYS.token, token, STORAGE_KEYS.user, JSON.stringify(user)] as const,
    );
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${server.url}/admin?tab=import`);
    await page.getByTestId('import-panel').waitFor({ timeout: 60_000 });
  });
  afterAll(async () => {
    await context?.close();
    if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
    await server?.close();
  });

  it('uploads a broken CSV and lists every bad row; nothing is written', async () => {
    const [before] = await server.db.query('SELECT count(*) AS n FROM compounds');
    await page.getByTestId('import-file').setInputFiles(fixture('compounds-broken.csv'));
    await page.getByTestId('import-submit').click();
    const report = page.getByTestId('import-report');
    await report.waitFor({ timeout: 60_000 });
    await expect.poll(() => report.textContent()).toContain('未导入：7 行有误');
    expect(await page.getByTestId('import-bad-rows').locator('tbody tr').count()).toBe(7);
    expect(await page.getByTestId('import-bad-rows').textContent()).toContain('outside the district');
    await page.screenshot({ path: path.join(ARTIFACTS, 'admin-import-rejected.png'), fullPage: true });
    expect((await server.db.query('SELECT count(*) AS n FROM compounds'))[0].n).toBe(before.n);
  });

  it('with skip-bad imports the good rows and shows the counts', async () => {
    const [before] = await server.db.query('SELECT count(*) AS n FROM compounds');
    await page.getByTestId('import-skip-bad').check();
    await page.getByTestId('import-submit').click();
    const report = page.getByTestId('import-report');
    await expect.poll(() => report.textContent(), { timeout: 60_000 }).toContain('导入成功：写入 2 行');
    await page.screenshot({ path: path.join(ARTIFACTS, 'admin-import-committed.png'), fullPage: true });
    expect((await server.db.query('SELECT count(*) AS n FROM compounds'))[0].n).toBe(before.n + 2);
  });

  it('offers the region levels with a warning when the target is region boundaries', async () => {
    await page.getByTestId('import-target').selectOption('regions');
    await page.getByTestId('import-level').selectOption('grid');
    await expect.poll(() => page.getByTestId('import-panel').textContent()).toContain('将替换全区所有“网格”及其以下层级的边界');
    await page.screenshot({ path: path.join(ARTIFACTS, 'admin-import-regions.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
