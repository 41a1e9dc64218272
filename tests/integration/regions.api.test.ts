// The real server over real PostGIS (both backends), called over loopback HTTP; nothing mocked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { client, login } from '../helpers/api.js';
import { RegionsRepository } from '../../server/src/regions/regions.repository.js';

describe.each(BACKENDS)('regions API on %s', (backend) => {
  let server: TestServer;
  let token: string;
  const get = (path: string) => fetch(server.url + path, { headers: { authorization: `Bearer ${token}` } });
  beforeAll(async () => {
    server = await startTestServer({ backend });
    token = await login(server.url, 'leader');
  });
  afterAll(() => server?.close());

  it('GET /api/health names the backend', async () => {
    const res = await get('/api/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', db: backend, version: expect.any(String) });
  });

  it('refuses every /api read without a valid token', async () => {
    for (const path of ['/api/stats', '/api/regions/410105', '/api/regions/410105/children.geojson', '/api/events?since=0']) {
      const res = await fetch(server.url + path);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: 'unauthorized' });
    }
    const forged = await fetch(server.url + '/api/stats', { headers: { authorization: 'Bearer not.a.token' } });
    expect(forged.status).toBe(401);
  });

  it('GET /api/stats defaults to the district and returns the seed figures', async () => {
    const stats = await (await get('/api/stats')).json();
    expect(stats.region).toEqual({ code: '410105', name: '金水区', level: 'district' });
    expect(stats.serviceCentres).toEqual({ street: 11, community500: 156, community1000: 52 });
    expect(stats.tempBranches).toEqual({ project: 316, compound: 647 });
    expect(stats.regions.community).toBe(214);
  });

  it('rolls a street up from its own subtree only', async () => {
    const district = await (await get('/api/stats')).json();
    let unmanaged = 0;
    for (let i = 1; i <= 19; i++) {
      const street = await (await get(`/api/stats?region=410105${String(i).padStart(3, '0')}`)).json();
      unmanaged += street.compounds.unmanaged;
    }
    expect(unmanaged).toBe(district.compounds.unmanaged);
  });

  it('answers bad and unknown regions with the error body, never an empty 200', async () => {
    const bad = await get('/api/stats?region=abc');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'bad_request', message: expect.any(String) });
    const unknown = await get('/api/stats?region=410105099');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'not_found' });
    const extra = await get('/api/stats?region=410105&color=red');
    expect(extra.status).toBe(400);
    expect((await get('/api/regions/41010500/children.geojson')).status).toBe(404);
    expect((await get('/api/nothing-here')).status).toBe(404);
  });

  it('GET /api/regions/:code gives ancestry, children and KPIs', async () => {
    const children = await (await get('/api/regions/410105001')).json();
    const community = children.children[0].code as string;
    const grid = (await (await get(`/api/regions/${community}`)).json()).children[0].code as string;
    const detail = await (await get(`/api/regions/${grid}`)).json();
    expect(detail).toMatchObject({ code: grid, level: 'grid', parentCode: community, path: ['410105', '410105001', community] });
    expect(detail.children.length).toBeGreaterThan(0);
    expect(detail.children.every((c: { code: string; level: string }) => c.code.startsWith(grid) && c.level === 'building_group')).toBe(true);
    expect(detail.partyOrg).toMatchObject({ name: expect.any(String), members: expect.any(Number) });
    expect(detail.kpis).toMatchObject({ compounds: expect.any(Number), openDisputes: expect.any(Number) });
  });

  it('GET children.geojson is a FeatureCollection of the streets whose KPIs add up to the district', async () => {
    const res = await get('/api/regions/410105/children.geojson');
    expect(res.headers.get('content-type')).toContain('application/geo+json');
    const fc = await res.json();
    expect(fc.type).toBe('FeatureCollection');
    expect(fc.features).toHaveLength(19);
    expect(fc.features[0].geometry.type).toBe('MultiPolygon');
    const sum = (k: string) => fc.features.reduce((a: number, f: { properties: Record<string, number> }) => a + f.properties[k], 0);
    const stats = await (await get('/api/stats')).json();
    expect(sum('unmanagedCompounds')).toBe(stats.compounds.unmanaged);
    expect(sum('openDisputes')).toBe(stats.disputes.open);
    expect(sum('tempBranches')).toBe(stats.tempBranches.project + stats.tempBranches.compound);
  });
  it('keeps the roll-ups equal to a fresh count after changes (only the changed communities are counted again)', async () => {
    const [dispute] = await server.db.query<{ id: string; version: number; code: string }>(
      "SELECT id, version, region_code AS code FROM disputes WHERE status = 'mediating' AND length(region_code) >= 14 ORDER BY id LIMIT 1",
    );
    const [unit] = await server.db.query<{ id: string; version: number; code: string }>(
      "SELECT id, version, region_code AS code FROM member_units WHERE status = 'active' AND length(region_code) >= 14 ORDER BY id LIMIT 1",
    );
    const codes = (c: string) => ['410105', c.slice(0, 9), c.slice(0, 12)];
    // Warm every roll-up first, so the changes below go the incremental way.
    for (const code of [...codes(dispute.code), ...codes(unit.code)]) {
      expect((await get(`/api/stats?region=${code}`)).status).toBe(200);
      expect((await get(`/api/regions/${code}/children.geojson`)).status).toBe(200);
    }
    const patch = async (layer: string, row: { id: string; version: number; code: string }, status: string) => {
      const res = await client(server.url, await login(server.url, `grid-${row.code.slice(0, 14)}`)).patch(`/api/layers/${layer}/${row.id}`, { status, version: row.version });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    };
    await patch('disputes', dispute, 'resolved');
    await patch('member-units', unit, 'inactive');
    const fresh = new RegionsRepository(server.db);
    for (const code of [...codes(dispute.code), ...codes(unit.code)]) {
      const { region, ...stats } = await (await get(`/api/stats?region=${code}`)).json();
      expect(region.code).toBe(code);
      expect(stats, code).toEqual(await fresh.stats(code));
      const children = await (await get(`/api/regions/${code}/children.geojson`)).json();
      expect(children, code).toEqual(await fresh.childrenWithKpis(code, code.length === 6 ? 9 : code.length === 9 ? 12 : 14));
    }
  });
});
