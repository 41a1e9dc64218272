// PostgreSQL stopped for about 10 s under load, under a real server process (`tsx server/src/main.ts`) and an
// open wall in real Chromium. The cluster is this file's own (tests/helpers/faults.ts), never the suite's shared
// one. Nothing mocked: writers PATCH over HTTP the whole time, the wall polls /api/health by itself.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { openDb } from '../../server/src/db/db.js';
import { startServerProcess, type Proc } from '../helpers/processes.js';
import { client, login } from '../helpers/api.js';
import { DEMO_PASSWORD, TMP } from '../helpers/templates.js';
import { pickWriters, startOwnCluster, waitFor, writeStream, type OwnCluster } from '../helpers/faults.js';
import { ARTIFACTS, CHROMIUM_ARGS, READY, refuseOffsite, requireBuiltClient } from './browser.js';

const WALL = '[data-testid="wall"]';
const OUTAGE_MS = 10_000;

describe('PostgreSQL stopped for 10 s under load', () => {
  let cluster: OwnCluster;
  let server: Proc & { url: string };
  let browser: Browser;
  let page: Page;
  let writers: Awaited<ReturnType<typeof pickWriters>>;
  const pageErrors: string[] = [];
  const dataDir = path.join(TMP, `outage-${process.pid}`);

  beforeAll(async () => {
    requireBuiltClient();
    cluster = await startOwnCluster();
    const db = await openDb({ databaseUrl: cluster.databaseUrl, dataDir });
    writers = await pickWriters(db, 3);
    await db.close();
    server = await startServerProcess({ DATABASE_URL: cluster.databaseUrl, DATA_DIR: dataDir, DEMO_PASSWORD });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' });
    const offsite: string[] = [];
    await refuseOffsite(context, server.url, offsite);
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${server.url}/wall?token=${encodeURIComponent(await login(server.url, 'display'))}`);
    await page.waitForSelector(`${WALL}[data-status="ready"][data-live-status="live"]`, { timeout: 120_000 });
    await page.waitForSelector(READY, { timeout: 120_000 });
  });
  afterAll(async () => {
    if (server?.child.exitCode !== null) console.error(server?.output().slice(-4000));
    await browser?.close();
    await server?.stop();
    cluster?.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After meanwhile, stays up, shows the wall stale, and recovers by itself', { timeout: 240_000 }, async () => {
    const health = () => fetch(`${server.url}/api/health`);
    const probe = client(server.url, await login(server.url, writers[0] ? `grid-${writers[0].grid}` : 'leader'));
    const stream = writeStream(() => server.url, writers);
    await waitFor('writes before the outage', () => stream.acks.length >= 5);

    const stoppedAt = Date.now();
    cluster.stop();

    const down = await waitFor('health to answer 503', async () => {
      const res = await health();
      return res.status === 503 ? res : undefined;
    });
    expect(down.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await down.json()).toMatchObject({ error: 'db_unavailable', message: expect.any(String) });

    // A write while the database is away: 503 in the error shape, with when to come back.
    const w = writers[0];
    const write = await probe.patch(`/api/layers/compounds/${w.id}`, { status: 'pending', version: w.version });
    expect(write.status).toBe(503);
    expect(write.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(write.body).toMatchObject({ error: 'db_unavailable', message: expect.any(String), retryAfter: expect.any(Number) });

    // The wall keeps its socket (the server is up) but says its data may be stale.
    await page.waitForSelector(`${WALL}[data-stale="true"]`, { timeout: 30_000 });
    expect(await page.locator('[data-testid="live-state"]').innerText()).toBe('数据可能已过期');
    await page.screenshot({ path: path.join(ARTIFACTS, 'wall-db-down.png') });

    const acksDuringOutage = stream.acks.length;
    await new Promise((r) => setTimeout(r, Math.max(0, stoppedAt + OUTAGE_MS - Date.now())));
    expect(server.child.exitCode).toBeNull();
    cluster.start();

    // Back by itself: health, writes, and the wall — no restart, no click.
    await waitFor('health to answer 200 again', async () => (await health()).status === 200);
    await waitFor('writes to succeed again', () => stream.acks.length >= acksDuringOutage + 5);
    await stream.stop();
    expect(stream.failures.some((f) => f.startsWith('503'))).toBe(true);
    expect(stream.failures.filter((f) => /^5\d\d/.test(f) && !f.startsWith('503'))).toEqual([]);

    await page.waitForSelector(`${WALL}[data-stale="false"][data-live-status="live"]`, { timeout: 30_000 });
    const last = stream.acks[stream.acks.length - 1].seq;
    await expect.poll(() => page.locator(WALL).getAttribute('data-last-seq').then(Number), { timeout: 30_000 }).toBeGreaterThanOrEqual(last);
    expect(server.child.exitCode).toBeNull();
    expect(server.output()).not.toMatch(/uncaught|unhandled/i);
    expect(pageErrors).toEqual([]);
  });
});
