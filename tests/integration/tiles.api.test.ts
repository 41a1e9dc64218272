// Vector tiles over HTTP against the real server on real PostGIS (both backends), decoded with the reference MVT
// decoder (@mapbox/vector-tile); nothing mocked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { client, login } from '../helpers/api.js';
import { decodeTile, tileOf, toTileUnits, type DecodedFeature } from '../helpers/mvt.js';
import { tileBounds } from '../../server/src/tiles/tiles.service.js';

type Tile = { z: number; x: number; y: number };
const path = (layer: string, t: Tile, query = '') => `/tiles/${layer}/${t.z}/${t.x}/${t.y}.mvt${query ? `?${query}` : ''}`;

/** The GeoJSON properties of /api/layers as a tile carries them: no `layer`, no nulls, arrays as JSON text. */
function asTileProperties(p: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) {
    if (k === 'layer' || v === null) continue;
    out[k] = Array.isArray(v) ? JSON.stringify(v) : v;
  }
  return out;
}

describe.each(BACKENDS)('vector tiles on %s', (backend) => {
  let server: TestServer;
  let leaderToken: string;
  let leader: ReturnType<typeof client>;
  /** The z14 tile with the most compounds, and the grids it touches. */
  let busy: Tile;

  const getTile = async (p: string, headers: Record<string, string> = {}, token: string | null = leaderToken) => {
    const res = await fetch(server.url + p, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
    const bytes = new Uint8Array(await res.arrayBuffer());
    const json = () => JSON.parse(new TextDecoder().decode(bytes));
    return { status: res.status, headers: res.headers, bytes, json };
  };
  const features = async (layer: string, t: Tile, query = '', token = leaderToken): Promise<DecodedFeature[]> => {
    const res = await getTile(path(layer, t, query), {}, token);
    expect(res.status).toBe(200);
    return decodeTile(res.bytes, t.z, t.x, t.y)[layer] ?? [];
  };
  const ids = (fs: DecodedFeature[]) => fs.map((f) => f.properties.id as string).sort();

  beforeAll(async () => {
    server = await startTestServer({ backend });
    leaderToken = await login(server.url, 'leader');
    leader = client(server.url, leaderToken);
    const rows = await server.db.query<{ lon: number; lat: number }>(`SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat FROM compounds`);
    const count = new Map<string, number>();
    for (const r of rows) {
      const t = tileOf(r.lon, r.lat, 14);
      count.set(`${t.x}/${t.y}`, (count.get(`${t.x}/${t.y}`) ?? 0) + 1);
    }
    const [best] = [...count].sort((a, b) => b[1] - a[1]);
    const [x, y] = best[0].split('/').map(Number);
    busy = { z: 14, x, y };
  });
  afterAll(() => server?.close());

  it('serves a point tile with the features, attributes and positions of /api/layers in the same box', async () => {
    const res = await getTile(path('compounds', busy));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.mapbox-vector-tile');
    expect(res.headers.get('cache-control')).toBe('private, no-cache');
    expect(Object.keys(decodeTile(res.bytes, busy.z, busy.x, busy.y))).toEqual(['compounds']);

    // /api/layers?bbox compares float4 boxes (GiST), so it may hold points up to a unit or so past the tile's
    // buffer, which the tile clips away: the ids must agree for every point not within 2 units of that edge.
    const units = (f: GeoJSON.Feature<GeoJSON.Point>) => toTileUnits(f.geometry.coordinates[0], f.geometry.coordinates[1], busy);
    const nearEdge = (f: GeoJSON.Feature<GeoJSON.Point>) => Object.values(units(f)).some((v) => Math.abs(v + 64) < 2 || Math.abs(v - 4160) < 2);
    const inside = (f: GeoJSON.Feature<GeoJSON.Point>) => Object.values(units(f)).every((v) => v >= -64 && v <= 4160);
    let total = 0;
    for (const layer of ['compounds', 'service-centres', 'projects', 'temp-branches', 'disputes', 'member-units']) {
      const api = (await leader.get(`/api/layers/${layer}?bbox=${tileBounds(busy.z, busy.x, busy.y).join(',')}`)).body.features as GeoJSON.Feature<GeoJSON.Point>[];
      const got = await features(layer, busy);
      const byId = new Map(got.map((f) => [f.properties.id, f]));
      const clear = api.filter((f) => !nearEdge(f));
      expect({ layer, ids: ids(got.filter((f) => clear.some((a) => a.id === f.properties.id))) }).toEqual({
        layer,
        ids: clear.filter(inside).map((f) => f.id).sort(),
      });
      expect(api.map((f) => f.id)).toEqual(expect.arrayContaining(ids(got)));
      for (const f of api.filter((a) => byId.has(a.id as string))) {
        const decoded = byId.get(f.id as string)!;
        // Same attributes (arrays such as rooms and participants as JSON text), same position within a unit.
        expect(decoded.properties).toEqual(asTileProperties(f.properties!));
        expect(decoded.type).toBe('Point');
        const [[p]] = decoded.geometry;
        const want = units(f);
        expect(Math.abs(p.x - want.x)).toBeLessThanOrEqual(1);
        expect(Math.abs(p.y - want.y)).toBeLessThanOrEqual(1);
      }
      total += got.length;
    }
    expect(total).toBeGreaterThan(100);
  });

  it('serves regions tiles with the choropleth figures, one level chosen by zoom or by `level`', async () => {
    const [street] = await server.db.query<{ code: string; lon: number; lat: number }>(
      `SELECT code, ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat FROM regions WHERE level = 'street' ORDER BY code LIMIT 1`,
    );
    const t = tileOf(street.lon, street.lat, 13);
    const communities = await features('regions', t);
    expect(communities.length).toBeGreaterThan(0);
    expect(communities.every((f) => f.properties.level === 'community' && f.type === 'Polygon')).toBe(true);
    expect(communities.every((f) => f.id === Number(f.properties.code))).toBe(true);

    // The same figures as the choropleth's GeoJSON for the communities of this street.
    const choropleth = (await leader.get(`/api/regions/${street.code}/children.geojson`)).body.features as GeoJSON.Feature[];
    const inTile = new Map(communities.map((f) => [f.properties.code, f.properties]));
    const shared = choropleth.filter((f) => inTile.has(f.properties!.code));
    expect(shared.length).toBeGreaterThan(0);
    for (const f of shared) {
      const { parentCode, ...rest } = f.properties!;
      expect(inTile.get(f.properties!.code)).toEqual({ ...rest, parentCode });
    }

    const streets = await features('regions', t, 'level=street');
    expect(streets.map((f) => f.properties.code)).toContain(street.code);
    expect(streets.every((f) => f.properties.level === 'street')).toBe(true);
  });

  it("keeps a coordinator's tile inside their grids, whichever of their grids the tile covers", async () => {
    // The grid with the most compounds in the busy tile, whose neighbours' points share the tile.
    const inTile = await features('compounds', busy);
    const grids = new Map<string, number>();
    for (const f of inTile) grids.set(String(f.properties.regionCode).slice(0, 14), (grids.get(String(f.properties.regionCode).slice(0, 14)) ?? 0) + 1);
    expect(grids.size).toBeGreaterThan(1);
    const [grid] = [...grids].sort((a, b) => b[1] - a[1])[0];
    const username = `grid-${grid}`;
    let token = await login(server.url, username);
    let own = await features('compounds', busy, '', token);
    expect(own.length).toBe(grids.get(grid));
    expect(own.every((f) => String(f.properties.regionCode).startsWith(grid))).toBe(true);

    // A second grid far away: both are in scope, and the busy tile still holds only the first one's points.
    const candidates = await server.db.query<{ grid: string; lon: number; lat: number }>(
      `SELECT left(region_code, 14) AS grid, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM compounds
        WHERE left(region_code, 9) <> $1 ORDER BY id`,
      [grid.slice(0, 9)],
    );
    const far = candidates.find((c) => Math.abs(tileOf(c.lon, c.lat, 14).x - busy.x) > 2)!;
    const admin = client(server.url, await login(server.url, 'admin'));
    expect((await admin.patch(`/api/admin/users/${username}`, { regionCodes: [grid, far.grid] })).status).toBe(200);
    token = await login(server.url, username);
    own = await features('compounds', busy, '', token);
    expect(own.every((f) => String(f.properties.regionCode).startsWith(grid))).toBe(true);
    const farTile = tileOf(far.lon, far.lat, 14);
    const farFeatures = await features('compounds', farTile, '', token);
    expect(farFeatures.length).toBeGreaterThan(0);
    expect(farFeatures.every((f) => String(f.properties.regionCode).startsWith(far.grid))).toBe(true);

    // Regions: only their own grids (and what lies below them).
    const regions = await features('regions', busy, 'level=grid', token);
    expect(regions.map((f) => f.properties.code)).toEqual([grid]);
    // Another region is outside their scope.
    expect((await getTile(path('compounds', busy, 'region=410105'), {}, token)).status).toBe(403);
    expect((await getTile(path('compounds', busy, `region=${grid}`), {}, token)).status).toBe(200);
  });

  it("serves a tile in the account's current scope, not the token's: a region change or a disable takes effect at once", async () => {
    // Tiles read the account in the tile's own statement (withAccount): a stale token must not widen or keep scope.
    const grids = await server.db.query<{ grid: string }>(`SELECT DISTINCT left(region_code, 14) AS grid FROM compounds ORDER BY 1 LIMIT 2`);
    const [first, second] = grids.map((g) => g.grid);
    const admin = client(server.url, await login(server.url, 'admin'));
    const created = await admin.post('/api/admin/users', { username: 'tile-scope', password: 'tile-scope-password', role: 'coordinator', regionCodes: [first] });
    expect(created.status).toBe(201);
    const token = await login(server.url, 'tile-scope', 'tile-scope-password');
    const [point] = await server.db.query<{ lon: number; lat: number }>(
      `SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat FROM compounds WHERE left(region_code, 14) = $1 ORDER BY id LIMIT 1`,
      [second],
    );
    const t = tileOf(point.lon, point.lat, 14);
    const inSecond = (fs: DecodedFeature[]) => fs.filter((f) => String(f.properties.regionCode).startsWith(second));
    expect(inSecond(await features('compounds', t, '', token))).toEqual([]);

    expect((await admin.patch('/api/admin/users/tile-scope', { regionCodes: [second] })).status).toBe(200);
    const now = await features('compounds', t, '', token);
    expect(inSecond(now).length).toBeGreaterThan(0);
    expect(now.every((f) => String(f.properties.regionCode).startsWith(second))).toBe(true);
    // Asked for by region: refused in the token's scope, answered in the account's.
    const byRegion = await getTile(path('compounds', t, `region=${second}`), {}, token);
    expect(byRegion.status).toBe(200);
    const etag = byRegion.headers.get('etag')!;
    expect((await getTile(path('compounds', t, `region=${second}`), { 'if-none-match': etag }, token)).status).toBe(304);

    expect((await admin.patch('/api/admin/users/tile-scope', { disabled: true })).status).toBe(200);
    const refused = await getTile(path('compounds', t), {}, token);
    expect(refused.status).toBe(401);
    expect(refused.json()).toMatchObject({ error: 'account_disabled' });
    // Nor is a tile it holds confirmed, nor one outside the token's scope answered with anything but 401.
    expect((await getTile(path('compounds', t, `region=${second}`), { 'if-none-match': etag }, token)).status).toBe(401);
    expect((await getTile(path('compounds', t, `region=${first.slice(0, 9)}`), {}, token)).status).toBe(401);
  });

  it('accepts the token as a query parameter and refuses a missing or bad one with 401', async () => {
    const viaQuery = await getTile(path('compounds', busy, `token=${leaderToken}`), {}, null);
    expect(viaQuery.status).toBe(200);
    expect(viaQuery.bytes.length).toBeGreaterThan(0);
    for (const [query, auth] of [['token=not-a-token', undefined], ['', undefined], ['', 'Bearer nope']] as const) {
      const res = await getTile(path('compounds', busy, query), auth ? { authorization: auth } : {}, null);
      expect({ query, auth, status: res.status }).toEqual({ query, auth, status: 401 });
      expect(res.json()).toMatchObject({ error: expect.any(String), message: expect.any(String) });
    }
    expect((await getTile('/tiles/compounds.json?token=not-a-token', {}, null)).status).toBe(401);
  });

  it('answers a malformed tile request with 400 and an unknown layer with 404, in the error shape', async () => {
    const bad = [
      '/tiles/compounds/23/0/0.mvt',
      '/tiles/compounds/-1/0/0.mvt',
      '/tiles/compounds/1.5/0/0.mvt',
      '/tiles/compounds/z/0/0.mvt',
      '/tiles/compounds/2/4/0.mvt',
      '/tiles/compounds/2/0/4.mvt',
      '/tiles/compounds/2/-1/0.mvt',
      '/tiles/compounds/2/0/0.5.mvt',
      '/tiles/compounds/0/0/99999999999999999999.mvt',
      path('compounds', busy, 'status=flying'),
      path('compounds', busy, 'region=12'),
      path('compounds', busy, 'colour=red'),
      path('compounds', busy, 'at=yesterday'),
      path('compounds', busy, 'level=street'),
      path('regions', busy, 'status=normal'),
      path('regions', busy, 'level=county'),
      '/tiles/compounds.json?status=flying',
    ];
    for (const p of bad) {
      const res = await getTile(p);
      expect({ p, status: res.status }).toEqual({ p, status: 400 });
      expect(res.json()).toMatchObject({ error: expect.any(String), message: expect.any(String) });
    }
    for (const p of ['/tiles/unicorns/14/0/0.mvt', '/tiles/unicorns.json', path('compounds', busy, 'region=410105099')]) {
      const res = await getTile(p);
      expect({ p, status: res.status }).toEqual({ p, status: 404 });
      expect(res.json()).toMatchObject({ error: 'not_found', message: expect.any(String) });
    }
  });

  it('answers an empty tile with 200 and zero bytes', async () => {
    const res = await getTile('/tiles/compounds/14/0/0.mvt');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.mapbox-vector-tile');
    expect(res.headers.get('content-length')).toBe('0');
    expect(res.bytes.length).toBe(0);
  });

  it('shows a committed change in the next tile, with a new ETag; the old one no longer gets a 304', async () => {
    const before = await features('compounds', busy);
    const target = before.find((f) => f.properties.status === 'normal')!;
    const first = await getTile(path('compounds', busy));
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^W\/".+"$/);
    const again = await getTile(path('compounds', busy), { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.bytes.length).toBe(0);
    expect(again.headers.get('etag')).toBe(etag);
    // The ETag is the user's: another scope or other parameters never confirm this tile.
    expect((await getTile(path('compounds', busy, 'status=normal'), { 'if-none-match': etag })).status).toBe(200);

    const patched = await leader.patch(`/api/layers/compounds/${target.properties.id}`, { status: 'pending', version: target.properties.version });
    expect(patched.status).toBe(200);
    const after = await getTile(path('compounds', busy), { 'if-none-match': etag });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(etag);
    const changed = decodeTile(after.bytes, busy.z, busy.x, busy.y).compounds.find((f) => f.properties.id === target.properties.id)!;
    expect(changed.properties).toMatchObject({ status: 'pending', version: Number(target.properties.version) + 1 });
    expect((await getTile(path('compounds', busy), { 'if-none-match': after.headers.get('etag')! })).status).toBe(304);
  });

  it('filters by status, and replays statuses at a past time with `at`', async () => {
    const all = await features('compounds', busy);
    const target = all.find((f) => f.properties.status === 'normal')!;
    const t = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    expect((await leader.patch(`/api/layers/compounds/${target.properties.id}`, { status: 'pending', version: target.properties.version })).status).toBe(200);

    const pending = await features('compounds', busy, 'status=pending');
    expect(pending.length).toBeGreaterThan(0);
    expect(pending.every((f) => f.properties.status === 'pending')).toBe(true);
    expect(ids(pending)).toContain(target.properties.id);
    const current = await features('compounds', busy);
    expect(ids(pending)).toEqual(ids(current.filter((f) => f.properties.status === 'pending')));

    const then = await features('compounds', busy, `at=${encodeURIComponent(t)}`);
    expect(then.find((f) => f.properties.id === target.properties.id)!.properties.status).toBe('normal');
    const pendingThen = await features('compounds', busy, `status=pending&at=${encodeURIComponent(t)}`);
    expect(ids(pendingThen)).not.toContain(target.properties.id);
    expect(pendingThen.length).toBe(pending.length - 1);
  });

  it('describes each layer as TileJSON 3.0.0 whose tile URL a client can follow with the same parameters', async () => {
    const viaHeader = (await getTile('/tiles/compounds.json?status=normal,pending')).json();
    expect(viaHeader).toMatchObject({
      tilejson: '3.0.0',
      scheme: 'xyz',
      minzoom: 0,
      maxzoom: expect.any(Number),
      vector_layers: [{ id: 'compounds', fields: expect.objectContaining({ id: 'String', status: 'String', version: 'Number', fourInOne: 'Boolean' }) }],
    });
    expect(viaHeader.tiles).toEqual([`${server.url}/tiles/compounds/{z}/{x}/{y}.mvt?status=normal%2Cpending`]);
    const [w, s, e, n] = viaHeader.bounds;
    const [lon, lat] = viaHeader.center;
    expect(w < lon && lon < e && s < lat && lat < n).toBe(true);

    // With a token parameter the template carries it, and following it works without any header.
    const viaToken = (await getTile(`/tiles/compounds.json?token=${leaderToken}&status=pending`, {}, null)).json();
    const url = (viaToken.tiles[0] as string).replace('{z}', String(busy.z)).replace('{x}', String(busy.x)).replace('{y}', String(busy.y));
    expect(url).toContain(`token=${leaderToken}`);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const decoded = decodeTile(new Uint8Array(await res.arrayBuffer()), busy.z, busy.x, busy.y).compounds;
    expect(decoded.every((f) => f.properties.status === 'pending')).toBe(true);
    // The advertised fields are the attributes a tile carries.
    for (const f of decoded) for (const k of Object.keys(f.properties)) expect(viaToken.vector_layers[0].fields).toHaveProperty(k);

    const regions = (await getTile('/tiles/regions.json?level=grid')).json();
    expect(regions.vector_layers[0]).toMatchObject({ id: 'regions', fields: expect.objectContaining({ code: 'String', openDisputes: 'Number' }) });
    expect(regions.tiles[0]).toMatch(/\/tiles\/regions\/\{z\}\/\{x\}\/\{y\}\.mvt\?level=grid$/);

    // A coordinator's TileJSON is bounded by their grid.
    const [grid] = await server.db.query<{ code: string }>(`SELECT code FROM regions WHERE level = 'grid' ORDER BY code LIMIT 1`);
    const own = (await getTile('/tiles/compounds.json', {}, await login(server.url, `grid-${grid.code}`))).json();
    expect(own.bounds[2] - own.bounds[0]).toBeLessThan(e - w);
  });
});
