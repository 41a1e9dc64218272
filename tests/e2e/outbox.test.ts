// The field outbox (client/src/modes/field/lib/outbox.svelte.ts) in real Chromium — real IndexedDB, real fetch,
// real offline emulation — against the real server over the real sample database (embedded PostGIS). The built
// field page is loaded with a signed-in coordinator and the outbox is driven through its window hook
// (`window.__outbox`), as the field screens drive it. Service workers are blocked in this context so that
// Playwright's routing sees every request (the PWA has its own describe below). Nothing is mocked: the
// "ambiguous failure" lets the request reach the server and only drops its answer.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { ChangeEvent } from '$contract/events';
import type { LoginResponse } from '$contract/auth';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { client } from '../helpers/api.js';
import { DEMO_PASSWORD } from '../helpers/templates.js';
import { STORAGE_KEYS } from '../../client/src/lib/state/storage-keys.js';
import { ARTIFACTS, CLIENT_DIST, CHROMIUM_ARGS, requireBuiltClient } from './browser.js';

const READY_TIMEOUT = 60_000;

/** What the tests use of the outbox, as seen from page.evaluate (the class itself is runes code). */
interface OutboxView {
  key: string;
  layer: string;
  featureId: string;
  status: string;
  version: number;
  state: 'pending' | 'sending' | 'conflict' | 'failed';
  error?: { code: string; message: string };
  current?: { properties: { version: number; status: string } };
}
interface OutboxHook {
  __outbox: {
    entries: OutboxView[];
    online: boolean;
    ready: Promise<void>;
    enqueue(e: Record<string, unknown>): Promise<void>;
    flush(): Promise<void>;
    reapply(key: string): Promise<void>;
    drop(key: string): Promise<void>;
    onLanded(cb: (r: { entry: OutboxView; seq: number }) => void): () => void;
  };
  __landed: { key: string; featureId: string; seq: number }[];
}

interface Point {
  id: string;
  status: string;
  version: number;
  nextStatuses: string[];
}

async function loginResponse(url: string, username: string): Promise<LoginResponse> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: DEMO_PASSWORD }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as LoginResponse;
}

/** A persistent Chromium context with the coordinator's session stored as the app keeps it. */
async function openField(server: TestServer, login: LoginResponse, options: { serviceWorkers: 'allow' | 'block' }) {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jinshui-e2e-outbox-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    locale: 'zh-CN',
    viewport: { width: 390, height: 844 },
    serviceWorkers: options.serviceWorkers,
  });
  await context.addInitScript(
    ([keys, token, user]) => {
      if (!localStorage.getItem(keys.token)) {
        localStorage.setItem(keys.token, token);
        localStorage.setItem(keys.user, user);
      }
    },
    [STORAGE_KEYS, login.token, JSON.stringify(login.user)] as const,
  );
  const page = context.pages()[0] ?? (await context.newPage());
  const close = async () => {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  };
  return { context, page, close };
}

