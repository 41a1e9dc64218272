// The two tile encoders agree: real PostGIS (ST_AsMVT) and embedded PGlite (GeoJSON → geojson-vt + vt-pbf) serve
// the same tile with the same features, attributes and geometry. One real server per backend; nothing mocked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { login } from '../helpers/api.js';
import { decodeTile, tileOf, type DecodedFeature } from '../helpers/mvt.js';

type Tile = { z: number; x: number; y: number };

/** Shoelace area of a ring in tile units² (sign = winding). */
const ringArea = (ring: Array<{ x: number; y: number }>) =>
  ring.reduce((a, p, i) => {
    const q = ring[(i + 1) % ring.length];
    return a + (p.x * q.y - q.x * p.y) / 2;
  }, 0);

const bbox = (f: DecodedFeature) => {
  const pts = f.geometry.flat();
  return [Math.min(...pts.map((p) => p.x)), Math.min(...pts.map((p) => p.y)), Math.max(...pts.map((p) => p.x)), Math.max(...pts.map((p) => p.y))];
};

// The sample is loaded into each backend's template separately, so only the load time differs.
const comparable = ({ updatedAt: _, ...props }: Record<string, unknown>) => props;
const key = (f: DecodedFeature) => String(f.id ?? f.properties.id);

describe('tile encoders of the two backends', () => {
  const servers: Record<'postgres' | 'embedded', { server: TestServer; token: string }> = {} as never;
  let center: { lon: number; lat: number };

  beforeAll(async () => {
    for (const backend of ['postgres', 'embedded'] as const) {
      const server = await startTestServer({ backend });
      servers[backend] = { server, token: await login(server.url, 'leader') };
    }
    // The busiest compound cluster: the centre of the compounds' densest z14 tile.
    [center] = await servers.postgres.server.db.query<{ lon: number; lat: number }>(
      `SELECT ST_X(c) AS lon, ST_Y(c) AS lat FROM (SELECT ST_Centroid(ST_Collect(geom)) AS c FROM compounds) AS x`,
    );
  });
  afterAll(async () => {
    await Promise.all(Object.values(servers).map((s) => s.server.close()));
  });

  const fetchBoth = async (layer: string, t: Tile, query = '') => {
    const out: Record<string, Record<string, DecodedFeature[]>> = {};
    for (const [backend, { server, token }] of Object.entries(servers)) {
      const res = await fetch(`${server.url}/tiles/${layer}/${t.z}/${t.x}/${t.y}.mvt${query}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      out[backend] = decodeTile(new Uint8Array(await res.arrayBuffer()), t.z, t.x, t.y);
    }
    return out as Record<'postgres' | 'embedded', Record<string, DecodedFeature[]>>;
  };

  const cases: Array<[string, number, string]> = [
    ['compounds', 11, ''],
    ['compounds', 14, ''],
    ['service-centres', 12, ''],
    ['projects', 13, ''],
    ['temp-branches', 14, ''],
    ['disputes', 15, ''],
    ['member-units', 13, ''],
    ['regions', 12, ''],
    ['regions', 14, ''],
    ['regions', 15, '?level=building_group'],
  ];

  it.each(cases)('%s at z%i %s: same features, attributes and geometry', async (layer, z, query) => {
    const t = tileOf(center.lon, center.lat, z);
    const { postgres, embedded } = await fetchBoth(layer, t, query);
    expect(Object.keys(embedded)).toEqual(Object.keys(postgres));
    const pg = new Map((postgres[layer] ?? []).map((f) => [key(f), f]));
    const emb = new Map((embedded[layer] ?? []).map((f) => [key(f), f]));
    expect(pg.size).toBeGreaterThan(0);
    // A point within a unit of the buffer's edge may fall on either side of it (PostGIS snaps to the grid before
    // it clips, geojson-vt clips the exact position): only those may be in one tile and not the other.
    const onEdge = (f: DecodedFeature) => f.geometry.flat().some((p) => [p.x, p.y].some((v) => Math.abs(v + 64) <= 1 || Math.abs(v - 4160) <= 1));
    const onlyPg = [...pg.values()].filter((f) => !emb.has(key(f)));
    const onlyEmb = [...emb.values()].filter((f) => !pg.has(key(f)));
    expect([...onlyPg, ...onlyEmb].filter((f) => !onEdge(f)).map(key)).toEqual([]);
    expect(onlyPg.length + onlyEmb.length).toBeLessThanOrEqual(2);

    for (const [id, a] of pg) {
      const b = emb.get(id);
      if (!b) continue;
      expect({ id, props: comparable(b.properties) }).toEqual({ id, props: comparable(a.properties) });
      expect({ id, type: b.type, id2: b.id }).toEqual({ id, type: a.type, id2: a.id });
      if (a.type === 'Point') {
        expect(b.geometry.length).toBe(a.geometry.length);
        const [[p]] = a.geometry;
        const [[q]] = b.geometry;
        expect({ id, dx: Math.abs(p.x - q.x) <= 1, dy: Math.abs(p.y - q.y) <= 1 }).toEqual({ id, dx: true, dy: true });
      } else {
        // Both clip at the same buffer and snap to the unit grid, in a different order, and drop different
        // redundant vertices: compare the extent (within 2 units) and the area (within 1 %, or a few units²).
        bbox(a).forEach((v, i) => expect({ id, i, off: Math.abs(v - bbox(b)[i]) <= 2 }).toEqual({ id, i, off: true }));
        const [areaA, areaB] = [a, b].map((f) => Math.abs(f.geometry.reduce((s, ring) => s + ringArea(ring), 0)));
        expect({ id, close: Math.abs(areaA - areaB) <= Math.max(0.01 * areaA, 8) }).toEqual({ id, close: true });
      }
    }
  });
});
