// Real GIS clients read our OGC API – Features: GDAL's OAPIF driver (ogrinfo, ogr2ogr), OWSLib and QGIS's OAPIF
// provider (headless). The server runs on the PostgreSQL backend; the clients are the Debian packages that
// `npm test` installs (gdal-bin, python3-owslib, python3-qgis). Nothing is mocked; a missing client fails.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { client, login } from '../helpers/api.js';
import { ROOT } from '../helpers/templates.js';

const run = promisify(execFile);
const OGRINFO = '/usr/bin/ogrinfo';
const OGR2OGR = '/usr/bin/ogr2ogr';
// Debian's interpreter: the one that sees python3-owslib and python3-qgis (`python3` may be a pyenv shim).
const PYTHON = '/usr/bin/python3';
const script = (name: string) => path.join(ROOT, 'tests/gis', name);

function requireClients() {
  const missing = [OGRINFO, OGR2OGR, PYTHON].filter((f) => !fs.existsSync(f));
  if (missing.length) throw new Error(`GIS clients missing: ${missing.join(', ')}. Run \`npm test\` (installs gdal-bin, python3-owslib, python3-qgis).`);
}

const ALL = ['compounds', 'service-centres', 'projects', 'temp-branches', 'disputes', 'member-units', 'micro-wishes', 'regions-street', 'regions-community', 'regions-grid', 'regions-building-group'];

describe('GIS clients read /ogc (postgres)', () => {
  let server: TestServer;
  let token: string;
  let stats: any;
  let centreIds: string[];
  let streetIds: string[];
  /** QGIS wants a private runtime dir. */
  let runtimeDir: string;
  /** GDAL sends the bearer token from GDAL_HTTP_HEADERS. */
  const gdal = (bin: string, args: string[], env: Record<string, string> = { GDAL_HTTP_HEADERS: `Authorization: Bearer ${token}` }) =>
    run(bin, args, { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  const python = async (name: string, args: string[]) => {
    const { stdout } = await run(PYTHON, [script(name), ...args], {
      env: { ...process.env, QT_QPA_PLATFORM: 'offscreen', XDG_RUNTIME_DIR: runtimeDir },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 180_000,
    });
    // QGIS may print start-up notes; the script's answer is the last line.
    return JSON.parse(stdout.trim().split('\n').at(-1)!);
  };

  beforeAll(async () => {
    requireClients();
    runtimeDir = fs.mkdtempSync('/tmp/qgis-runtime-');
    server = await startTestServer({ backend: 'postgres' });
    token = await login(server.url, 'leader');
    const api = client(server.url, token);
    stats = (await api.get('/api/stats')).body;
    centreIds = (await api.get('/api/layers/service-centres')).body.features.map((f: { id: string }) => f.id).sort();
    streetIds = (await api.get('/api/regions/410105')).body.children.map((c: { code: string }) => c.code).sort();
  });
  afterAll(async () => {
    await server?.close();
    fs.rmSync(runtimeDir, { recursive: true, force: true });
  });

  it('GDAL ogrinfo lists every collection as a layer', async () => {
    const { stdout } = await gdal(OGRINFO, ['-ro', '-so', `OAPIF:${server.url}/ogc`]);
    const layers = [...stdout.matchAll(/^\d+: (\S+)/gm)].map((m) => m[1]);
    expect(layers).toEqual(ALL);
    expect(stdout).toContain('compounds (title: 楼院) (Point)');
  });

  it('GDAL reports the compound count of /api/stats and the collection extent', async () => {
    const { stdout } = await gdal(OGRINFO, ['-ro', '-so', `OAPIF:${server.url}/ogc`, 'compounds']);
    expect(Number(/Feature Count: (\d+)/.exec(stdout)?.[1])).toBe(stats.compounds.total);
    expect(stdout).toMatch(/Extent: \(113\.\d+, 34\.\d+\) - \(113\.\d+, 34\.\d+\)/);
  });

  it('GDAL reads every feature of a collection (following next links) with the ids of /api/layers', async () => {
    const { stdout } = await gdal(OGR2OGR, ['-f', 'GeoJSON', '/vsistdout/', `OAPIF:${server.url}/ogc`, 'service-centres']);
    const ids = JSON.parse(stdout).features.map((f: { properties: { id: string } }) => f.properties.id).sort();
    expect(ids).toEqual(centreIds);
    const { stdout: streets } = await gdal(OGRINFO, ['-ro', '-al', '-q', `OAPIF:${server.url}/ogc`, 'regions-street']);
    expect([...streets.matchAll(/^ {2}code \(String\) = (\d+)/gm)].map((m) => m[1]).sort()).toEqual(streetIds);
    expect(streets).toContain('MULTIPOLYGON');
  });

  it('GDAL also works with the token in the URL (it keeps the query on every request)', async () => {
    const { stdout } = await gdal(OGRINFO, ['-ro', '-so', `OAPIF:${server.url}/ogc?token=${token}`, 'service-centres'], {});
    expect(Number(/Feature Count: (\d+)/.exec(stdout)?.[1])).toBe(centreIds.length);
    const denied = gdal(OGRINFO, ['-ro', '-so', `OAPIF:${server.url}/ogc`], {});
    await expect(denied).rejects.toThrow(/401/);
  });

  it('OWSLib reads the conformance, the collections and every item page', async () => {
    const out = await python('owslib_features.py', [`${server.url}/ogc`, token, 'service-centres', 'compounds']);
    expect(out.conformance).toContain('http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core');
    expect(out.collections).toEqual(ALL);
    expect(out.items['service-centres'].ids.sort()).toEqual(centreIds);
    expect(out.items['service-centres'].numberMatched).toBe(centreIds.length);
    expect(out.items['service-centres'].title).toBe('党群服务中心');
    expect(out.items.compounds.numberMatched).toBe(stats.compounds.total);
    expect(new Set(out.items.compounds.ids).size).toBe(stats.compounds.total);
  });

  it('QGIS loads OAPIF layers with the token in the URL and counts what the API counts', async () => {
    const out = await python('qgis_oapif.py', [`${server.url}/ogc`, token, 'compounds', 'service-centres', 'regions-street']);
    expect(out.compounds).toMatchObject({ valid: true, featureCount: stats.compounds.total, crs: 'EPSG:4326' });
    expect(new Set(out.compounds.ids).size).toBe(stats.compounds.total);
    expect(out['service-centres'].ids.sort()).toEqual(centreIds);
    expect(out['regions-street'].ids.sort()).toEqual(streetIds);
    const [minX, minY, maxX, maxY] = out.compounds.extent;
    expect(minX).toBeGreaterThan(113.5);
    expect(maxX).toBeLessThan(114);
    expect(minY).toBeLessThan(maxY);
  });

  it('QGIS without a valid token gets no layer', async () => {
    const out = await python('qgis_oapif.py', [`${server.url}/ogc`, 'not-a-token', 'compounds']);
    expect(out.compounds.valid).toBe(false);
  });
});