describe('field outbox in Chromium', () => {
  let server: TestServer;
  let coordinator: string;
  let api: ReturnType<typeof client>;
  let leader: ReturnType<typeof client>;
  /** Compounds of the coordinator's grid, pending or in progress first. */
  let ids: string[];
  let context: BrowserContext;
  let page: Page;
  let closeBrowser: () => Promise<void>;
  const pageErrors: string[] = [];

  const point = async (id: string): Promise<Point> => {
    const res = await api.get(`/api/layers/compounds/${id}`);
    expect(res.status).toBe(200);
    return { id, ...res.body.properties };
  };
  const history = async (id: string): Promise<ChangeEvent[]> => (await leader.get(`/api/layers/compounds/${id}/history`)).body.events;
  const entries = () => page.evaluate(() => (window as unknown as OutboxHook).__outbox.entries.map((e) => ({ ...e, photo: undefined })));
  const landed = () => page.evaluate(() => (window as unknown as OutboxHook).__landed);
  const enqueue = (p: Point, status: string, extra: Record<string, unknown> = {}) =>
    page.evaluate(
      ([p, status, extra]) =>
        (window as unknown as OutboxHook).__outbox.enqueue({ layer: 'compounds', featureId: p.id, featureName: p.id, status, version: p.version, ...extra }),
      [p, status, extra] as const,
    );
  const setOffline = async (offline: boolean) => {
    await context.setOffline(offline);
    await page.waitForFunction((o) => (window as unknown as OutboxHook).__outbox.online === !o, offline);
  };

  /** Loads /field and waits for the outbox; records what lands from then on in window.__landed. */
  async function loadField() {
    await page.goto(`${server.url}/field`);
    await page.waitForFunction(() => (window as unknown as OutboxHook).__outbox, null, { timeout: READY_TIMEOUT });
    await page.evaluate(async () => {
      const w = window as unknown as OutboxHook;
      await w.__outbox.ready;
      w.__landed = [];
      w.__outbox.onLanded(({ entry, seq }) => w.__landed.push({ key: entry.key, featureId: entry.featureId, seq }));
    });
  }

  beforeAll(async () => {
    requireBuiltClient();
    server = await startTestServer({ backend: 'embedded' });
    // The grid with the most compounds in the campaign's working statuses.
    const rows = await server.db.query<{ id: string; grid: string }>(
      `SELECT id, left(region_code, 14) AS grid FROM compounds
        WHERE left(region_code, 14) = (SELECT left(region_code, 14) FROM compounds WHERE status IN ('pending', 'in_progress')
                                        GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1)
        ORDER BY status IN ('pending', 'in_progress') DESC, id`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(4);
    ids = rows.map((r) => r.id);
    coordinator = `grid-${rows[0].grid}`;
    const login = await loginResponse(server.url, coordinator);
    api = client(server.url, login.token);
    leader = client(server.url, (await loginResponse(server.url, 'leader')).token);
    ({ context, page, close: closeBrowser } = await openField(server, login, { serviceWorkers: 'block' }));
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await loadField();
  });

  afterAll(async () => {
    await closeBrowser?.();
    await server?.close();
  });

  it('lands two changes made offline in the order they were made when the network returns', async () => {
    const [a, b] = [await point(ids[2]), await point(ids[3])];
    const before = { a: (await history(a.id)).length, b: (await history(b.id)).length };
    await setOffline(true);
    await enqueue(b, b.nextStatuses[0]);
    await enqueue(a, a.nextStatuses[0]);
    // Queued in the order made; an attempt that started as the network dropped settles back to pending.
    await expect
      .poll(async () => (await entries()).map((e) => [e.featureId, e.state]), { timeout: 10_000 })
      .toEqual([
        [b.id, 'pending'],
        [a.id, 'pending'],
      ]);
    // Nothing reached the server.
    await page.waitForTimeout(500);
    expect([(await history(a.id)).length, (await history(b.id)).length]).toEqual([before.a, before.b]);

    await setOffline(false);
    await expect.poll(async () => (await entries()).length, { timeout: 30_000 }).toBe(0);
    const [eb, ea] = [(await history(b.id)).at(-1)!, (await history(a.id)).at(-1)!];
    expect(eb).toMatchObject({ actor: coordinator, after: expect.objectContaining({ status: b.nextStatuses[0] }) });
    expect(ea).toMatchObject({ actor: coordinator, after: expect.objectContaining({ status: a.nextStatuses[0] }) });
    expect(eb.seq).toBeLessThan(ea.seq);
    expect((await landed()).map((l) => [l.featureId, l.seq])).toEqual([
      [b.id, eb.seq],
      [a.id, ea.seq],
    ]);
  });

  it('turns a 409 into a conflict that holds back only its own point; re-applied, it and the change behind it land', async () => {
    // A point in 'pending' or 'in_progress', which a leader moves on and back: same status, newer version.
    const p = await point(ids[0]);
    const other = await point(ids[1]);
    const back = p.status === 'pending' ? 'in_progress' : 'done';
    const mine = p.nextStatuses.includes(back) ? back : p.nextStatuses[0];

    await setOffline(true);
    await enqueue(p, mine, { note: '我的整改' });
    // Made on top of the first (the screens pass the version they saw; the outbox rebases it when the first lands).
    const secondStatus = mine === 'in_progress' ? 'done' : 'verified';
    await enqueue(p, secondStatus);
    await enqueue(other, other.nextStatuses[0]);

    expect((await leader.patch(`/api/layers/compounds/${p.id}`, { status: mine, version: p.version })).status).toBe(200);
    expect((await leader.patch(`/api/layers/compounds/${p.id}`, { status: p.status, version: p.version + 1 })).status).toBe(200);
    const leaderSeq = (await history(p.id)).at(-1)!.seq;

    await setOffline(false);
    await expect.poll(async () => (await entries()).map((e) => [e.featureId, e.state]), { timeout: 30_000 }).toEqual([
      [p.id, 'conflict'],
      [p.id, 'pending'],
    ]);
    const [conflict, waiting] = await entries();
    expect(conflict.error?.code).toBe('version_conflict');
    expect(conflict.current?.properties).toMatchObject({ version: p.version + 2, status: p.status });
    expect(waiting.version).toBe(p.version);
    // The other point went on; this one has only the leader's changes.
    expect((await history(other.id)).at(-1)).toMatchObject({ actor: coordinator, after: expect.objectContaining({ status: other.nextStatuses[0] }) });
    expect((await history(p.id)).at(-1)!.seq).toBe(leaderSeq);
    // Retries do not unblock it.
    await page.evaluate(() => (window as unknown as OutboxHook).__outbox.flush());
    expect((await entries()).map((e) => e.state)).toEqual(['conflict', 'pending']);

    await page.evaluate((key) => (window as unknown as OutboxHook).__outbox.reapply(key), conflict.key);
    await expect.poll(async () => (await entries()).length, { timeout: 30_000 }).toBe(0);
    const events = (await history(p.id)).filter((e) => e.seq > leaderSeq);
    expect(events.map((e) => [e.actor, e.after?.status, e.after?.version])).toEqual([
      [coordinator, mine, p.version + 3],
      [coordinator, secondStatus, p.version + 4],
    ]);
    expect(events[0].after).toMatchObject({ note: '我的整改' });
    await page.screenshot({ path: path.join(ARTIFACTS, 'outbox-after-conflict.png') });
  });

  it('marks a change the server refuses (invalid transition) as failed, keeps its message, and drops it on request', async () => {
    const p = await point(ids[1]);
    const other = await point(ids[2]);
    const invalid = ['normal', 'pending', 'in_progress', 'done', 'verified'].find((s) => s !== p.status && !p.nextStatuses.includes(s))!;
    await enqueue(p, invalid);
    await enqueue(other, other.nextStatuses[0]);
    await expect.poll(async () => (await entries()).map((e) => [e.featureId, e.state]), { timeout: 30_000 }).toEqual([[p.id, 'failed']]);
    const [failed] = await entries();
    expect(failed.error).toMatchObject({ code: 'invalid_transition', message: expect.stringContaining(invalid) });
    expect((await history(other.id)).at(-1)).toMatchObject({ actor: coordinator, after: expect.objectContaining({ status: other.nextStatuses[0] }) });
    await page.evaluate((key) => (window as unknown as OutboxHook).__outbox.drop(key), failed.key);
    expect(await entries()).toEqual([]);
    expect((await point(p.id)).version).toBe(p.version);
  });

  it('keeps pending changes across a reload (IndexedDB) and sends them afterwards', async () => {
    const p = await point(ids[3]);
    // The server cannot be reached for writes: every PATCH fails as a dropped connection.
    await page.route('**/api/layers/**', (route) => (route.request().method() === 'PATCH' ? route.abort('connectionreset') : route.continue()));
    await enqueue(p, p.nextStatuses[0], { note: '重载前' });
    await expect.poll(async () => (await entries()).map((e) => e.state)).toEqual(['pending']);
    const [before] = await entries();

    await loadField();
    // The reloaded page tries at once (and fails again): wait until that attempt is over.
    await expect
      .poll(async () => (await entries()).map((e) => [e.key, e.featureId, e.status, e.state]))
      .toEqual([[before.key, p.id, p.nextStatuses[0], 'pending']]);

    await page.unroute('**/api/layers/**');
    await page.evaluate(() => (window as unknown as OutboxHook).__outbox.flush());
    expect(await entries()).toEqual([]);
    expect((await history(p.id)).at(-1)).toMatchObject({ after: expect.objectContaining({ status: p.nextStatuses[0], note: '重载前' }) });
  });

  it('never applies a change twice when the answer was lost after the server applied it (Idempotency-Key)', async () => {
    const p = await point(ids[2]);
    const before = (await history(p.id)).length;
    let sent = 0;
    // The request reaches the server and is applied; its answer never reaches the page.
    await page.route('**/api/layers/**', async (route) => {
      if (route.request().method() !== 'PATCH') return route.continue();
      sent += 1;
      await route.fetch();
      await route.abort('connectionreset');
    });
    await enqueue(p, p.nextStatuses[0]);
    await expect.poll(() => sent).toBe(1);
    await expect.poll(async () => (await entries()).map((e) => e.state)).toEqual(['pending']);
    expect((await history(p.id)).length).toBe(before + 1);

    await page.unroute('**/api/layers/**');
    await page.evaluate(() => (window as unknown as OutboxHook).__outbox.flush());
    expect(await entries()).toEqual([]);
    const events = (await history(p.id)).slice(before);
    expect(events).toHaveLength(1);
    // The retry got the first answer: the same seq.
    expect((await landed()).at(-1)).toMatchObject({ featureId: p.id, seq: events[0].seq });
  });

  it('uploads a photo before the change and records it in the event; a photo over 8 MB is refused at once', async () => {
    const p = await point(ids[3]);
    const photoId = await page.evaluate(async () => {
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = 48;
      const ctx = canvas.getContext('2d')!;
      ctx.fillStyle = '#b3261e';
      ctx.fillRect(0, 0, 48, 48);
      ctx.fillStyle = '#fff';
      ctx.fillRect(12, 12, 24, 24);
      const blob = await new Promise<Blob>((resolve) => canvas.toBlob((b) => resolve(b!), 'image/jpeg', 0.9));
      // As a phone's File may come: without a type (the outbox reads it from the bytes).
      (window as unknown as { __photo: Blob }).__photo = new Blob([blob]);
      const hash = await window.crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
      return [...new Uint8Array(hash)].map((x) => x.toString(16).padStart(2, '0')).join('');
    });
    await page.evaluate(
      ([id, version, status]) =>
        (window as unknown as OutboxHook).__outbox.enqueue({
          layer: 'compounds',
          featureId: id,
          featureName: id,
          status,
          version,
          note: '附照片',
          photo: (window as unknown as { __photo: Blob }).__photo,
        }),
      [p.id, p.version, p.nextStatuses[0]] as const,
    );
    await expect.poll(async () => (await entries()).length, { timeout: 30_000 }).toBe(0);
    expect((await history(p.id)).at(-1)).toMatchObject({ after: expect.objectContaining({ status: p.nextStatuses[0], photos: [photoId] }) });

    const refused = await page.evaluate(
      ([id, version, status]) =>
        (window as unknown as OutboxHook).__outbox
          .enqueue({ layer: 'compounds', featureId: id, featureName: id, status, version, photo: new Blob([new Uint8Array(8 * 1024 * 1024 + 1)], { type: 'image/jpeg' }) })
          .then(() => 'queued', (e: { code?: string }) => e.code),
      [p.id, p.version + 1, 'pending'] as const,
    );
    expect(refused).toBe('payload_too_large');
    expect(await entries()).toEqual([]);
    const photos = (await api.get(`/api/layers/compounds/${p.id}/photos`)).body as { id: string; contentType: string }[];
    expect(photos).toContainEqual(expect.objectContaining({ id: photoId, contentType: 'image/jpeg' }));
    const res = await fetch(`${server.url}/api/photos/${photoId}`, { headers: { authorization: `Bearer ${(await loginResponse(server.url, 'leader')).token}` } });
    expect(res.status).toBe(200);
    expect(crypto.createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex')).toBe(photoId);
  });

  it('raised no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});

describe('field PWA in Chromium', () => {
  let server: TestServer;
  let login: LoginResponse;
  let browser: Awaited<ReturnType<typeof openField>>;

  beforeAll(async () => {
    requireBuiltClient();
    server = await startTestServer({ backend: 'embedded' });
    const [row] = await server.db.query<{ grid: string }>(`SELECT left(region_code, 14) AS grid FROM compounds ORDER BY id LIMIT 1`);
    login = await loginResponse(server.url, `grid-${row.grid}`);
    browser = await openField(server, login, { serviceWorkers: 'allow' });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('serves the service worker and the manifest uncached, and ships no source maps', async () => {
    for (const file of ['/sw.js', '/manifest.webmanifest']) {
      const res = await fetch(server.url + file);
      expect({ file, status: res.status, cache: res.headers.get('cache-control') }).toEqual({ file, status: 200, cache: 'no-cache' });
    }
    const manifest = await (await fetch(`${server.url}/manifest.webmanifest`)).json();
    expect(manifest).toMatchObject({ name: '金水区网格员', short_name: '网格员', start_url: '/field', scope: '/field', display: 'standalone' });
    for (const icon of manifest.icons as { src: string; sizes: string }[]) {
      const res = await fetch(server.url + icon.src);
      expect({ src: icon.src, status: res.status, type: res.headers.get('content-type') }).toEqual({ src: icon.src, status: 200, type: 'image/png' });
    }
    const assets = fs.readdirSync(path.join(CLIENT_DIST, 'assets'));
    expect(assets.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(assets.filter((f) => f.endsWith('.js') && fs.readFileSync(path.join(CLIENT_DIST, 'assets', f), 'utf8').includes('sourceMappingURL='))).toEqual([]);
  });

  it('controls /field after one online visit and serves it offline, but never controls the wall or the leader page', async () => {
    const { page, context } = browser;
    await page.goto(`${server.url}/field`);
    await page.waitForSelector('html[data-field-offline-ready="true"]', { timeout: READY_TIMEOUT });
    const sw = await page.evaluate(async () => ({
      controlled: !!navigator.serviceWorker.controller,
      scope: (await navigator.serviceWorker.getRegistration())?.scope,
    }));
    expect(sw).toEqual({ controlled: true, scope: `${server.url}/field` });

    for (const p of ['/wall', '/']) {
      const other = await context.newPage();
      await other.goto(server.url + p);
      expect({ p, controlled: await other.evaluate(() => !!navigator.serviceWorker.controller) }).toEqual({ p, controlled: false });
      await other.close();
    }

    await context.setOffline(true);
    try {
      await page.reload();
      await page.waitForSelector('[data-testid="field"]', { timeout: READY_TIMEOUT });
      // The outbox finds out that the server cannot be reached, even where navigator.onLine still says true.
      await page.waitForFunction(() => (window as unknown as OutboxHook).__outbox.online === false);
      // Reads of the field page come from the worker's copy; writes are never cached.
      const offline = await page.evaluate(async (token) => {
        const get = (u: string) => fetch(u, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status, () => 'network error');
        return { config: await get('/api/config'), events: await get('/api/events?since=0&limit=1') };
      }, login.token);
      expect(offline).toEqual({ config: 200, events: 'network error' });
      await page.screenshot({ path: path.join(ARTIFACTS, 'outbox-pwa-offline.png') });
      const wall = await context.newPage();
      await expect(wall.goto(`${server.url}/wall`)).rejects.toThrow(/ERR_INTERNET_DISCONNECTED/);
      await wall.close();
    } finally {
      await context.setOffline(false);
    }
  });
});
