// OGC API – Features (/ogc) over HTTP against the real server on real PostGIS (both backends); nothing mocked.
// Counts are checked against the project's own API (/api/stats, /api/layers), not against constants.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { client, login } from '../helpers/api.js';

type Link = { href: string; rel: string; type?: string };
type Feature = { id: string; geometry: { type: string; coordinates: any }; properties: Record<string, any> };
type Page = { type: string; numberMatched: number; numberReturned: number; timeStamp: string; links: Link[]; features: Feature[] };

const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';
const REGION_COLLECTIONS = ['regions-street', 'regions-community', 'regions-grid', 'regions-building-group'];
const link = (links: Link[], rel: string, type?: string) => links.find((l) => l.rel === rel && (!type || l.type === type));

describe.each(BACKENDS)('OGC API – Features on %s', (backend) => {
  let server: TestServer;
  let token: string;
  let leader: ReturnType<typeof client>;
  /** GET an absolute or root-relative URL with the leader's bearer token; raw response. */
  const get = (url: string, headers: Record<string, string> = {}) =>
    fetch(url.startsWith('http') ? url : server.url + url, { headers: { authorization: `Bearer ${token}`, ...headers } });
  const page = async (url: string): Promise<Page> => {
    const res = await get(url);
    expect(res.status, url).toBe(200);
    return res.json();
  };
  /** Follows `next` links from the first page and returns every feature and every page read. */
  const allPages = async (url: string) => {
    const pages: Page[] = [];
    for (let next: string | undefined = url; next; next = link(pages.at(-1)!.links, 'next')?.href) pages.push(await page(next));
    return { pages, features: pages.flatMap((p) => p.features) };
  };

  beforeAll(async () => {
    server = await startTestServer({ backend });
    token = await login(server.url, 'leader');
    leader = client(server.url, token);
  });
  afterAll(() => server?.close());

  it('serves the landing page and conformance classes as application/json', async () => {
    const res = await get('/ogc');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const landing = await res.json();
    expect(landing.title).toEqual(expect.any(String));
    expect(link(landing.links, 'self')?.href).toBe(`${server.url}/ogc`);
    expect(link(landing.links, 'alternate', 'text/html')?.href).toBe(`${server.url}/ogc?f=html`);
    expect(link(landing.links, 'service-desc')).toEqual(expect.objectContaining({ href: `${server.url}/docs/json`, type: 'application/json' }));
    expect(link(landing.links, 'service-doc')?.href).toBe(`${server.url}/docs`);
    expect(link(landing.links, 'conformance')?.href).toBe(`${server.url}/ogc/conformance`);
    expect(link(landing.links, 'data')?.href).toBe(`${server.url}/ogc/collections`);

    const conformance = await (await get('/ogc/conformance')).json();
    for (const cls of ['core', 'geojson', 'html', 'oas30']) {
      expect(conformance.conformsTo).toContain(`http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/${cls}`);
    }
  });

  it('lists one collection per point layer and per region level, with links and extents', async () => {
    const res = await get('/ogc/collections');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const { collections, links } = await res.json();
    expect(link(links, 'self')).toBeDefined();
    expect(collections.map((c: { id: string }) => c.id)).toEqual([
      'compounds', 'service-centres', 'projects', 'temp-branches', 'disputes', 'member-units', 'micro-wishes', ...REGION_COLLECTIONS,
    ]);
    for (const c of collections) {
      expect(c).toMatchObject({ title: expect.any(String), description: expect.any(String), itemType: 'feature', crs: [CRS84] });
      expect(link(c.links, 'self')?.href).toBe(`${server.url}/ogc/collections/${c.id}`);
      expect(link(c.links, 'items', 'application/geo+json')?.href).toBe(`${server.url}/ogc/collections/${c.id}/items`);
      expect(link(c.links, 'alternate', 'text/html')).toBeDefined();
      const [bbox] = c.extent.spatial.bbox;
      expect(bbox).toHaveLength(4);
      // Zhengzhou, Jinshui district.
      expect(bbox[0]).toBeGreaterThan(113.5);
      expect(bbox[2]).toBeLessThan(114);
      expect(bbox[1]).toBeLessThan(bbox[3]);
      expect(c.extent.temporal.interval).toHaveLength(1);
    }
    // The temporal extent is that of the collection's own time property (disputes: reportedAt).
    const disputes = (await leader.get('/api/layers/disputes')).body.features as Feature[];
    const reported = disputes.map((f) => f.properties.reportedAt).sort();
    const d = collections.find((c: { id: string }) => c.id === 'disputes');
    expect(d.extent.temporal.interval[0]).toEqual([reported[0], reported.at(-1)]);
    // Regions carry no time.
    expect(collections.find((c: { id: string }) => c.id === 'regions-street').extent.temporal.interval[0]).toEqual([null, null]);

    const one = await get('/ogc/collections/disputes');
    expect(await one.json()).toEqual(d);
    expect((await get('/ogc/collections/unicorns')).status).toBe(404);
  });

  it('pages through a collection by next links, ending with the same ids as /api/layers', async () => {
    const { pages, features } = await allPages('/ogc/collections/service-centres/items?limit=50');
    const expected = ((await leader.get('/api/layers/service-centres')).body.features as Feature[]).map((f) => f.id).sort();
    expect(features.map((f) => f.id)).toEqual(expected);
    expect(pages).toHaveLength(Math.ceil(expected.length / 50));
    expect(pages.every((p) => p.numberMatched === expected.length)).toBe(true);
    expect(pages.map((p) => p.numberReturned)).toEqual(pages.map((p) => p.features.length));
    expect(pages[0].timeStamp).toMatch(/^\d{4}-\d\d-\d\dT/);
    // Links keep the query parameters; the last page has no next, the first no prev.
    expect(link(pages[0].links, 'next')?.href).toBe(`${server.url}/ogc/collections/service-centres/items?limit=50&offset=50`);
    expect(link(pages[0].links, 'prev')).toBeUndefined();
    expect(link(pages[1].links, 'prev')?.href).toBe(`${server.url}/ogc/collections/service-centres/items?limit=50&offset=0`);
    expect(link(pages.at(-1)!.links, 'next')).toBeUndefined();
    const first = pages[0].features[0];
    expect(first).toMatchObject({ type: 'Feature', geometry: { type: 'Point' }, properties: { id: first.id, name: expect.any(String) } });
  });

  it('counts what /api/stats and /api/layers count', async () => {
    const stats = (await leader.get('/api/stats')).body;
    const matched = async (id: string, query = '') => (await page(`/ogc/collections/${id}/items?limit=1${query}`)).numberMatched;
    expect(await matched('compounds')).toBe(stats.compounds.total);
    expect(await matched('service-centres')).toBe(stats.serviceCentres.street + stats.serviceCentres.community500 + stats.serviceCentres.community1000);
    expect(await matched('regions-street')).toBe(stats.regions.street);
    expect(await matched('regions-community')).toBe(stats.regions.community);
    expect(await matched('regions-grid')).toBe(stats.regions.grid);
    expect(await matched('regions-building-group')).toBe(stats.regions.buildingGroup);
    for (const layer of ['projects', 'temp-branches', 'disputes', 'member-units']) {
      expect(await matched(layer)).toBe((await leader.get(`/api/layers/${layer}`)).body.features.length);
    }
  });

  it('filters by bbox (four numbers, or six with heights) on points and on region polygons', async () => {
    const all = (await leader.get('/api/layers/service-centres')).body.features as Feature[];
    const f = all[0];
    const [lon, lat] = f.geometry.coordinates;
    const box = [lon - 0.002, lat - 0.002, lon + 0.002, lat + 0.002];
    const inside = all.filter(({ geometry: { coordinates: [x, y] } }) => x >= box[0] && x <= box[2] && y >= box[1] && y <= box[3]).map((g) => g.id).sort();
    const boxed = await page(`/ogc/collections/service-centres/items?limit=1000&bbox=${box.join(',')}`);
    expect(boxed.features.map((g) => g.id)).toEqual(inside);
    expect(boxed.numberMatched).toBeLessThan(all.length);
    const six = await page(`/ogc/collections/service-centres/items?limit=1000&bbox=${[box[0], box[1], -100, box[2], box[3], 1000].join(',')}`);
    expect(six.features.map((g) => g.id)).toEqual(inside);
    expect(link(boxed.links, 'self')?.href).toContain(`bbox=${encodeURIComponent(box.join(','))}`);

    // Polygons: a tiny box around a point meets the street that holds it.
    const streets = await page(`/ogc/collections/regions-street/items?bbox=${lon - 1e-6},${lat - 1e-6},${lon + 1e-6},${lat + 1e-6}`);
    expect(streets.features.map((s) => s.id)).toContain(f.properties.regionCode.slice(0, 9));
    expect(streets.features[0].geometry.type).toMatch(/Polygon/);
  });

  it('filters by datetime: instants and intervals with open ends, on the collection\'s own time property', async () => {
    const disputes = (await leader.get('/api/layers/disputes')).body.features as Feature[];
    const times = disputes.map((f) => f.properties.reportedAt as string).sort();
    const [t1, t2] = [times[Math.floor(times.length / 3)], times[Math.floor((2 * times.length) / 3)]];
    const count = (test: (t: string) => boolean) => times.filter(test).length;
    const matched = async (datetime: string) => (await page(`/ogc/collections/disputes/items?limit=1&datetime=${encodeURIComponent(datetime)}`)).numberMatched;
    expect(await matched(t1)).toBe(count((t) => t === t1));
    expect(await matched(`${t1}/${t2}`)).toBe(count((t) => t >= t1 && t <= t2));
    expect(await matched(`../${t1}`)).toBe(count((t) => t <= t1));
    expect(await matched(`${t2}/..`)).toBe(count((t) => t >= t2));
    // An offset in the instant is honoured (08:00 in Beijing is 00:00 UTC).
    const utc = new Date(t1);
    const beijing = new Date(utc.getTime() + 8 * 3600_000).toISOString().replace('.000Z', '+08:00');
    expect(await matched(beijing)).toBe(count((t) => t === t1));

    // Temporary branches exist from their founding day on while active; regions are timeless.
    const branches = (await leader.get('/api/layers/temp-branches')).body.features as Feature[];
    const active = branches.filter((b) => b.properties.dissolvedAt === null).length;
    const at = async (id: string, datetime: string) => (await page(`/ogc/collections/${id}/items?limit=1&datetime=${datetime}`)).numberMatched;
    expect(await at('temp-branches', '2100-01-01T00:00:00Z')).toBe(active);
    expect(await at('temp-branches', '1990-01-01T00:00:00Z')).toBe(0);
    const founded = branches.map((b) => b.properties.foundedAt as string).sort()[0];
    expect(await at('temp-branches', `${founded}T23:59:59Z`)).toBeGreaterThan(0);
    expect(await at('regions-street', '1990-01-01T00:00:00Z')).toBe(19);
  });

  it('clamps a limit above 10,000 to 10,000 instead of refusing it', async () => {
    // The sample has fewer than 10,000 features per collection: copy compounds (same places) past that, for this test.
    await server.db.query(
      `INSERT INTO compounds (id, name, kind, property_service, status, geom)
       SELECT 'zz-' || g || '-' || c.id, c.name, c.kind, c.property_service, c.status, c.geom FROM compounds AS c, generate_series(1, 3) AS g`,
    );
    try {
      const p = await page('/ogc/collections/compounds/items?limit=50000');
      expect(p.numberMatched).toBeGreaterThan(10_000);
      expect(p.numberReturned).toBe(10_000);
      expect(p.features).toHaveLength(10_000);
      expect(link(p.links, 'next')?.href).toContain('limit=50000&offset=10000');
      const rest = await page(link(p.links, 'next')!.href);
      expect(rest.numberReturned).toBe(p.numberMatched - 10_000);
    } finally {
      await server.db.query(`DELETE FROM compounds WHERE id LIKE 'zz-%'`);
    }
    expect((await page('/ogc/collections/compounds/items')).numberReturned).toBe(10);
  });

  it('returns one feature by id as application/geo+json, 404 for unknown ids', async () => {
    const [f] = (await page('/ogc/collections/disputes/items?limit=1')).features;
    const res = await get(`/ogc/collections/disputes/items/${f.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/geo\+json/);
    const item = await res.json();
    expect(item).toMatchObject({ type: 'Feature', id: f.id, properties: f.properties, geometry: f.geometry });
    expect(link(item.links, 'self')?.href).toBe(`${server.url}/ogc/collections/disputes/items/${f.id}`);
    expect(link(item.links, 'collection')?.href).toBe(`${server.url}/ogc/collections/disputes`);
    const street = await (await get('/ogc/collections/regions-street/items/410105001')).json();
    expect(street).toMatchObject({ id: '410105001', properties: { level: 'street', name: expect.any(String) } });
    for (const url of ['/ogc/collections/disputes/items/no-such-id', '/ogc/collections/unicorns/items/x', '/ogc/collections/regions-grid/items/410105001']) {
      const missing = await get(url);
      expect({ url, status: missing.status }).toEqual({ url, status: 404 });
      expect(await missing.json()).toMatchObject({ error: 'not_found', message: expect.any(String) });
    }
  });

  it("limits a coordinator to their grid: features, counts, extents, and 404 (not 403) outside it", async () => {
    const [row] = await server.db.query<{ grid: string }>(
      `SELECT left(region_code, 14) AS grid FROM compounds GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 LIMIT 1`,
    );
    const coordinatorToken = await login(server.url, `grid-${row.grid}`);
    const as = (url: string) => fetch(server.url + url, { headers: { authorization: `Bearer ${coordinatorToken}` } });
    const own = (await client(server.url, coordinatorToken).get('/api/layers/compounds')).body.features as Feature[];
    const items: Page = await (await as('/ogc/collections/compounds/items?limit=10000')).json();
    expect(items.numberMatched).toBe(own.length);
    expect(items.features.map((f) => f.id).sort()).toEqual(own.map((f) => f.id).sort());
    expect(items.features.every((f) => f.properties.regionCode.startsWith(row.grid))).toBe(true);

    const grids: Page = await (await as('/ogc/collections/regions-grid/items')).json();
    expect(grids.features.map((f) => f.id)).toEqual([row.grid]);
    expect((await (await as('/ogc/collections/regions-street/items')).json()).numberMatched).toBe(0);

    const { collections } = await (await as('/ogc/collections')).json();
    const leaderCollections = (await (await get('/ogc/collections')).json()).collections;
    const [cb, lb] = [collections[0].extent.spatial.bbox[0], leaderCollections[0].extent.spatial.bbox[0]];
    expect(cb[2] - cb[0]).toBeLessThan(lb[2] - lb[0]);
    for (const f of items.features) {
      const [x, y] = f.geometry.coordinates;
      expect(x >= cb[0] && x <= cb[2] && y >= cb[1] && y <= cb[3]).toBe(true);
    }

    const [outside] = await server.db.query<{ id: string }>(`SELECT id FROM compounds WHERE region_code NOT LIKE $1 || '%' LIMIT 1`, [row.grid]);
    const hidden = await as(`/ogc/collections/compounds/items/${outside.id}`);
    expect(hidden.status).toBe(404);
    expect(await hidden.json()).toMatchObject({ error: 'not_found' });
    expect((await as(`/ogc/collections/compounds/items/${own[0].id}`)).status).toBe(200);
  });

  it('reads every subtree of a user with several roots', async () => {
    const grids = (await server.db.query<{ code: string }>(
      `SELECT left(region_code, 14) AS code FROM compounds GROUP BY 1 ORDER BY 1 LIMIT 2`,
    )).map((r) => r.code);
    const admin = client(server.url, await login(server.url, 'admin'));
    const created = await admin.post('/api/admin/users', { username: 'ogc-two-grids', password: 'two-grids-pass', role: 'coordinator', regionCodes: grids });
    expect(created.status).toBe(201);
    const t = await login(server.url, 'ogc-two-grids', 'two-grids-pass');
    const items: Page = await (await fetch(`${server.url}/ogc/collections/compounds/items?limit=10000`, { headers: { authorization: `Bearer ${t}` } })).json();
    const [n] = await server.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM compounds WHERE left(region_code, 14) = ANY ($1)`, [grids]);
    expect(items.numberMatched).toBe(n.n);
    expect(new Set(items.features.map((f) => f.properties.regionCode.slice(0, 14)))).toEqual(new Set(grids));
  });

  it('accepts the token as a query parameter and keeps it in every link', async () => {
    const res = await fetch(`${server.url}/ogc/collections/service-centres/items?limit=100&token=${token}`);
    expect(res.status).toBe(200);
    const p: Page = await res.json();
    for (const l of p.links) expect(new URL(l.href).searchParams.get('token')).toBe(token);
    const next = await fetch(link(p.links, 'next')!.href);
    expect(next.status).toBe(200);
    const { collections } = await (await fetch(`${server.url}/ogc/collections?token=${token}`)).json();
    expect(new URL(link(collections[0].links, 'items')!.href).searchParams.get('token')).toBe(token);
    // No token, or a bad one: 401 with the error body.
    for (const url of ['/ogc/collections', '/ogc/collections?token=not-a-token']) {
      const denied = await fetch(server.url + url);
      expect(denied.status).toBe(401);
      expect(await denied.json()).toMatchObject({ error: expect.any(String), message: expect.any(String) });
    }
  });

  it('answers malformed parameters with 400 and the error body', async () => {
    const cases = [
      'bbox=1,2,3', 'bbox=a,b,c,d', 'bbox=113,34,114', 'bbox=113,95,114,96', 'bbox=113,35,114,34', 'bbox=1,2,3,4,5',
      'limit=0', 'limit=-5', 'limit=1.5', 'limit=ten', 'offset=-1',
      'datetime=yesterday', 'datetime=2026-02-30T00:00:00Z', 'datetime=2026-05-01T25:00:00Z', 'datetime=2026-05-01T08:00:00',
      'datetime=../..', 'datetime=2026-06-01T00:00:00Z/2026-05-01T00:00:00Z', 'datetime=a/b/c',
      'f=xml', 'colour=red',
    ];
    for (const q of cases) {
      const res = await get(`/ogc/collections/compounds/items?${q}`);
      expect({ q, status: res.status }).toEqual({ q, status: 400 });
      expect(await res.json()).toMatchObject({ error: 'bad_request', message: expect.any(String) });
    }
    expect((await get('/ogc?f=pdf')).status).toBe(400);
    expect((await get('/ogc/collections?colour=red')).status).toBe(400);
  });

  it('serves escaped zh-CN HTML for f=html or a browser, and JSON for f=json', async () => {
    const [f] = (await page('/ogc/collections/compounds/items?limit=1')).features;
    const evil = `<script>alert("x")</script> & 楼院`;
    await server.db.query('UPDATE compounds SET name = $1 WHERE id = $2', [evil, f.id]);

    const browser = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
    const itemRes = await get(`/ogc/collections/compounds/items/${f.id}`, browser);
    expect(itemRes.headers.get('content-type')).toMatch(/^text\/html/);
    const itemHtml = await itemRes.text();
    expect(itemHtml).toContain('<html lang="zh-CN">');
    expect(itemHtml).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 楼院');
    expect(itemHtml).not.toContain('<script>');

    const listRes = await get('/ogc/collections/compounds/items?limit=2&f=html');
    const list = await listRes.text();
    expect(listRes.headers.get('content-type')).toMatch(/^text\/html/);
    expect(list).toContain('&lt;script&gt;');
    expect(list).not.toContain('<script>');
    expect(list).toContain('下一页');
    expect(list).toContain(`href="${server.url}/ogc/collections/compounds/items?limit=2&amp;f=html&amp;offset=2"`);

    for (const url of ['/ogc', '/ogc/conformance', '/ogc/collections', '/ogc/collections/compounds']) {
      const res = await get(url, browser);
      expect({ url, type: res.headers.get('content-type') }).toEqual({ url, type: 'text/html; charset=utf-8' });
      expect(await res.text()).toContain('<!doctype html>');
    }
    const forced = await get(`/ogc/collections/compounds/items/${f.id}?f=json`, browser);
    expect(forced.headers.get('content-type')).toMatch(/^application\/geo\+json/);
    expect((await forced.json()).properties.name).toBe(evil);
    // A client that accepts anything (OWSLib, curl) gets JSON.
    expect((await get('/ogc', { accept: '*/*' })).headers.get('content-type')).toMatch(/^application\/json/);
  });
});
