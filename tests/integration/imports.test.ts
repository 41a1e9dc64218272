// Imports through the service and through POST /api/imports, on real PostGIS (both backends), with real files
// (the readers' fixtures in tests/fixtures/imports and files written here); nothing of ours is mocked.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distance } from '@turf/turf';
import gcoord from 'gcoord';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { BACKENDS, createTestDatabase, openTestDb, type TestDatabase } from '../helpers/db.js';
import { buildApp } from '../../server/src/app.js';
import { migrate, readMigrations } from '../../server/src/db/migrate.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { client, login } from '../helpers/api.js';
import { ROOT, TMP, testConfig } from '../helpers/templates.js';
import { ImportService } from '../../server/src/importers/import.service.js';
import { ImportRepository } from '../../server/src/importers/import.repository.js';
import { EventsRepository } from '../../server/src/events/events.repository.js';
import { openSource } from '../../server/src/importers/readers/index.js';
import type { ChangeMessage } from '../../server/src/contract/events.js';
import type { ImportReport } from '../../server/src/contract/imports.js';

const FIXTURES = path.join(ROOT, 'tests/fixtures/imports');
const fixture = (name: string) => path.join(FIXTURES, name);

/** Points well inside the sample district (sample compounds), WGS84. */
const INSIDE: [number, number][] = [
  [113.711749, 34.828289],
  [113.710471, 34.795583],
  [113.769342, 34.808481],
];
/** Zhongyuan district, west of Jinshui: a fine point, outside the district. */
const OUTSIDE: [number, number] = [113.55, 34.72];

/**
 * Upload temp files left in this server's DATA_DIR/tmp (there should be none). Only its own: other test files'
 * servers run at the same time and have uploads in flight in theirs.
 */
const uploadsLeft = (dataDir: string) => {
  const dir = path.join(dataDir, 'tmp');
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
};

let fileNo = 0;
/** Writes a file of this test run and returns its path. */
function writeFile(ext: string, content: string | object): string {
  const dir = path.join(TMP, 'import-files');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `f${process.pid}-${++fileNo}${ext}`);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const feature = (properties: Record<string, unknown>, geometry: unknown, id?: string) => ({ type: 'Feature', ...(id ? { id } : {}), properties, geometry });
const point = ([lon, lat]: [number, number]) => ({ type: 'Point', coordinates: [lon, lat] });
const collection = (features: unknown[]) => ({ type: 'FeatureCollection', features });
const compound = (name: string, extra: Record<string, unknown> = {}) => ({ name, kind: 'commercial', propertyService: 'red', ...extra });

