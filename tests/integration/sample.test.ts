// The committed Jinshui sample loaded into real PostGIS, on both backends; nothing mocked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../server/src/db/db.js';
import { loadSample } from '../../server/src/sample/sample.loader.js';
import { RegionsRepository } from '../../server/src/regions/regions.repository.js';
import { BACKENDS, createTestDatabase, openTestDb, type TestDatabase } from '../helpers/db.js';
import { SAMPLE_DIR } from '../helpers/templates.js';

const POINT_TABLES = ['compounds', 'service_centres', 'projects', 'temp_branches', 'disputes', 'member_units'];

describe.each(BACKENDS)('sample district on %s', (backend) => {
  let database: TestDatabase;
  let db: Db;
  beforeAll(async () => {
    database = await createTestDatabase(backend);
    db = await openTestDb(database);
  });
  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  it('reproduces the figures of the seed (SPEC.md §3)', async () => {
    const s = await new RegionsRepository(db).stats('410105');
    expect(s.regions.street).toBe(19);
    expect(s.regions.community).toBe(214);
    expect(s.serviceCentres).toEqual({ street: 11, community500: 156, community1000: 52 });
    expect(s.tempBranches).toEqual({ project: 316, compound: 647 });
    expect(s.compounds.unmanaged).toBe(647);
    expect(s.disputes.resolved).toBeGreaterThanOrEqual(1300);
    expect(s.services).toEqual({ freeItems: 146, categories: 8, socialOrgs: 24, socialWorkers: 450, charityFundStreets: 6 });
    const jingbalu = await new RegionsRepository(db).stats('410105001');
    // From the ledger's records of the last 12 months (the sample's dates are shifted to the day it is loaded).
    expect(jingbalu.coBuilding).toEqual({ jointMeetings: 71, problemsRaised: 26, problemsSolved: 21, agreements: 115, jointServices: 161 });
  });

  it('has the 19 streets with their official codes and names', async () => {
    const streets = await db.query(`SELECT code, name FROM regions WHERE level = 'street' ORDER BY code`);
    expect(streets.map((s) => s.code)).toEqual(Array.from({ length: 19 }, (_, i) => `410105${String(i + 1).padStart(3, '0')}`));
    expect(streets[0].name).toBe('经八路街道');
    expect(streets[18].name).toBe('丰庆路街道');
  });

  it('stores only valid EPSG:4326 regions, each inside its parent within 1e-5°', async () => {
    const [bad] = await db.query(
      `SELECT count(*) FILTER (WHERE NOT ST_IsValid(geom)) AS invalid, count(*) FILTER (WHERE ST_SRID(geom) <> 4326) AS wrong_srid
         FROM regions`,
    );
    expect(bad).toEqual({ invalid: 0, wrong_srid: 0 });
    const outside = await db.query(
      `SELECT c.code FROM regions c JOIN regions p ON p.code = c.parent_code
        WHERE NOT ST_CoveredBy(c.geom, ST_Buffer(p.geom, 1e-5))`,
    );
    expect(outside).toEqual([]);
  });

  it('partitions every parent into its children: no gap or overlap beyond 0.1 % of its area', async () => {
    const rows = await db.query<{ code: string; gap: number; overlap: number }>(
      `SELECT p.code,
              abs(ST_Area(p.geom) - ST_Area(ST_Union(c.geom))) / ST_Area(p.geom) AS gap,
              (sum(ST_Area(c.geom)) - ST_Area(ST_Union(c.geom))) / ST_Area(p.geom) AS overlap
         FROM regions p JOIN regions c ON c.parent_code = p.code
        WHERE p.level IN ('district', 'street', 'community')
        GROUP BY p.code, p.geom`,
    );
    expect(rows.length).toBe(1 + 19 + 214);
    expect(rows.filter((r) => r.gap >= 0.001 || r.overlap >= 0.001)).toEqual([]);
  });

  it('assigns every point to the building group that covers it, all inside the district', async () => {
    for (const table of POINT_TABLES) {
      const [row] = await db.query(
        `SELECT count(*) AS n,
                count(*) FILTER (WHERE length(region_code) <> 16) AS not_deepest,
                count(*) FILTER (WHERE NOT ST_Covers((SELECT geom FROM regions WHERE code = '410105'), t.geom)) AS outside,
                count(*) FILTER (WHERE NOT ST_Covers(r.geom, ST_PointOnSurface(t.geom))) AS wrong_region
           FROM ${table} t JOIN regions r ON r.code = t.region_code`,
      );
      expect({ table, ...row, n: row.n > 0 }).toEqual({ table, n: true, not_deepest: 0, outside: 0, wrong_region: 0 });
    }
  });

  it('rejects a point outside the district and a region outside its parent', async () => {
    await expect(
      db.query(`INSERT INTO compounds (name, kind, property_service, status, geom)
                VALUES ('test', 'commercial', 'none', 'normal', ST_SetSRID(ST_MakePoint(116.39, 39.9), 4326))`),
    ).rejects.toThrow(/outside the district/);
    await expect(
      db.query(`INSERT INTO regions (code, name, level, parent_code, geom)
                VALUES ('410105001999', 'test', 'community', '410105001',
                        ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(113.77, 34.91), 4326), 0.001)))`),
    ).rejects.toThrow(/not inside its parent/);
  });

  it('has GiST indexes on every geometry column', async () => {
    const missing = await db.query(
      `SELECT c.f_table_name AS "table", c.f_geometry_column AS "column" FROM geometry_columns c
        WHERE c.f_table_schema = 'public' AND NOT EXISTS (
          SELECT 1 FROM pg_indexes i WHERE i.tablename = c.f_table_name AND i.indexdef ILIKE '%USING gist (' || c.f_geometry_column || ')%')`,
    );
    expect(missing).toEqual([]);
    const [geomColumns] = await db.query(`SELECT count(*) AS n FROM geometry_columns WHERE f_table_schema = 'public'`);
    expect(geomColumns.n).toBe(8); // regions and the seven point layers
  });

  it('loads idempotently: a second load changes nothing', async () => {
    const count = () => db.query(`SELECT (SELECT count(*) FROM regions) AS r, (SELECT count(*) FROM compounds) AS c, (SELECT count(*) FROM users) AS u`);
    const before = await count();
    expect((await loadSample(db, { sampleDir: SAMPLE_DIR, demoPassword: 'x' })).loaded).toBe(false);
    expect(await count()).toEqual(before);
  });
});
