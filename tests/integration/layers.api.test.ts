// Layers, campaigns and auth over HTTP against the real server on real PostGIS (both backends); nothing mocked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { client, login } from '../helpers/api.js';

describe.each(BACKENDS)('layers API on %s', (backend) => {
  let server: TestServer;
  let leader: ReturnType<typeof client>;
  beforeAll(async () => {
    server = await startTestServer({ backend });
    leader = client(server.url, await login(server.url, 'leader'));
  });
  afterAll(() => server?.close());

  it('lists a layer as RFC 7946 GeoJSON, filtered by region, bbox and status', async () => {
    const all = await leader.get('/api/layers/service-centres');
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toContain('application/geo+json');
    expect(all.body.features).toHaveLength(11 + 156 + 52);
    const f = all.body.features[0];
    expect(f).toMatchObject({ type: 'Feature', geometry: { type: 'Point' }, properties: { id: f.id, version: expect.any(Number) } });

    const street = await leader.get('/api/layers/service-centres?region=410105001');
    expect(street.body.features.length).toBeGreaterThan(0);
    expect(street.body.features.every((x: { properties: { regionCode: string } }) => x.properties.regionCode.startsWith('410105001'))).toBe(true);

    const [lon, lat] = f.geometry.coordinates;
    const boxed = await leader.get(`/api/layers/service-centres?bbox=${lon - 0.001},${lat - 0.001},${lon + 0.001},${lat + 0.001}`);
    expect(boxed.body.features.map((x: { id: string }) => x.id)).toContain(f.id);
    expect(boxed.body.features.length).toBeLessThan(all.body.features.length);

    const open = await leader.get('/api/layers/disputes?status=reported,accepted,mediating,escalated');
    const stats = await leader.get('/api/stats');
    expect(open.body.features).toHaveLength(stats.body.disputes.open);
  });

  it('rejects malformed queries with 4xx and the error body', async () => {
    for (const q of ['bbox=1,2,3', 'bbox=a,b,c,d', 'bbox=113,34,200,35', 'bbox=114,34,113,35', 'status=flying', 'region=12', 'colour=red']) {
      const res = await leader.get(`/api/layers/compounds?${q}`);
      expect({ q, status: res.status, error: typeof res.body.error }).toEqual({ q, status: 400, error: 'string' });
    }
    expect((await leader.get('/api/layers/compounds?region=410105099')).status).toBe(404);
    expect((await leader.get('/api/layers/unicorns')).status).toBe(404);
    expect((await leader.get('/api/layers/compounds/no-such-id')).status).toBe(404);
    const res = await leader.patch('/api/layers/compounds/no-such-id', { status: 'pending', version: 1, colour: 'red' });
    expect(res.status).toBe(400);
    expect((await leader.patch('/api/layers/compounds/no-such-id', { status: 'pending', version: 1 })).status).toBe(404);
  });

  it('answers malformed writes with 4xx, never 5xx, and changes nothing', async () => {
    const [row] = await server.db.query(`SELECT id, version FROM compounds ORDER BY id LIMIT 1`);
    const before = (await server.db.query('SELECT count(*) AS n FROM events'))[0].n;
    const token = await login(server.url, 'leader');
    const send = (body: string, type = 'application/json') =>
      fetch(`${server.url}/api/layers/compounds/${row.id}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${token}`, 'content-type': type },
        body,
      });
    const cases: [string, string?][] = [
      ['{"status":'],
      ['not json', 'text/plain'],
      ['[]'],
      ['{"status":"pending","version":"one"}'],
      ['{"status":"pending","version":1e309}'],
      ['{"status":"pending","version":-3}'],
      [JSON.stringify({ status: 'x'.repeat(5000), version: row.version })],
      [JSON.stringify({ status: 'pending', version: row.version, note: 'n'.repeat(2_000_000) })],
    ];
    for (const [body, type] of cases) {
      const res = await send(body, type);
      expect({ body: body.slice(0, 40), status: res.status >= 400 && res.status < 500 }).toEqual({ body: body.slice(0, 40), status: true });
      expect(await res.json()).toMatchObject({ error: expect.any(String), message: expect.any(String) });
    }
    expect((await server.db.query('SELECT count(*) AS n FROM events'))[0].n).toBe(before);
  });

  it("tells each user the statuses they may set, and records a change in the feature's history", async () => {
    const [row] = await server.db.query(`SELECT id, left(region_code, 14) AS grid FROM disputes WHERE status = 'mediating' AND mediation_level <> 'district' ORDER BY id LIMIT 1`);
    const coordinator = client(server.url, await login(server.url, `grid-${row.grid}`));
    const feature = (await coordinator.get(`/api/layers/disputes/${row.id}`)).body;
    expect(feature.properties.nextStatuses).toEqual(expect.arrayContaining(['resolved', 'referred']));

    const level = feature.properties.mediationLevel;
    const res = await coordinator.patch(`/api/layers/disputes/${row.id}`, { status: 'escalated', version: feature.properties.version, note: '升级调处' });
    expect(res.status).toBe(200);
    expect(res.body.feature.properties.mediationLevel).toBe(level === 'community' ? 'street' : 'district');
    const history = (await leader.get(`/api/layers/disputes/${row.id}/history`)).body.events;
    expect(history.at(-1)).toMatchObject({
      seq: res.body.seq,
      op: 'update',
      before: { status: 'mediating', mediationLevel: level },
      after: { status: 'escalated', note: '升级调处' },
    });
  });

  it('reflects a change in /api/stats immediately (roll-ups are cached only until the next event)', async () => {
    const [row] = await server.db.query(`SELECT id, version, left(region_code, 14) AS grid FROM disputes WHERE status = 'mediating' ORDER BY id DESC LIMIT 1`);
    const before = (await leader.get('/api/stats')).body.disputes;
    expect((await leader.get('/api/stats')).body.disputes).toEqual(before);
    const t = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    const coordinator = client(server.url, await login(server.url, `grid-${row.grid}`));
    expect((await coordinator.patch(`/api/layers/disputes/${row.id}`, { status: 'resolved', version: row.version })).status).toBe(200);
    const after = (await leader.get('/api/stats')).body.disputes;
    expect(after.resolved).toBe(before.resolved + 1);
    expect(after.open).toBe(before.open - 1);
    // Replay: the figures as they stood before the change.
    const then = (await leader.get(`/api/stats?at=${t}`)).body.disputes;
    expect({ open: then.open, resolved: then.resolved }).toEqual({ open: before.open, resolved: before.resolved });
  });

  it('keeps reads inside the user region subtree', async () => {
    const [row] = await server.db.query(`SELECT code FROM regions WHERE level = 'grid' ORDER BY code LIMIT 1`);
    const coordinator = client(server.url, await login(server.url, `grid-${row.code}`));
    expect((await coordinator.get('/api/stats')).body.region.code).toBe(row.code);
    expect((await coordinator.get('/api/stats?region=410105')).status).toBe(403);
    expect((await coordinator.get('/api/layers/compounds?region=410105019')).status).toBe(403);
    const own = await coordinator.get('/api/layers/compounds');
    expect(own.body.features.every((f: { properties: { regionCode: string } }) => f.properties.regionCode.startsWith(row.code))).toBe(true);
  });

  it('computes campaign progress per child region from the targets', async () => {
    const campaigns = (await leader.get('/api/campaigns')).body;
    const unmanaged = campaigns.find((c: { id: string }) => c.id === 'unmanaged-compounds');
    expect(unmanaged.targets).toBe(647);
    const progress = (await leader.get('/api/campaigns/unmanaged-compounds/progress?region=410105')).body;
    expect(progress.targets).toBe(647);
    expect(progress.children).toHaveLength(19);
    expect(progress.children.reduce((a: number, c: { targets: number }) => a + c.targets, 0)).toBe(647);
    expect(progress.children.reduce((a: number, c: { done: number }) => a + c.done, 0)).toBe(progress.done);
    const [db] = await server.db.query(`SELECT count(*) AS n FROM compounds WHERE kind = 'unmanaged' AND status IN ('done', 'verified')`);
    expect(progress.done).toBe(db.n);
    expect((await leader.get('/api/campaigns/nope/progress')).status).toBe(404);
    const targets = (await leader.get('/api/campaigns/unmanaged-compounds/targets?region=410105001')).body;
    expect(targets.layer).toBe('compounds');
    expect(targets.ids).toHaveLength(progress.children.find((c: { code: string }) => c.code === '410105001').targets);
  });

  it('replays statuses and campaign progress as they stood at a time T from the event log; now is current (cached only until the next event)', async () => {
    const [row] = await server.db.query(
      `SELECT id, version, left(region_code, 14) AS grid FROM compounds WHERE kind = 'unmanaged' AND status = 'in_progress' ORDER BY id LIMIT 1`,
    );
    const coordinator = client(server.url, await login(server.url, `grid-${row.grid}`));
    const progress = async (at?: string) =>
      (await leader.get(`/api/campaigns/unmanaged-compounds/progress?region=410105${at ? `&at=${at}` : ''}`)).body.done as number;
    const listed = async () => (await leader.get('/api/campaigns')).body.find((c: { id: string }) => c.id === 'unmanaged-compounds').done as number;
    const doneBefore = await progress();
    const listedBefore = await listed();
    await new Promise((r) => setTimeout(r, 20));
    const t = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    expect((await coordinator.patch(`/api/layers/compounds/${row.id}`, { status: 'done', version: row.version })).status).toBe(200);

    expect(await progress()).toBe(doneBefore + 1);
    expect(await listed()).toBe(listedBefore + 1);
    expect(await progress(t)).toBe(doneBefore);
    const then = await leader.get(`/api/layers/compounds?region=${row.grid}&at=${t}`);
    expect(then.body.features.find((f: { id: string }) => f.id === row.id).properties.status).toBe('in_progress');
    const now = await leader.get(`/api/layers/compounds?region=${row.grid}`);
    expect(now.body.features.find((f: { id: string }) => f.id === row.id).properties.status).toBe('done');
    expect((await leader.get('/api/layers/compounds?at=yesterday')).status).toBe(400);
  });

  it('limits failed logins per username with 429 but never a correct one from elsewhere', async () => {
    const attempt = (username: string, password: string) => client(server.url).post('/api/auth/login', { username, password });
    for (let i = 0; i < 5; i++) expect((await attempt('admin', 'wrong')).status).toBe(401);
    const limited = await attempt('admin', 'wrong');
    expect(limited.status).toBe(429);
    expect(limited.body.error).toBe('too_many_attempts');
    // Successful logins of other users are not limited.
    for (let i = 0; i < 8; i++) expect((await attempt('leader', 'test-demo-password')).status).toBe(200);
    expect((await attempt('leader', '')).status).toBe(400);
  });

  it('sets security headers', async () => {
    const res = await fetch(`${server.url}/api/health`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
  });
});

