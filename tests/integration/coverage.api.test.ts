// Service-centre coverage (issue 11): the real server over real PostGIS (both backends), called over loopback
// HTTP, checked against an independent turf.js great-circle computation over the same rows; nothing mocked.
import * as turf from '@turf/turf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegionCoverage } from '../../server/src/contract/coverage.js';
import { COUNTS_SQL } from '../../server/src/coverage/coverage.repository.js';
import { BACKENDS } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { client, login } from '../helpers/api.js';

type Point = { id: string; region: string; lon: number; lat: number };

describe.each(BACKENDS)('coverage API on %s', (backend) => {
  let server: TestServer;
  let leader: ReturnType<typeof client>;
  let admin: ReturnType<typeof client>;

  const rows = () =>
    Promise.all([
      server.db.query<Point>(`SELECT id, region_code AS region, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM compounds`),
      server.db.query<Point>(
        `SELECT id, region_code AS region, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM service_centres WHERE level = 'community' AND status = 'open'`,
      ),
    ]);

  /** Great-circle distance (m) from each compound to its nearest open community centre, by turf (haversine). */
  async function nearest(): Promise<Map<string, { region: string; d: number }>> {
    const [compounds, centres] = await rows();
    const out = new Map<string, { region: string; d: number }>();
    for (const c of compounds) {
      let d = Infinity;
      for (const s of centres) d = Math.min(d, turf.distance([c.lon, c.lat], [s.lon, s.lat], { units: 'meters' }));
      out.set(c.id, { region: c.region, d });
    }
    return out;
  }

  /** Uncovered compounds of a subtree by turf; compounds within 1 m of the edge are returned apart (rounding). */
  function expectUncovered(near: Map<string, { region: string; d: number }>, prefix: string, distance: number) {
    let uncovered = 0;
    let edge = 0;
    let total = 0;
    for (const { region, d } of near.values()) {
      if (!region.startsWith(prefix)) continue;
      total++;
      if (Math.abs(d - distance) < 1) edge++;
      else if (d > distance) uncovered++;
    }
    return { total, uncovered, edge };
  }

  beforeAll(async () => {
    server = await startTestServer({ backend });
    leader = client(server.url, await login(server.url, 'leader'));
    admin = client(server.url, await login(server.url, 'admin'));
  });
  afterAll(() => server?.close());

  it('counts the district and every street as turf.js does over the same rows (1 km default)', async () => {
    const near = await nearest();
    const res = await leader.get('/api/coverage');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const body = res.body as RegionCoverage;
    expect(body).toMatchObject({ code: '410105', name: '金水区', level: 'district', distanceM: 1000 });
    const want = expectUncovered(near, '410105', 1000);
    expect(body.compounds).toBe(want.total);
    expect(Math.abs(body.uncovered - want.uncovered)).toBeLessThanOrEqual(want.edge);
    expect(body.uncovered).toBeGreaterThan(0);
    expect(body.covered + body.uncovered).toBe(body.compounds);
    expect(body.ratio).toBeCloseTo(body.covered / body.compounds, 10);
    expect(body.children).toHaveLength(19);
    for (const child of body.children) {
      const w = expectUncovered(near, child.code, 1000);
      expect(child.compounds, child.code).toBe(w.total);
      expect(Math.abs(child.uncovered - w.uncovered), child.code).toBeLessThanOrEqual(w.edge);
    }
    expect(body.children.reduce((n, c) => n + c.uncovered, 0)).toBe(body.uncovered);
  });

  it('lists the uncovered compounds with the distance to the nearest open community centre', async () => {
    const near = await nearest();
    const street = '410105001';
    const res = await leader.get(`/api/coverage/uncovered.geojson?region=${street}&distance=600`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/geo+json');
    const fc = res.body as { features: { id: string; geometry: { coordinates: number[] }; properties: { regionCode: string; nearestDistanceM: number } }[]; distanceM: number };
    expect(fc.distanceM).toBe(600);
    const want = expectUncovered(near, street, 600);
    expect(Math.abs(fc.features.length - want.uncovered)).toBeLessThanOrEqual(want.edge);
    expect(fc.features.length).toBeGreaterThan(0);
    for (const f of fc.features) {
      expect(f.properties.regionCode.startsWith(street)).toBe(true);
      expect(f.properties.nearestDistanceM).toBeGreaterThan(599);
      expect(Math.abs(f.properties.nearestDistanceM - near.get(f.id)!.d)).toBeLessThanOrEqual(1);
    }
    // Farthest first.
    const d = fc.features.map((f) => f.properties.nearestDistanceM);
    expect(d).toEqual([...d].sort((a, b) => b - a));
  });

  it('changes the answer with ?distance= (a shorter walk leaves more compounds uncovered)', async () => {
    const near = await nearest();
    const short = (await leader.get('/api/coverage?distance=400')).body as RegionCoverage;
    const long = (await leader.get('/api/coverage?distance=2000')).body as RegionCoverage;
    expect(short.distanceM).toBe(400);
    expect(short.uncovered).toBeGreaterThan(long.uncovered);
    const want = expectUncovered(near, '410105', 400);
    expect(Math.abs(short.uncovered - want.uncovered)).toBeLessThanOrEqual(want.edge);
  });

  it('reflects a closed centre and a moved centre on the next request', async () => {
    // The nearest centre of a covered compound, with no other centre within the distance of it.
    const [compounds, centres] = await rows();
    const distance = 800;
    let pick: { compound: Point; centre: Point } | undefined;
    for (const c of compounds) {
      const within = centres.filter((s) => turf.distance([c.lon, c.lat], [s.lon, s.lat], { units: 'meters' }) < distance - 5);
      if (within.length === 1) {
        pick = { compound: c, centre: within[0] };
        break;
      }
    }
    expect(pick).toBeDefined();
    const { compound, centre } = pick!;
    const grid = compound.region.slice(0, 14);
    const before = (await leader.get(`/api/coverage?region=${grid}&distance=${distance}`)).body as RegionCoverage;
    const isUncovered = async () => {
      const res = await leader.get(`/api/coverage/uncovered.geojson?region=${grid}&distance=${distance}`);
      return (res.body as { features: { id: string }[] }).features.some((f) => f.id === compound.id);
    };
    expect(await isUncovered()).toBe(false);

    // Close it through the API (an event, as in the field): the compound falls out of coverage at once.
    const feature = (await admin.get(`/api/layers/service-centres/${centre.id}`)).body as { properties: { version: number } };
    const closed = await admin.patch(`/api/layers/service-centres/${centre.id}`, { status: 'closed', version: feature.properties.version });
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    const after = (await leader.get(`/api/coverage?region=${grid}&distance=${distance}`)).body as RegionCoverage;
    expect(after.uncovered).toBeGreaterThanOrEqual(before.uncovered + 1);
    expect(await isUncovered()).toBe(true);

    // Reopen it, but 5 km away (as a correction of its location would): still uncovered; moved back, covered again.
    const reopened = await admin.patch(`/api/layers/service-centres/${centre.id}`, { status: 'open', version: closed.body.feature.properties.version });
    expect(reopened.status).toBe(200);
    expect(await isUncovered()).toBe(false);
    await server.db.query(`UPDATE service_centres SET geom = ST_Translate(geom, 0.05, 0) WHERE id = $1`, [centre.id]);
    expect(await isUncovered()).toBe(true);
    await server.db.query(`UPDATE service_centres SET geom = ST_Translate(geom, -0.05, 0) WHERE id = $1`, [centre.id]);
    expect(await isUncovered()).toBe(false);
    expect(((await leader.get(`/api/coverage?region=${grid}&distance=${distance}`)).body as RegionCoverage).uncovered).toBe(before.uncovered);
  });

  it("answers only inside the user's area: a coordinator gets their grid and a 403 elsewhere", async () => {
    const [{ code: grid }] = await server.db.query<{ code: string }>(
      `SELECT left(region_code, 14) AS code FROM compounds WHERE region_code LIKE '410105001%' ORDER BY 1 LIMIT 1`,
    );
    const coordinator = client(server.url, await login(server.url, `grid-${grid}`));
    const own = await coordinator.get('/api/coverage');
    expect(own.status).toBe(200);
    expect(own.body.code).toBe(grid);
    expect(own.body.compounds).toBeGreaterThan(0);
    for (const path of ['/api/coverage?region=410105', '/api/coverage?region=410105002', '/api/coverage/uncovered.geojson?region=410105']) {
      const res = await coordinator.get(path);
      expect(res.status, path).toBe(403);
      expect(res.body).toMatchObject({ error: 'forbidden_region' });
    }
    expect((await coordinator.get(`/api/coverage/uncovered.geojson?region=${grid}`)).status).toBe(200);
  });

  it('refuses a bad distance or region with a 400 in the error shape, an unknown region with a 404', async () => {
    for (const q of ['distance=99', 'distance=5001', 'distance=abc', 'distance=-1', 'region=abc', 'colour=red']) {
      for (const path of ['/api/coverage', '/api/coverage/uncovered.geojson']) {
        const res = await leader.get(`${path}?${q}`);
        expect(res.status, `${path}?${q}`).toBe(400);
        expect(res.body).toMatchObject({ error: expect.any(String), message: expect.any(String) });
      }
    }
    expect((await leader.get('/api/coverage?region=410105099')).status).toBe(404);
    expect((await leader.get('/api/coverage/uncovered.geojson?region=410105099')).status).toBe(404);
    expect((await fetch(`${server.url}/api/coverage`)).status).toBe(401);
  });

  it('finds covering centres through the GiST index on geom::geography (EXPLAIN)', async () => {
    // The repository's own statement, with the parameters of a district request.
    const plan = (await server.db.query<Record<string, string>>(`EXPLAIN ${COUNTS_SQL}`, ['410105', 1000, 9]))
      .map((r) => Object.values(r)[0])
      .join('\n');
    expect(plan).toContain('service_centres_geog_gist');
  });
});