describe.each(BACKENDS)('imports on %s', (backend) => {
  let server: TestServer;
  let adminToken: string;
  let service: ImportService;
  const published: ChangeMessage[] = [];

  /** Row counts of every table an import may touch, and the event count. */
  const snapshot = async () => {
    const [row] = await server.db.query(
      `SELECT (SELECT count(*) FROM compounds) AS compounds, (SELECT count(*) FROM projects) AS projects,
              (SELECT count(*) FROM disputes) AS disputes, (SELECT count(*) FROM regions) AS regions,
              (SELECT count(*) FROM events) AS events, (SELECT last FROM event_seq) AS seq,
              (SELECT md5(string_agg(id || region_code || version, ',' ORDER BY id)) FROM compounds) AS compound_hash,
              (SELECT md5(string_agg(code || ST_AsBinary(geom)::text, ',' ORDER BY code)) FROM regions) AS region_hash`,
    );
    return row;
  };

  const upload = async (file: string, query: string, token = adminToken, name = path.basename(file)) => {
    const res = await fetch(`${server.url}/api/imports?${query}&filename=${encodeURIComponent(name)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      body: fs.readFileSync(file),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    server = await startTestServer({ backend });
    adminToken = await login(server.url, 'admin');
    service = new ImportService(server.db, new ImportRepository(), new EventsRepository(server.db), openSource, (m) => published.push(m));
  });
  afterAll(() => server?.close());

  it('imports a GeoJSON layer over HTTP: rows placed by PostGIS, one import event in /api/events', async () => {
    const before = await snapshot();
    const file = writeFile(
      '.geojson',
      collection([
        feature(compound('导入一号院'), point(INSIDE[0])),
        feature(compound('导入二号院', { kind: '无主管楼院', propertyService: '红色物业', status: '整治中' }), point(INSIDE[1])),
        feature({ 名称: '导入三号院', 楼院类型: '单位自管', 物业服务: '无物业', 四位一体: '是' }, point(INSIDE[2])),
      ]),
    );
    const res = await upload(file, 'layer=compounds');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ layer: 'compounds', format: 'geojson', crs: 'wgs84', total: 3, imported: 3, created: 3, skipped: 0, badCount: 0, committed: true, seq: before.seq + 1 });

    const rows = await server.db.query(
      `SELECT name, kind, property_service, four_in_one, status, region_code, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM compounds WHERE name LIKE '导入%' ORDER BY name`,
    );
    expect(rows.map((r) => [r.name, r.kind, r.property_service, r.four_in_one, r.status])).toEqual([
      ['导入一号院', 'commercial', 'red', false, 'normal'],
      ['导入三号院', 'unit_owned', 'none', true, 'normal'],
      ['导入二号院', 'unmanaged', 'red', false, 'in_progress'],
    ]);
    for (const r of rows) expect(r.region_code).toMatch(/^410105\d{10}$/);
    expect([rows[0].lon, rows[0].lat]).toEqual(INSIDE[0]);

    const after = await snapshot();
    expect(after.compounds).toBe(before.compounds + 3);
    expect(after.events).toBe(before.events + 1);
    const events = await client(server.url, adminToken).get(`/api/events?since=${before.seq}`);
    expect(events.body.events).toEqual([
      expect.objectContaining({
        seq: before.seq + 1,
        actor: 'admin',
        layer: 'import',
        op: 'create',
        regionCode: null,
        after: expect.objectContaining({ layer: 'compounds', file: path.basename(file), count: 3, crs: 'wgs84' }),
      }),
    ]);
  });

  it('converts a GCJ-02 CSV to WGS84: each point within 1 m of its truth', async () => {
    const rows = INSIDE.map(([lon, lat], i) => {
      const [glon, glat] = gcoord.transform([lon, lat], gcoord.WGS84, gcoord.GCJ02) as [number, number];
      return `火星坐标${i}号院,商品房,红色物业,${glon.toFixed(7)},${glat.toFixed(7)}`;
    });
    const file = writeFile('.csv', ['名称,楼院类型,物业服务,经度,纬度', ...rows].join('\n') + '\n');
    const report = await service.importFile(file, { target: { layer: 'compounds' }, crs: 'gcj02', actor: 'test' });
    expect(report).toMatchObject({ format: 'csv', crs: 'gcj02', total: 3, imported: 3, committed: true });
    const stored = await server.db.query(`SELECT name, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM compounds WHERE name LIKE '火星坐标%' ORDER BY name`);
    expect(stored).toHaveLength(3);
    stored.forEach((r, i) => expect(distance([r.lon, r.lat], INSIDE[i], { units: 'meters' })).toBeLessThan(1));
  });

  it('rejects a file with bad rows: every bad row with its number and reason, nothing written', async () => {
    const before = await snapshot();
    const file = writeFile(
      '.geojson',
      collection([
        feature(compound('好的一号院'), point(INSIDE[0])),
        feature({ kind: 'commercial', propertyService: 'red' }, point(INSIDE[1])),
        feature(compound('类别不明院', { kind: 'castle' }), point(INSIDE[1])),
        feature(compound('区外院'), point(OUTSIDE)),
        feature(compound('线状院'), { type: 'LineString', coordinates: [INSIDE[0], INSIDE[1]] }),
        feature(compound('无坐标院'), null),
        feature(compound('数字院', { fourInOne: 'maybe' }), point(INSIDE[2])),
        feature(compound('状态不明院', { status: 'flying' }), point(INSIDE[2])),
      ]),
    );
    const res = await upload(file, 'layer=compounds');
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ error: 'import_rejected', message: expect.stringContaining('7 of 8') });
    const reasons = Object.fromEntries(res.body.details.map((b: { row: number; reason: string }) => [b.row, b.reason]));
    expect(Object.keys(reasons).map(Number)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(reasons[2]).toMatch(/missing name/);
    expect(reasons[3]).toMatch(/unknown kind "castle"/);
    expect(reasons[4]).toBe('outside the district');
    expect(reasons[5]).toMatch(/geometry is LINESTRING/);
    expect(reasons[6]).toMatch(/geometry/);
    expect(reasons[7]).toMatch(/fourInOne "maybe"/);
    expect(reasons[8]).toMatch(/unknown status "flying"/);
    expect(res.body.report).toMatchObject({ committed: false, imported: 0, total: 8, badCount: 7 });
    expect(await snapshot()).toEqual(before);
  });

  it('reports an invalid polygon with ST_IsValidReason and writes nothing', async () => {
    const before = await snapshot();
    const [x, y] = INSIDE[0];
    const bowtie = { type: 'Polygon', coordinates: [[[x, y], [x + 0.002, y + 0.002], [x + 0.002, y], [x, y + 0.002], [x, y]]] };
    const file = writeFile('.geojson', collection([feature({ name: '自交项目', type: 'back_street' }, bowtie)]));
    const report = await service.importFile(file, { target: { layer: 'projects' }, actor: 'test' });
    expect(report.committed).toBe(false);
    expect(report.bad).toEqual([{ row: 1, reason: expect.stringMatching(/^invalid geometry: Self-intersection/) }]);
    expect(await snapshot()).toEqual(before);
  });

  it('with skipBad writes only the good rows and says which were left out', async () => {
    const before = await snapshot();
    const file = writeFile(
      '.geojson',
      collection([
        feature(compound('跳过测试甲院'), point(INSIDE[0])),
        feature(compound('跳过测试乙院'), point(OUTSIDE)),
        feature(compound('跳过测试丙院'), point(INSIDE[1])),
      ]),
    );
    const res = await upload(file, 'layer=compounds&skipBad=true');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 3, imported: 2, skipped: 1, committed: true, bad: [{ row: 2, reason: 'outside the district' }] });
    const names = await server.db.query(`SELECT name FROM compounds WHERE name LIKE '跳过测试%' ORDER BY name`);
    expect(names.map((r) => r.name)).toEqual(['跳过测试丙院', '跳过测试甲院']);
    expect((await snapshot()).events).toBe(before.events + 1);
  });

  it('updates the features whose id exists (version + 1), inserts the others', async () => {
    const [existing] = await server.db.query(`SELECT id, version, status FROM compounds ORDER BY id LIMIT 1`);
    const file = writeFile(
      '.geojson',
      collection([
        feature(compound('改名后的院', { renovation: 'planned' }), point(INSIDE[2]), existing.id),
        feature(compound('全新编号院'), point(INSIDE[0]), 'import-new-1'),
      ]),
    );
    const report = await service.importFile(file, { target: { layer: 'compounds' }, actor: 'test' });
    expect(report).toMatchObject({ imported: 2, created: 1, updated: 1, committed: true });
    const [row] = await server.db.query(`SELECT name, version, status, renovation, ST_X(geom) AS lon FROM compounds WHERE id = $1`, [existing.id]);
    expect(row).toEqual({ name: '改名后的院', version: existing.version + 1, status: existing.status, renovation: 'planned', lon: INSIDE[2][0] });
    expect((await server.db.query(`SELECT count(*) AS n FROM compounds WHERE id = 'import-new-1'`))[0].n).toBe(1);
  });

  it('drops heights and takes a one-point MultiPoint as a point', async () => {
    const file = writeFile(
      '.geojson',
      collection([
        feature(compound('带高程院'), { type: 'Point', coordinates: [...INSIDE[0], 87.5] }),
        feature(compound('多点院'), { type: 'MultiPoint', coordinates: [INSIDE[1]] }),
        feature(compound('真多点院'), { type: 'MultiPoint', coordinates: [INSIDE[1], INSIDE[2]] }),
      ]),
    );
    const rejected = await service.importFile(file, { target: { layer: 'compounds' }, actor: 'test' });
    expect(rejected.bad).toEqual([{ row: 3, reason: 'geometry is MULTIPOINT; compounds takes POINT' }]);
    const report = await service.importFile(file, { target: { layer: 'compounds' }, actor: 'test', skipBad: true });
    expect(report).toMatchObject({ imported: 2, committed: true });
    const rows = await server.db.query(`SELECT name, ST_AsText(geom) AS wkt FROM compounds WHERE name IN ('带高程院', '多点院') ORDER BY name`);
    expect(rows).toEqual([
      { name: '多点院', wkt: `POINT(${INSIDE[1][0]} ${INSIDE[1][1]})` },
      { name: '带高程院', wkt: `POINT(${INSIDE[0][0]} ${INSIDE[0][1]})` },
    ]);
  });

  it('stores names with a NUL or a lone surrogate instead of failing (never a 5xx for a bad file)', async () => {
    const file = writeFile('.geojson', '{"type":"FeatureCollection","features":[' +
      `{"type":"Feature","properties":{"name":"空字符\\u0000院","kind":"commercial","propertyService":"red"},"geometry":{"type":"Point","coordinates":[${INSIDE[0]}]}},` +
      `{"type":"Feature","properties":{"name":"代理项\\ud800院","kind":"castle\\u0000","propertyService":"red"},"geometry":{"type":"Point","coordinates":[${INSIDE[1]}]}}]}`);
    const res = await upload(file, 'layer=compounds&skipBad=true');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ imported: 1, bad: [{ row: 2, reason: expect.stringMatching(/^unknown kind "castle/) }] });
    const [row] = await server.db.query(`SELECT name FROM compounds WHERE name LIKE '空字符%'`);
    expect(row.name).toBe('空字符院');
  });

  it('publishes the import event after commit, with no feature', async () => {
    published.length = 0;
    const file = writeFile('.geojson', collection([feature(compound('发布测试院'), point(INSIDE[1]))]));
    const report = await service.importFile(file, { target: { layer: 'compounds' }, actor: 'cli:tester', fileName: '楼院.geojson' });
    expect(published).toEqual([
      expect.objectContaining({ seq: report.seq, layer: 'import', actor: 'cli:tester', feature: null, after: expect.objectContaining({ file: '楼院.geojson' }) }),
    ]);
  });

  /** Compounds written since `t0` (a database timestamp), in row order. */
  const compoundsSince = async (t0: string) =>
    server.db.query(`SELECT name, kind, property_service AS "propertyService", status, region_code AS "regionCode", ST_X(geom) AS lon, ST_Y(geom) AS lat
                       FROM compounds WHERE created_at >= $1 ORDER BY created_at, ctid`, [t0]);
  const dbNow = async () => (await server.db.query('SELECT clock_timestamp() AS t'))[0].t as string;
  const truth = fs
    .readFileSync(fixture('compounds-gcj02.truth.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',').slice(1).map(Number) as [number, number]);

  it.each([
    ['compounds.geojson', {}, 'geojson', 'wgs84'],
    ['compounds.kml', {}, 'kml', 'wgs84'],
    ['compounds.xlsx', {}, 'xlsx', 'wgs84'],
    ['compounds-gcj02.csv', { crs: 'gcj02' }, 'csv', 'gcj02'],
    ['compounds-cgcs2000-gbk.zip', {}, 'shapefile', 'cgcs2000'],
    ['compounds-cgcs2000-gk.zip', {}, 'shapefile', 'cgcs2000'],
    ['compounds-gbk-nocpg.zip', { encoding: 'gbk' }, 'shapefile', 'cgcs2000'],
  ] as const)('imports the fixture %s: six compounds, attributes mapped, each within 1 m of its WGS84 truth', async (name, options, format, crs) => {
    const t0 = await dbNow();
    const report = await service.importFile(fixture(name), { target: { layer: 'compounds' }, actor: 'test', ...options });
    expect(report).toMatchObject({ format, crs, total: 6, imported: 6, created: 6, badCount: 0, committed: true });
    const rows = await compoundsSince(t0);
    expect(rows.map((r) => [r.name, r.kind, r.propertyService, r.status])).toEqual([
      ['文化路32号院', 'commercial', 'commercial', 'normal'],
      ['电力公司北院', 'unit_owned', 'none', 'normal'],
      ['医学院西院', 'unit_owned', 'red', 'pending'],
      ['姚砦路96号院', 'unmanaged', 'red', 'in_progress'],
      ['紫荆苑', 'commercial', 'commercial', 'done'],
      ['政六街17号院', 'unmanaged', 'none', 'verified'],
    ]);
    rows.forEach((r, i) => {
      expect(distance([r.lon, r.lat], truth[i], { units: 'meters' })).toBeLessThan(1);
      expect(r.regionCode).toMatch(/^410105\d{10}$/);
    });
  });

  it.each([
    ['compounds-broken.csv', [2, 3, 4, 5, 6, 7, 8], 9],
    ['compounds-broken.xlsx', [2, 3, 4, 5, 6, 7, 8], 9],
    ['compounds-broken.geojson', [2, 3, 4, 5, 6, 7, 8], 9],
    ['compounds-broken.kml', [2, 3, 4, 5, 6, 7], 7],
    ['compounds-broken-shp.zip', [2, 3, 4, 5, 6], 6],
  ] as const)('rejects the fixture %s over HTTP with a reason for each bad row and writes nothing; skipBad writes the rest', async (name, badRows, total) => {
    const before = await snapshot();
    const res = await upload(fixture(name), 'layer=compounds');
    expect(res.status).toBe(422);
    expect(res.body.error).toBe('import_rejected');
    expect(res.body.details.map((b: { row: number }) => b.row)).toEqual(badRows);
    for (const b of res.body.details) expect(b.reason).toEqual(expect.any(String));
    const reasons: string[] = res.body.details.map((b: { reason: string }) => b.reason);
    expect(reasons.some((r) => /missing name/.test(r))).toBe(true);
    expect(reasons.some((r) => /unknown kind/.test(r))).toBe(true);
    expect(reasons).toContain('outside the district');
    expect(res.body.report).toMatchObject({ total, badCount: badRows.length, committed: false, imported: 0 });
    expect(await snapshot()).toEqual(before);

    const t0 = await dbNow();
    const skipped = await upload(fixture(name), 'layer=compounds&skipBad=true');
    expect(skipped.status).toBe(200);
    expect(skipped.body).toMatchObject({ total, imported: total - badRows.length, skipped: badRows.length, committed: true });
    expect(await compoundsSince(t0)).toHaveLength(total - badRows.length);
  });

  it.each([
    ['hostile-bomb.zip', 'hostile_archive'],
    ['hostile-lying-size.zip', 'hostile_archive'],
    ['hostile-traversal.zip', 'hostile_archive'],
    ['hostile-absolute.zip', 'hostile_archive'],
    ['hostile-backslash.zip', 'hostile_archive'],
    ['hostile-many-entries.zip', 'hostile_archive'],
    ['hostile-symlink.zip', 'hostile_archive'],
    ['compounds-xian80.zip', 'unreadable'],
    ['two-layers.zip', 'unreadable'],
    ['no-shp.zip', 'unreadable'],
  ])('refuses %s with a 400 %s, writes nothing and leaves no temp file', async (name, code) => {
    const before = await snapshot();
    const res = await upload(fixture(name), 'layer=compounds');
    expect(res).toMatchObject({ status: 400, body: { error: code, message: expect.any(String) } });
    expect(await snapshot()).toEqual(before);
    expect(uploadsLeft(server.dataDir)).toEqual([]);
    for (const evil of ['/tmp/evil.shp', path.join(TMP, 'evil.shp'), path.join(ROOT, 'evil.shp')]) expect(fs.existsSync(evil)).toBe(false);
  });

  it('refuses non-admins (403), requests without a token (401), unknown formats and targets (400); nothing written', async () => {
    // An administrator of one street may not import (below): imports act on the whole district.
    const created = await client(server.url, adminToken).post('/api/admin/users', {
      username: 'street-admin', password: 'street-admin-pw', role: 'admin', regionCodes: ['410105001'],
    });
    expect(created.status).toBe(201);
    const before = await snapshot();
    const file = writeFile('.geojson', collection([feature(compound('越权院'), point(INSIDE[0]))]));
    const leader = await login(server.url, 'leader');
    const coordinator = await login(server.url, 'grid-41010500100101');
    for (const token of [leader, coordinator]) {
      const res = await upload(file, 'layer=compounds', token);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ error: 'forbidden', message: expect.any(String) });
    }
    const streetAdmin = await upload(file, 'layer=compounds', await login(server.url, 'street-admin', 'street-admin-pw'));
    expect(streetAdmin).toMatchObject({ status: 403, body: { error: 'forbidden_region' } });
    expect((await upload(file, 'layer=compounds', 'not-a-token')).status).toBe(401);
    const cases = ['layer=unicorns', 'layer=regions', 'layer=compounds&level=grid', 'layer=regions&level=district', 'layer=compounds&crs=mars', 'layer=compounds&colour=red'];
    for (const q of cases) {
      const res = await upload(file, q);
      expect({ q, status: res.status }).toEqual({ q, status: 400 });
      expect(res.body).toMatchObject({ error: expect.any(String), message: expect.any(String) });
    }
    const exe = await upload(file, 'layer=compounds', adminToken, 'virus.exe');
    expect(exe).toMatchObject({ status: 400, body: { error: 'unsupported_format' } });
    const garbage = await upload(writeFile('.geojson', '{"type":"FeatureCollection","features":[{"type":'), 'layer=compounds');
    expect(garbage).toMatchObject({ status: 400, body: { error: 'unreadable' } });
    const empty = await upload(writeFile('.csv', '名称,经度,纬度\n'), 'layer=compounds');
    expect(empty).toMatchObject({ status: 400, body: { error: 'unreadable' } });
    expect(await snapshot()).toEqual(before);
    expect(uploadsLeft(server.dataDir)).toEqual([]);
  });
  // Boundary re-imports last: the successful one replaces the grid level of this database for good.
  describe('boundary re-import', () => {
    const sampleGrids = () =>
      (JSON.parse(fs.readFileSync(path.join(ROOT, 'geodata/jinshui/regions.geojson'), 'utf8')).features as GeoJSON.Feature[])
        .filter((f) => f.properties!.level === 'grid')
        .map((f) => ({ ...f, properties: { code: f.properties!.code, name: f.properties!.name, parentCode: f.properties!.parentCode } }));
    const levelCounts = async () =>
      (await server.db.query(`SELECT length(code) AS len, count(*)::int AS n FROM regions GROUP BY 1 ORDER BY 1`)).map((r) => [r.len, r.n]);

    it('refuses a level whose regions break the rules (outside the parent, invalid, unclosed) and changes nothing', async () => {
      const before = await snapshot();
      const grids = sampleGrids();
      const moved = grids[5];
      const shift = (c: any): any => (typeof c[0] === 'number' ? [c[0] + 0.05, c[1]] : c.map(shift));
      grids[5] = { ...moved, geometry: { ...moved.geometry, coordinates: shift((moved.geometry as GeoJSON.MultiPolygon).coordinates) } as GeoJSON.Geometry };
      grids[7] = { ...grids[7], properties: { ...grids[7].properties, code: '4101050010010' } };
      const res = await upload(writeFile('.geojson', collection(grids)), 'layer=regions&level=grid');
      expect(res.status).toBe(422);
      expect(res.body.details).toEqual([
        { row: 6, reason: `not inside its parent region ${moved.properties!.parentCode}` },
        { row: 8, reason: expect.stringMatching(/^code "4101050010010" is not a grid code/) },
      ]);
      expect(await snapshot()).toEqual(before);

      const broken = await upload(fixture('grids-broken.geojson'), 'layer=regions&level=grid');
      expect(broken.status).toBe(422);
      expect(broken.body.details.map((b: { row: number }) => b.row)).toEqual([2, 3]);
      expect(broken.body.details[0].reason).toMatch(/^invalid geometry: Self-intersection/);
      expect(await snapshot()).toEqual(before);
    });

    it('refuses (409) a level that would strand users in regions that no longer exist, naming them; nothing changes', async () => {
      const before = await snapshot();
      const res = await upload(fixture('grids-410105001001.geojson'), 'layer=regions&level=grid');
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ error: 'import_rejected', message: expect.stringContaining('grid-41010500100201') });
      expect(res.body.message).not.toContain('grid-41010500100101 ');
      expect(await snapshot()).toEqual(before);
    });

    it('replaces the grid level atomically, removes the deeper building groups and re-assigns every point', async () => {
      const before = await snapshot();
      const counts = Object.fromEntries(await levelCounts());
      const [{ n: inBuildingGroups }] = await server.db.query(
        `SELECT (SELECT count(*) FROM compounds WHERE length(region_code) = 16) + (SELECT count(*) FROM disputes WHERE length(region_code) = 16)
              + (SELECT count(*) FROM service_centres WHERE length(region_code) = 16) + (SELECT count(*) FROM projects WHERE length(region_code) = 16)
              + (SELECT count(*) FROM temp_branches WHERE length(region_code) = 16) + (SELECT count(*) FROM member_units WHERE length(region_code) = 16)
              + (SELECT count(*) FROM micro_wishes WHERE length(region_code) = 16) AS n`,
      );
      const [kept] = await server.db.query(`SELECT party_org FROM regions WHERE code = '41010500100101'`);
      const grids = sampleGrids();
      grids[0].properties!.name = '重新划定的第一网格';
      const res = await upload(writeFile('.geojson', collection(grids)), 'layer=regions&level=grid');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        layer: 'regions', level: 'grid', total: grids.length, imported: grids.length, committed: true,
        removed: counts[14], removedDeeper: counts[16], reassigned: inBuildingGroups,
      });
      expect(inBuildingGroups).toBeGreaterThan(0);
      expect(Object.fromEntries(await levelCounts())).toEqual({ ...counts, 14: grids.length, 16: undefined });
      // The building groups' meetings and ratings went with them.
      expect((await server.db.query(`SELECT (SELECT count(*) FROM building_group_meetings) + (SELECT count(*) FROM star_ratings) AS n`))[0].n).toBe(0);
      const [first] = await server.db.query(`SELECT name, party_org FROM regions WHERE code = $1`, [grids[0].properties!.code]);
      expect(first.name).toBe('重新划定的第一网格');
      expect(kept.party_org).toEqual(first.party_org); // figures the boundary file does not carry are kept
      // Every point sits in its deepest covering region again, now a grid at most.
      const wrong = await server.db.query(
        `SELECT t.id FROM compounds AS t
          WHERE t.region_code IS DISTINCT FROM (SELECT r.code FROM regions AS r WHERE ST_Covers(r.geom, ST_PointOnSurface(t.geom))
                                                 ORDER BY length(r.code) DESC, r.code LIMIT 1)`,
      );
      expect(wrong).toEqual([]);
      const after = await snapshot();
      expect(after.events).toBe(before.events + 1);
      const [event] = await server.db.query(`SELECT layer, after FROM events WHERE seq = $1`, [res.body.seq]);
      expect(event).toEqual({ layer: 'import', after: expect.objectContaining({ layer: 'regions', level: 'grid', count: grids.length, removedDeeper: counts[16] }) });
      // The coordinators keep working against the new grids.
      const coordinator = client(server.url, await login(server.url, 'grid-41010500100101'));
      expect((await coordinator.get('/api/stats')).status).toBe(200);
    });
  });
});

describe.each(BACKENDS)('upload size limit on %s', (backend) => {
  let database: TestDatabase;
  let app: FastifyInstance | undefined;
  let url: string;
  let token: string;
  beforeAll(async () => {
    database = await createTestDatabase(backend);
    ({ app } = await buildApp(testConfig({ databaseUrl: database.databaseUrl, dataDir: database.dataDir, importMaxBytes: 4096 })));
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    token = await login(url, 'admin');
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('answers 413 payload_too_large for a file over the limit, declared or streamed, and keeps nothing', async () => {
    const big = collection(Array.from({ length: 100 }, (_, i) => feature(compound(`超限${i}号院`), point(INSIDE[0]))));
    const body = Buffer.from(JSON.stringify(big));
    expect(body.length).toBeGreaterThan(4096);
    const post = (init: RequestInit & { duplex?: 'half' }) =>
      fetch(`${url}/api/imports?layer=compounds&filename=big.geojson`, { method: 'POST', ...init, headers: { authorization: `Bearer ${token}` } });

    const declared = await post({ body });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ error: 'payload_too_large', message: expect.any(String) });

    // No Content-Length: chunked, counted while it is written to disk.
    const chunks = [body.subarray(0, 3000), body.subarray(3000)];
    const stream = new ReadableStream({ pull: (c) => (chunks.length ? c.enqueue(chunks.shift()!) : c.close()) });
    const streamed = await post({ body: stream, duplex: 'half' });
    expect(streamed.status).toBe(413);
    expect(await streamed.json()).toMatchObject({ error: 'payload_too_large' });

    const small = await post({ body: JSON.stringify(collection([feature(compound('限内院'), point(INSIDE[0]))])) });
    expect(small.status).toBe(200);
    expect(fs.readdirSync(path.join(database.dataDir, 'tmp'))).toEqual([]);
  });
});

describe.each(BACKENDS)('migration 006 on %s', (backend) => {
  it('makes every foreign key to regions(code) deferrable, also those of tables an earlier migration added', async () => {
    const database = await createTestDatabase(backend, { sample: false });
    const db = await openTestDb(database);
    try {
      // Migrations before 006, plus a stand-in for another area's 005 that references regions (user_regions).
      const dir = fs.mkdtempSync(path.join(TMP, 'migrations-'));
      for (const f of readMigrations().filter((m) => m.name < '006')) fs.writeFileSync(path.join(dir, f.name), f.sql);
      fs.writeFileSync(
        path.join(dir, '005_test_other_area.sql'),
        'CREATE TABLE test_user_regions (username text NOT NULL, region_code text NOT NULL REFERENCES regions (code));',
      );
      await migrate(db, dir);
      const keys = `SELECT conrelid::regclass::text AS tbl, condeferrable AS deferrable, condeferred AS deferred
                      FROM pg_constraint WHERE contype = 'f' AND confrelid = 'regions'::regclass ORDER BY 1`;
      expect((await db.query(keys)).every((k) => !k.deferrable)).toBe(true);

      const [m006] = readMigrations().filter((m) => m.name.startsWith('006'));
      fs.writeFileSync(path.join(dir, m006.name), m006.sql);
      expect(await migrate(db, dir)).toEqual([m006.name]);
      const after = await db.query(keys);
      expect(after.map((k) => k.tbl)).toEqual(expect.arrayContaining(['regions', 'users', 'compounds', 'disputes', 'test_user_regions']));
      expect(after.length).toBeGreaterThanOrEqual(9);
      expect(after.every((k) => k.deferrable && !k.deferred)).toBe(true);
    } finally {
      await db.close();
      await database.drop();
    }
    // A fresh embedded PostGIS takes a while to create on a busy 2-core machine.
  }, 240_000);
});