describe('exports and search', () => {
  let server: TestServer;
  let leader: string;
  beforeAll(async () => {
    server = await startTestServer({ backend: 'postgres' });
    leader = await login(server.url, 'leader');
  });
  afterAll(() => server?.close());
  const get = (path: string) => fetch(server.url + path, { headers: { authorization: `Bearer ${leader}` } });

  it('exports a region as CSV with a BOM and Chinese headers, one row per feature', async () => {
    const res = await get('/api/export/service-centres?region=410105001&format=csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = new TextDecoder().decode(bytes.slice(3)).trim().split('\n');
    expect(lines[0]).toContain('名称');
    expect(lines[0]).toContain('面积档次');
    expect(lines[1]).toMatch(/运行中|改造中|已关闭/); // coded values are exported as Chinese labels
    const fc = await (await get('/api/layers/service-centres?region=410105001')).json();
    expect(lines.length - 1).toBe(fc.features.length);
  });

  it('exports XLSX that a spreadsheet library reads back', async () => {
    const res = await get('/api/export/compounds?region=410105002&format=xlsx');
    expect(res.status).toBe(200);
    const ExcelJS = (await import('exceljs')).default;
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await res.arrayBuffer());
    const sheet = book.worksheets[0];
    expect(sheet.getRow(1).getCell(2).value).toBe('名称');
    const fc = await (await get('/api/layers/compounds?region=410105002')).json();
    expect(sheet.rowCount - 1).toBe(fc.features.length);
    expect((await get('/api/export/compounds?format=pdf')).status).toBe(400);
  });

  it('finds regions and points by name or code', async () => {
    const res = await (await get(`/api/search?q=${encodeURIComponent('经八路')}`)).json();
    expect(res.regions[0]).toMatchObject({ code: '410105001', name: '经八路街道' });
    const byCode = await (await get('/api/search?q=410105019')).json();
    expect(byCode.regions[0].code).toBe('410105019');
    const [point] = await server.db.query(`SELECT name FROM service_centres ORDER BY id LIMIT 1`);
    const found = await (await get(`/api/search?q=${encodeURIComponent(point.name)}`)).json();
    expect(found.features.some((f: { name: string; layer: string }) => f.name === point.name && f.layer === 'service-centres')).toBe(true);
    expect((await get('/api/search?q=')).status).toBe(400);
  });
});
